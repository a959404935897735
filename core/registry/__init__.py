"""The enterprise registry: every enterprise the centre serves."""
