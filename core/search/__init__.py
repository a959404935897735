"""Full-text search of what people wrote on tickets (core/search/index.py keeps
the index, core/search/query.py reads it)."""
