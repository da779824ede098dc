"""The local SQLite store: tables, engine, migrations and the repositories that write through the outbox."""
