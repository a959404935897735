"""Plugins that exist only for the tests, installed through fake entry points."""
