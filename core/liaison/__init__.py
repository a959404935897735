"""Liaison work (助企联络, 一企一警): the coverage of enterprises by liaison officers."""
