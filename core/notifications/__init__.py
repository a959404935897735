"""In-app notifications: the inbox in the page header."""
