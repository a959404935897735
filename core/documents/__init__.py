"""Official documents: records, numbering, sign-off, issue, delivery and PDF rendering."""
