"""Alembic environment for the ward station's local SQLite store.

Run in-process by ``hardtruths_desktop.store.migrate``, which passes the open connection in
``config.attributes["connection"]``. ``render_as_batch`` lets Alembic alter SQLite tables.
"""

from alembic import context

from hardtruths_desktop.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic revision --autogenerate` by a developer
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///dev.sqlite"
    connection = create_engine(url).connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
