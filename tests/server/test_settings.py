"""The server's settings come from pydantic-settings: environment, then the command line on top."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from trust_server.settings import ENV_ALLOW_PINNED_CLOCK, ENV_PINNED_CLOCK, ConfigError, Settings


def test_defaults_put_an_sqlite_file_in_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARDTRUTHS_SERVER_DATABASE_URL", raising=False)
    s = Settings.resolve(None, tmp_path)
    assert s.data_dir == tmp_path
    assert s.database_url == f"sqlite:///{tmp_path / 'trust-server.sqlite'}"
    assert s.is_sqlite and s.enrol_max_failures == 10 and s.enrol_window_s == 600.0


def test_environment_is_read_and_the_command_line_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARDTRUTHS_SERVER_DATA_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("HARDTRUTHS_SERVER_DATABASE_URL", "postgresql://ward@db/trust")
    monkeypatch.setenv("HARDTRUTHS_SERVER_ENROL_MAX_FAILURES", "4")
    s = Settings.resolve()
    assert s.data_dir == tmp_path / "from-env"
    assert s.database_url == "postgresql://ward@db/trust" and not s.is_sqlite
    assert s.enrol_max_failures == 4
    s = Settings.resolve("sqlite:///elsewhere.db", tmp_path / "cli")
    assert (s.database_url, s.data_dir) == ("sqlite:///elsewhere.db", tmp_path / "cli")


@pytest.mark.parametrize(("name", "value"), [
    ("HARDTRUTHS_SERVER_ENROL_MAX_FAILURES", "0"),
    ("HARDTRUTHS_SERVER_ENROL_MAX_FAILURES", "ten"),
    ("HARDTRUTHS_SERVER_ENROL_WINDOW_S", "-1"),
])
def test_a_bad_setting_refuses_the_start_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        Settings.resolve(None, tmp_path)
    message = str(err.value)
    assert "\n" not in message and name.removeprefix("HARDTRUTHS_SERVER_").lower() in message


def test_secrets_and_the_database_address_stay_out_of_the_repr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARDTRUTHS_ADMIN_TOKEN", "a" * 40)
    monkeypatch.setenv("HARDTRUTHS_TOKEN_SECRET", "ab" * 32)
    s = Settings.resolve("postgresql://ward:hunter2@db/trust", tmp_path)
    assert s.admin_token() == "a" * 40
    assert s.token_secret() == "ab" * 32
    shown = repr(s)
    assert "hunter2" not in shown and "a" * 40 not in shown and "ab" * 32 not in shown


def test_a_pinned_clock_refuses_the_start_unless_a_test_server_says_so(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A pinned clock left on by mistake must not run a ward's server (reviewer, issue 13): refused in one
    line naming what to do, unless ``HARDTRUTHS_SERVER_ALLOW_PINNED_CLOCK=1`` says it is a test server."""
    monkeypatch.setenv(ENV_PINNED_CLOCK, "2026-11-24T14:00")
    monkeypatch.delenv(ENV_ALLOW_PINNED_CLOCK, raising=False)
    with pytest.raises(ConfigError) as err:
        Settings.resolve(None, tmp_path)
    message = str(err.value)
    assert "\n" not in message and ENV_PINNED_CLOCK in message and f"{ENV_ALLOW_PINNED_CLOCK}=1" in message
    assert "Unset it" in message
    monkeypatch.setenv(ENV_ALLOW_PINNED_CLOCK, "0")
    with pytest.raises(ConfigError):
        Settings.resolve(None, tmp_path)
    monkeypatch.setenv(ENV_ALLOW_PINNED_CLOCK, "1")
    s = Settings.resolve(None, tmp_path)
    assert s.clock_is_pinned and s.clock.now().isoformat() == "2026-11-24T14:00:00+00:00"
    monkeypatch.delenv(ENV_PINNED_CLOCK)  # allowed but not pinned: the PC's clock, as on a ward's server
    assert not Settings.resolve(None, tmp_path).clock_is_pinned
    monkeypatch.setenv(ENV_ALLOW_PINNED_CLOCK, "perhaps")
    with pytest.raises(ConfigError) as err:
        Settings.resolve(None, tmp_path)
    assert ENV_ALLOW_PINNED_CLOCK in str(err.value)


def test_the_server_cli_exits_2_on_a_pinned_clock_not_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """``hardtruths-server`` (a real process: without the refusal it would serve) and an admin command."""
    from support.postgres import free_port

    from trust_server.cli import EXIT_USAGE, main

    monkeypatch.setenv(ENV_PINNED_CLOCK, "2026-11-24T14:00")
    monkeypatch.delenv(ENV_ALLOW_PINNED_CLOCK, raising=False)
    run = subprocess.run([sys.executable, "-m", "trust_server.cli", "--data-dir", str(tmp_path), "--port", str(free_port())],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == EXIT_USAGE and run.stderr.count("\n") == 1 and ENV_ALLOW_PINNED_CLOCK in run.stderr
    assert main(["--data-dir", str(tmp_path), "admin", "devices"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ENV_ALLOW_PINNED_CLOCK in err
    assert not (tmp_path / "trust-server.sqlite").exists()  # refused before the database was opened


def test_the_serving_process_collects_rarely_and_never_scans_what_start_up_built() -> None:
    """issue 13 (i13-http6): ``hardtruths-server`` freezes what start-up built and sets the collector's thresholds
    far apart before it serves (Python's default ran ~40 passes a push of 500 changes), and hands the
    interpreter between threads every 0.5 ms, not 5."""
    from trust_server.cli import SERVER_GC_THRESHOLDS, SERVER_SWITCH_INTERVAL_S, settle_interpreter

    before, interval = gc.get_threshold(), sys.getswitchinterval()
    try:
        settle_interpreter()
        assert gc.get_threshold() == SERVER_GC_THRESHOLDS and SERVER_GC_THRESHOLDS[0] >= 10 * before[0]
        assert gc.get_freeze_count() > 0
        # a push's transaction gets the interpreter back soon after each answer from PostgreSQL
        assert sys.getswitchinterval() == SERVER_SWITCH_INTERVAL_S <= interval / 5
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        sys.setswitchinterval(interval)
