"""Where the station's database file lives (no SQLAlchemy here: the sign-in list reads it first)."""

from __future__ import annotations

from pathlib import Path

DB_FILENAME = "ward-station.sqlite"


def db_path(data_dir: Path) -> Path:
    return data_dir / DB_FILENAME
