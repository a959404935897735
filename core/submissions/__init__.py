"""One-time keys of create forms: a form sent twice makes one record."""
