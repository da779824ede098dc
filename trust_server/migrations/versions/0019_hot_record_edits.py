"""A one-field edit of a record is a HOT update on PostgreSQL (issue 13, i13-hot6: the database's share of a push).

Before, every edit wrote a new version of the whole ``entity_record`` row AND a new entry in each of its
three indexes, because two of them change with every edit: ``ix_entity_record_ward_day`` is on an
expression of ``data`` (any change of ``data`` counts), and ``ix_entity_record_ward_last_seq`` (0014) holds
``last_seq``. Now no index holds a column an edit changes, so wherever the page has room PostgreSQL writes
the new version on it, adds no index entry, and prunes the old version when the page is next read,
without VACUUM:

* ``day``: the record's day (a shift's date, a 23:59 count's day; ``models.RECORD_DAY_SQL``) as a
  generated column (stored on PostgreSQL, virtual on SQLite), so ``ix_entity_record_ward_day`` is on
  ``(ward_id, entity, day)``: an edit that leaves the day alone leaves the index alone.
* ``ix_entity_record_ward_last_seq`` goes. A pull that skips none of the station's own changes walks
  the ward's change-log rows again (``ix_change_log_ward_stream``), sending the rows that are their
  record's latest (``sync.record_rows_query``), and a push deletes the change-log row its change
  supersedes when no station is then sent that row (``stream.drop_unsent``; the nightly purge
  deletes the rest): the change log holds about one row per record, as the records' index did.
  Here the superseded rows already there go the same way (one statement).

The table keeps PostgreSQL's default fillfactor (100): measured with ``benchmarks/bench_size.py``, 85 cost
~110 B a shift in one burst (creates then edits: every row of a page is edited in one transaction, so the
room fits one or two new versions a page) and ~150 B over 20 rounds, for no CPU gained in a push of 2,000
edits; a page gets room from the versions pruned on it, where the next edits are HOT.

Set-based: one table rewrite (the stored column), one index built, one DELETE. SQLite: the column is
virtual (no rewrite). Downgrade: the expression index and the walk index again, the column goes; the
change-log rows deleted are not brought back (every station is still sent the same records: each row
brings its record's current state).

Revision ID: 0019
Revises: 0020b
Create Date: 2026-12-02 08:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0020b'  # after i13-guard6's 0020 and 0020b, which landed first
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY = "coalesce(data->>'shift_date', data->>'day')"  # models.RECORD_DAY_SQL (PostgreSQL; SQLite 3.38+)

#: change-log rows no station can be sent (``stream.drop_unsent``'s rule over the whole log): the record's
#: latest row in the same stream supersedes them for every station, unless it is a station's own echo
#: and they are not that station's (then that station is sent the older row)
_UNSENT = """
DELETE FROM change_log WHERE EXISTS (
  SELECT 1 FROM entity_record r JOIN change_log head ON head.seq = r.last_seq
  WHERE r.entity = change_log.entity AND r.id = change_log.entity_id AND r.last_seq > change_log.seq
    AND head.entity = change_log.entity AND head.entity_id = change_log.entity_id
    AND head.ward_id {same} change_log.ward_id
    AND (head.echo_of IS NULL OR head.echo_of = change_log.echo_of))"""


def upgrade() -> None:
    pg = op.get_bind().dialect.name == 'postgresql'
    op.execute("DROP INDEX ix_entity_record_ward_day")
    op.execute("DROP INDEX ix_entity_record_ward_last_seq")
    if pg:
        op.execute(f"ALTER TABLE entity_record ADD COLUMN day text GENERATED ALWAYS AS ({DAY}) STORED")
    else:  # SQLite adds only a virtual generated column (an index on it is allowed)
        op.execute(f"ALTER TABLE entity_record ADD COLUMN day TEXT GENERATED ALWAYS AS ({DAY}) VIRTUAL")
    op.execute("CREATE INDEX ix_entity_record_ward_day ON entity_record (ward_id, entity, day)")
    op.execute(_UNSENT.format(same='IS NOT DISTINCT FROM' if pg else 'IS'))
    if pg:
        op.execute("ANALYZE entity_record")
        op.execute("ANALYZE change_log")


def downgrade() -> None:
    op.execute("DROP INDEX ix_entity_record_ward_day")
    op.execute("ALTER TABLE entity_record DROP COLUMN day")
    op.execute(f"CREATE INDEX ix_entity_record_ward_day ON entity_record (ward_id, entity, ({DAY}))")
    op.execute("CREATE INDEX ix_entity_record_ward_last_seq ON entity_record (ward_id, last_seq)")
