"""Where the server keeps its files, which database it opens, and the admin credential.

Read by ``pydantic-settings`` from the environment (``HARDTRUTHS_SERVER_DATA_DIR``,
``HARDTRUTHS_SERVER_DATABASE_URL``, ``HARDTRUTHS_ADMIN_TOKEN``); the command line's options win.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_DATA_DIR = "HARDTRUTHS_SERVER_DATA_DIR"
ENV_DATABASE_URL = "HARDTRUTHS_SERVER_DATABASE_URL"
ENV_ADMIN_TOKEN = "HARDTRUTHS_ADMIN_TOKEN"
ADMIN_TOKEN_FILE = "admin-token"


def platform_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("hardtruths-server", "HardTruths"))


class Settings(BaseSettings):
    """The server's settings. ``database_url`` defaults to the embedded SQLite file in ``data_dir``."""

    model_config = SettingsConfigDict(env_prefix="HARDTRUTHS_SERVER_", extra="ignore")

    data_dir: Path = Field(default_factory=platform_data_dir)
    database_url: str = ""
    admin_token_env: str | None = Field(default=None, validation_alias=ENV_ADMIN_TOKEN, exclude=True, repr=False)

    @model_validator(mode="after")
    def _embedded_default(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'trust-server.sqlite'}"
        return self

    @classmethod
    def resolve(cls, database_url: str | None = None, data_dir: Path | str | None = None) -> Settings:
        """The environment's settings, with the command line's ``--database-url`` / ``--data-dir`` on top."""
        given: dict[str, Any] = {}
        if data_dir:
            given["data_dir"] = Path(data_dir)
        if database_url:
            given["database_url"] = database_url
        return cls(**given)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def admin_token(self) -> str:
        """The admin bearer token: ``HARDTRUTHS_ADMIN_TOKEN``, else a file made in the data folder
        on first start (readable by its owner only)."""
        if self.admin_token_env:
            return self.admin_token_env
        path = self.data_dir / ADMIN_TOKEN_FILE
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(token + "\n")
        return token
