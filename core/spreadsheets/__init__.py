"""Tables that users upload (CSV, Excel .xlsx) and that anqi writes for them.

``reading``: an uploaded table read as a stream, one row at a time, within
limits on bytes, rows and columns, whatever the file claims about itself.
``cells``: values written to a spreadsheet as text that no spreadsheet will
run as a formula.
"""
