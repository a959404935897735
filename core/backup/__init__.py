"""Backup sets and their restore: the database, the stored files and the keys,
with a checksum manifest (``anqi backup``, ``anqi restore``)."""
