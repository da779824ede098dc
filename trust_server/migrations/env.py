"""Alembic environment for the trust server (SQLite or PostgreSQL).

Run in-process by ``trust_server.db.migrate``, which passes the open connection in
``config.attributes["connection"]``. ``render_as_batch`` lets Alembic alter SQLite tables.
"""

from alembic import context

from trust_server.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic revision --autogenerate` by a developer
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///server-dev.sqlite"
    connection = create_engine(url).connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
