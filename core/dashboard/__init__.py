"""The home page: figures for the user's units and the widgets of enabled plugins."""
