"""Fixtures for the core suite: real SQLite files in tmp_path, never a mocked store.

``demo_template`` builds the demo trust once per session; ``demo_dir`` gives each test its own copy
of that file, so tests may write freely without paying for the demo again. ``station`` is a small
hand-built station (one ward, known staff including non-Latin names) for precise tests.
Both are made, and ``station`` is opened, as of the suite's pinned clock (``support/clocks.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_support import WardStation, build_ward, open_station
from support.clocks import suite_clock

from hardtruths_desktop.store.engine import DB_FILENAME
from hardtruths_desktop.store.session import Store


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the full demo trust (built once; copy it, never write to it)."""
    from hardtruths_desktop.demo import create_demo

    folder = tmp_path_factory.mktemp("demo-template")
    store = Store(folder, suite_clock())
    create_demo(store)
    store.close()
    assert not (folder / (DB_FILENAME + "-wal")).exists() or (folder / (DB_FILENAME + "-wal")).stat().st_size == 0
    return folder


@pytest.fixture
def demo_dir(tmp_path: Path, demo_template: Path) -> Path:
    """This test's own copy of the demo station's data folder."""
    target = tmp_path / "station"
    target.mkdir()
    shutil.copy2(demo_template / DB_FILENAME, target / DB_FILENAME)
    return target


@pytest.fixture(scope="session")
def station_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("station-template")
    build_ward(folder, suite_clock()).store.close()
    return folder


@pytest.fixture
def station_dir(tmp_path: Path, station_template: Path) -> Path:
    target = tmp_path / "station"
    target.mkdir()
    shutil.copy2(station_template / DB_FILENAME, target / DB_FILENAME)
    return target


@pytest.fixture
def station(station_dir: Path) -> Iterator[WardStation]:
    """A copy of the small hand-built station (ward T1), opened."""
    st = open_station(station_dir, suite_clock())
    yield st
    st.store.close()
