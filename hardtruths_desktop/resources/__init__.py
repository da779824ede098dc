"""Where the station's data files are: one helper, the same answer in a checkout, installed, and frozen.

Everything the program reads from disk lives inside the ``hardtruths_desktop`` package, so a plain
``pip install .`` carries it (pyproject's package-data) and ``build.spec`` ships the same folders
at the same place inside the bundle (``DATA_FOLDERS``)::

    hardtruths_desktop/resources/fonts/         fonts for printed sheets (open licences, see its README)
    hardtruths_desktop/resources/style/         the Qt style sheet
    hardtruths_desktop/resources/icons/         the program's icon (PNG; ICO for the Windows executable)
    hardtruths_desktop/resources/translations/  the kiosk's Qt translations (.ts sources; .qm built at install)
    hardtruths_desktop/resources/valuesets/     national value sets as JSON (DOMAIN.md: data, not constants)
    hardtruths_desktop/resources/incidents/     incident value sets, Never Events, England and Wales bank holidays
    hardtruths_desktop/store/migrations/        the local store's Alembic scripts (Alembic reads them from disk)

Frozen by PyInstaller, the package's files sit under ``sys._MEIPASS`` with the same layout. This
module imports nothing from the project, so the domain may use it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

#: Folders of the package that are data, not code: shipped as they are (package-relative paths).
DATA_FOLDERS: tuple[str, ...] = ("resources/fonts", "resources/style", "resources/icons", "resources/translations",
                                 "resources/valuesets", "resources/incidents", "store/migrations")


def package_dir() -> Path:
    """The ``hardtruths_desktop`` folder on disk: in the frozen bundle, or where Python imported it from."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "hardtruths_desktop"
    return Path(__file__).resolve().parent.parent


def resource(*parts: str) -> Path:
    """A file or folder under ``resources/``, e.g. ``resource("fonts")`` or ``resource("style", "ward_station.qss")``."""
    return package_dir().joinpath("resources", *parts)


def valueset(name: str) -> Path:
    """The JSON file of one value set, e.g. ``valueset("staffing")``."""
    return resource("valuesets", f"{name}.json")


def migrations_dir() -> Path:
    """The local store's Alembic script folder (``env.py``, ``versions/``)."""
    return package_dir() / "store" / "migrations"


def data_files(root: Path | None = None) -> Iterator[tuple[Path, Path]]:
    """Every data file of the package as (file, its folder relative to the bundle root), for build.spec.

    Python caches and editor leftovers are skipped; ``root`` defaults to this package's folder.
    """
    base = root or package_dir()
    for folder in DATA_FOLDERS:
        for path in sorted((base / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".orig", ".rej", ".swp"):
                yield path, Path("hardtruths_desktop") / path.parent.relative_to(base)
