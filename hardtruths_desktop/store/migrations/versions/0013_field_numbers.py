"""Field versions name their fields by number (issue 13: the recording station's bytes per shift).

A record's ``field_meta`` is stored packed, ``[[version, [field, ...]], ...]`` (each version once,
issue 13); a new shift's versions named its ~14 fields in ~240 characters, two fifths of the shift
row. From this revision a field listed in ``domain.field_meta.FIELD_NAMES`` (append-only: shift,
staff group figures, ward day) is stored as its number, any other name as itself; ``field_meta.loads``
reads every form (``{field: version}``, names, numbers) and gives back the same ``{field: version}``.
Nothing is lost or renamed: the versions (token, clock) are untouched, only how a field is written.

The upgrade rewrites the rows already in the packed form (written by this station since station
migration 0012's release) in the numbered form, table by table. Rows still in the older
``{field: version}`` form are left byte for byte as they are (they read the same, and the release
fixture's upgrade test compares every row of the 0008 release): each is written compactly at its
next change. An app older than this revision refuses the file (unknown revision), because it would
read a numbered field as a field called "3".

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

from hardtruths_desktop.domain import field_meta

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    tables = [r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()]
    for table in tables:
        cols = [c[1] for c in conn.exec_driver_sql(f'PRAGMA table_info("{table}")').all()]
        if "field_meta" not in cols:
            continue
        texts = [r[0] for r in conn.exec_driver_sql(
            f"SELECT DISTINCT field_meta FROM \"{table}\" WHERE field_meta LIKE '[[%'").all()]  # the packed form only
        updates = []
        for text in texts:
            try:
                meta = field_meta.loads(text)
            except (ValueError, TypeError, IndexError):
                continue  # not ours to read: left as it is
            new = field_meta.dumps(meta)
            if new != text and field_meta.loads(new) == meta:  # lossless, or left as it is
                updates.append((new, text))
        if updates:  # by value: the same text gets the same new text (and WITHOUT ROWID tables need no rowid)
            # through an indexed map, one UPDATE a table: an UPDATE per text scanned the whole table each time
            # (nearly every row has its own versions: ~9 minutes for 20,000 shifts at the first start)
            conn.exec_driver_sql("CREATE TEMP TABLE field_meta_0013 (old TEXT PRIMARY KEY, new TEXT NOT NULL)")
            conn.exec_driver_sql("INSERT INTO field_meta_0013 (new, old) VALUES (?, ?)", updates)
            conn.exec_driver_sql(
                f'UPDATE "{table}" SET field_meta = (SELECT m.new FROM field_meta_0013 AS m WHERE m.old = "{table}".field_meta) '
                f"WHERE field_meta IN (SELECT old FROM field_meta_0013)")
            conn.exec_driver_sql("DROP TABLE field_meta_0013")


def downgrade() -> None:
    raise NotImplementedError("the station's store is never downgraded (a newer store is refused, not rewritten)")
