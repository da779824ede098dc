"""Where the server keeps its files, which database it opens, and its two secrets.

One deployment serves ONE trust (docs/SECURITY.md): its database, its data folder (or secret
environment variables), its admin token and its token-signing secret belong to that trust only.

* The **admin token** (``HARDTRUTHS_ADMIN_TOKEN``, else the ``admin-token`` file made in the data
  folder on first start) authenticates trust IT on ``/v1/admin/*``.
* The **token-signing secret** (``HARDTRUTHS_TOKEN_SECRET``, else the ``token-secret`` file) signs
  access tokens and enrolment-code hashes. It is kept OUT of the database, so whoever can read a
  database file or a backup cannot forge a ward's access token.

The server's **clock** (``Settings.clock``) is the one every server "now" asks: the shift-date
window, HLC physical time, the clock_ahead / clock_behind checks, token and enrolment-code expiry,
retention, the admin return's "as of". It is the PC's clock unless ``HARDTRUTHS_SERVER_PINNED_CLOCK``
pins it at one moment (tests and benchmarks: the server then never sees time pass). No ward's server
may run like that, so a pinned clock REFUSES the start (and every admin command: exit 2, one line)
unless ``HARDTRUTHS_SERVER_ALLOW_PINNED_CLOCK=1`` also says this is a test or benchmark server; an
allowed pinned clock is still warned at every start (``create_app``) and named by ``/health``.

Both files are written atomically (a complete file or none: a full disk cannot leave an empty one)
with mode 0600 in a 0700 folder; an empty, short or group/world-readable one refuses the start.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hardtruths_desktop.domain.clock import SYSTEM_CLOCK, Clock, SystemClock, parse_clock

ENV_DATA_DIR = "HARDTRUTHS_SERVER_DATA_DIR"
ENV_DATABASE_URL = "HARDTRUTHS_SERVER_DATABASE_URL"
ENV_ADMIN_TOKEN = "HARDTRUTHS_ADMIN_TOKEN"
ENV_TOKEN_SECRET = "HARDTRUTHS_TOKEN_SECRET"
ENV_PINNED_CLOCK = "HARDTRUTHS_SERVER_PINNED_CLOCK"
ENV_ALLOW_PINNED_CLOCK = "HARDTRUTHS_SERVER_ALLOW_PINNED_CLOCK"
ADMIN_TOKEN_FILE = "admin-token"
TOKEN_SECRET_FILE = "token-secret"
MIN_ADMIN_TOKEN = 32  # characters; the one we make has 43 (256 random bits)
MIN_TOKEN_SECRET = 64  # hex digits (256 bits)
_HEX = re.compile(r"[0-9a-fA-F]+")


class ConfigError(Exception):
    """The server's configuration cannot be used: one line for the operator, the start is refused."""


def secure_folder(folder: Path) -> None:
    """Make ``folder`` (and parents) and keep it 0700: only the server's account reads inside."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(folder, 0o700)


def write_secret_file(path: Path, value: str) -> str:
    """Create ``path`` holding ``value`` (0600), atomically and only if it does not exist yet.

    The text is written and fsynced under a temporary name, then hard-linked into place, which
    fails if another process made the file first: the value in the file is returned either way."""
    secure_folder(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(value + "\n")
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if os.name == "posix":
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    return path.read_text(encoding="utf-8").strip()


def _read_secret_file(path: Path, what: str, min_len: int) -> str:
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ConfigError(f"{path} ({what}) can be read by other accounts: run 'chmod 600 {path}'")
    value = path.read_text(encoding="utf-8").strip()
    if len(value) < min_len:
        raise ConfigError(f"{path} ({what}) is empty or too short ({len(value)} characters, at least {min_len} "
                          f"needed): delete it to have a new one made on the next start")
    return value


def pinned_clock_refused(value: str) -> str:
    """The one line refusing a pinned clock nobody said was meant."""
    return (f"{ENV_PINNED_CLOCK} is set ({value.strip()[:40]}): the server's clock would stand still, so shift dates, "
            f"tokens and retention would be judged at that moment. Unset it on a ward's server; a test or benchmark "
            f"server also sets {ENV_ALLOW_PINNED_CLOCK}=1")


class Settings(BaseSettings):
    """The server's settings, read once from the environment (``HARDTRUTHS_SERVER_*`` and the two
    secret variables) by pydantic-settings, then from the data folder's secret files on demand.

    Arguments given explicitly (the command line's ``--database-url`` / ``--data-dir``) win over
    the environment; the environment wins over the defaults."""

    model_config = SettingsConfigDict(env_prefix="HARDTRUTHS_SERVER_", frozen=True, extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("hardtruths-server", "HardTruths")))
    #: empty: an SQLite file in ``data_dir`` (the embedded default)
    database_url: str = Field(default="", repr=False)
    #: failed enrolment attempts allowed per client address in ``enrol_window_s`` (then 429)
    enrol_max_failures: int = Field(default=10, ge=1)
    enrol_window_s: float = Field(default=600.0, gt=0)
    #: records a process's pushes update between two VACUUMs of the records' tables (``trust_server.reclaim``); 0: none
    reclaim_every: int = Field(default=1000, ge=0)
    #: the two secrets straight from the environment (blank: use the files in ``data_dir``)
    admin_token_env: SecretStr = Field(default=SecretStr(""), validation_alias=ENV_ADMIN_TOKEN)
    token_secret_env: SecretStr = Field(default=SecretStr(""), validation_alias=ENV_TOKEN_SECRET)
    #: ``HARDTRUTHS_SERVER_PINNED_CLOCK``: the server's "now" stands still at this time (ISO with an offset,
    #: or Europe/London wall time ``YYYY-MM-DDTHH:MM``); empty (always, on a ward's server): the PC's clock
    pinned_clock: str = Field(default="", max_length=40)
    #: ``HARDTRUTHS_SERVER_ALLOW_PINNED_CLOCK=1``: this is a test or benchmark server, a pinned clock is meant
    #: (without it a pinned clock refuses the start: one left on by mistake must not run a ward's server)
    allow_pinned_clock: bool = False
    _clock: Clock = PrivateAttr(default=SYSTEM_CLOCK)

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url.strip():
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'trust-server.sqlite'}")
        if self.pinned_clock.strip():
            if not self.allow_pinned_clock:
                raise ValueError(pinned_clock_refused(self.pinned_clock))
            self._clock = parse_clock(self.pinned_clock)
        return self

    @field_validator("pinned_clock")
    @classmethod
    def _readable_clock(cls, value: str) -> str:
        if value.strip():
            parse_clock(value)  # a ValueError in words: resolve() makes it a ConfigError
        return value

    @property
    def clock(self) -> Clock:
        """The server's one clock: every "now" of the server asks it (see the module's docstring)."""
        return self._clock

    @property
    def clock_is_pinned(self) -> bool:
        return not isinstance(self._clock, SystemClock)

    def with_clock(self, clock: Clock) -> Settings:
        """These settings with ``clock`` as the server's clock (a test harness shares a ``FixedClock`` it
        moves; the environment's ``HARDTRUTHS_SERVER_PINNED_CLOCK`` does the same for a server in its
        own process)."""
        copy = self.model_copy()
        copy._clock = clock
        return copy

    @classmethod
    def resolve(cls, database_url: str | None = None, data_dir: Path | str | None = None) -> Settings:
        """Settings from the environment, with the command line's choices (when given) on top."""
        explicit: dict[str, Any] = {}
        if data_dir:
            explicit["data_dir"] = Path(data_dir)
        if database_url:
            explicit["database_url"] = database_url
        try:
            return cls(**explicit)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ())) or "settings"
            where = {"pinned_clock": ENV_PINNED_CLOCK, "allow_pinned_clock": ENV_ALLOW_PINNED_CLOCK}.get(where, where)
            msg = str(first.get("msg", "not valid")).removeprefix("Value error, ")
            if where == "settings":  # a rule across settings (a pinned clock not allowed): its message says it all
                raise ConfigError(msg) from None
            raise ConfigError(f"server setting {where}: {msg}") from None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def admin_token(self) -> str:
        """The admin bearer token: ``HARDTRUTHS_ADMIN_TOKEN``, else a file made in the data folder
        on first start. Shorter than ``MIN_ADMIN_TOKEN`` characters refuses the start."""
        env = self.admin_token_env.get_secret_value().strip()
        if env:
            if len(env) < MIN_ADMIN_TOKEN:
                raise ConfigError(f"{ENV_ADMIN_TOKEN} is too short ({len(env)} characters, at least "
                                  f"{MIN_ADMIN_TOKEN} needed)")
            return env
        path = self.data_dir / ADMIN_TOKEN_FILE
        if not path.exists():
            write_secret_file(path, secrets.token_urlsafe(32))
        return _read_secret_file(path, "the admin token", MIN_ADMIN_TOKEN)

    def token_secret(self, legacy: str | None = None) -> str:
        """The token-signing secret (hex): ``HARDTRUTHS_TOKEN_SECRET``, else the ``token-secret``
        file, made on first start (from ``legacy``, the value older versions kept in the database,
        so tokens and codes already issued stay valid)."""
        env = self.token_secret_env.get_secret_value().strip()
        if env:
            value = env
            where = ENV_TOKEN_SECRET
        else:
            path = self.data_dir / TOKEN_SECRET_FILE
            if not path.exists():
                fresh = legacy if legacy and _HEX.fullmatch(legacy) and len(legacy) >= MIN_TOKEN_SECRET else secrets.token_hex(32)
                write_secret_file(path, fresh)
            value = _read_secret_file(path, "the token-signing secret", MIN_TOKEN_SECRET)
            where = str(path)
        if not _HEX.fullmatch(value) or len(value) % 2 or len(value) < MIN_TOKEN_SECRET:
            raise ConfigError(f"{where} must be at least {MIN_TOKEN_SECRET} hexadecimal digits (256 bits)")
        return value.lower()
