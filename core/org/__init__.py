"""Organisation: units, users, roles, the permission matrix and data scoping."""
