"""A plain ``pip install .`` (not editable) carries every resource and the store's migrations (issue 14).

The wheel is built from this checkout, then run from where it was unpacked (not from the source
tree): the demo store is created through the wheel's own Alembic scripts, value sets and fonts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hardtruths_desktop import resources

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("wheel-source") / "hardtruths"  # a copy: setuptools writes build/ and egg-info
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for package in ("hardtruths_desktop", "ui", "trust_server"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(source)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    [found] = out.glob("hardtruths-*.whl")
    return found


def test_the_wheel_holds_every_data_file_and_migration(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {(target / source.name).as_posix() for source, target in resources.data_files(ROOT / "hardtruths_desktop")}
    assert {"hardtruths_desktop/store/migrations/env.py", "hardtruths_desktop/resources/style/ward_station.qss",
            "hardtruths_desktop/resources/valuesets/staffing.json", "hardtruths_desktop/resources/fonts/NotoSans-Regular.ttf"} <= expected
    assert sorted(expected - names) == []
    versions = sorted(p.name for p in (ROOT / "hardtruths_desktop/store/migrations/versions").glob("*.py"))
    assert versions and all(f"hardtruths_desktop/store/migrations/versions/{v}" in names for v in versions)
    server_versions = sorted(p.name for p in (ROOT / "trust_server/migrations/versions").glob("*.py"))
    assert all(f"trust_server/migrations/versions/{v}" in names for v in server_versions)
    assert "trust_server/migrations/script.py.mako" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]


def test_the_wheel_alone_creates_checks_and_prints_a_store(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    data = tmp_path / "station"
    probe = (
        "import json, sys\n"
        "from hardtruths_desktop import cli, resources\n"
        "codes = [cli.main(['demo', '--data-dir', sys.argv[1]]), cli.main(['check', '--data-dir', sys.argv[1]])]\n"
        "print(json.dumps({'package': str(resources.package_dir()), 'codes': codes}))\n"
    )
    # the unpacked wheel comes first on the path, ahead of the checkout's editable install
    res = subprocess.run([sys.executable, "-c", probe, str(data)], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(site), "HARDTRUTHS_FONTS_DIR": ""})
    assert res.returncode == 0, res.stderr[-3000:]
    result = json.loads(res.stdout.strip().splitlines()[-1])
    assert result["package"] == str(site / "hardtruths_desktop")
    assert result["codes"] == [0, 0]
    assert "test board rendered" in res.stdout
