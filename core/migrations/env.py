"""Alembic environment: the application's engine and the metadata of core and plugins."""
from alembic import context
from flask import current_app

from core.search.index import outside_the_models

config = context.config
db = current_app.extensions["migrate"].db


def run_migrations_offline():
    context.configure(url=str(db.engine.url), target_metadata=db.metadata, literal_binds=True,
                      render_as_batch=True, include_name=outside_the_models)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    def run(connection):
        context.configure(connection=connection, target_metadata=db.metadata,
                          process_revision_directives=skip_empty,
                          render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True, include_name=outside_the_models)
        with context.begin_transaction():
            context.run_migrations()

    # A caller may pass a connection of its own, already in a transaction (`anqi db copy`
    # migrates the target inside the copy's transaction): Alembic then neither begins nor commits.
    given = config.attributes.get("connection")
    if given is not None:
        run(given)
        return
    with db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            run(connection)
            return
        # SQLite rebuilds a table to drop a referencing column, and dropping the old
        # table with foreign keys on would first delete, by ON DELETE CASCADE, every
        # row that refers to it. The pragma is a no-op inside a transaction, so it is
        # set on the driver's connection (in autocommit here) before Alembic begins.
        driver = connection.connection.driver_connection
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            run(connection)
        finally:
            driver.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
