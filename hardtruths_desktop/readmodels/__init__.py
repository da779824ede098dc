"""Read-models: what each screen (and the CLI, and the tests) reads, as plain frozen dataclasses.

One module per screen or noun. Each exposes ``load_<thing>(store, ward_id, *, now, ...)`` that opens
one read session, builds the dataclasses from the store's query building blocks
(``store/queries.py`` and the repositories' read functions) and returns them with no ORM object
inside, so the result can cross threads and be shown by the GUI without touching the database.

Threading contract: a ``load_*`` function does blocking I/O; the GUI runs it on the store worker
(``ctx.query``), the CLI and tests call it directly. ``now`` is the ward's wall clock (an aware
datetime, or a naive one already in Europe/London): nothing here reads the PC's clock itself.

Layering: read-models sit above ``store`` (next to ``sync`` and ``printing``) and never import Qt.
"""
