"""Where the server keeps its files, which database it opens, and the admin credential."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_DATA_DIR = "HARDTRUTHS_SERVER_DATA_DIR"
ENV_DATABASE_URL = "HARDTRUTHS_SERVER_DATABASE_URL"
ENV_ADMIN_TOKEN = "HARDTRUTHS_ADMIN_TOKEN"
ADMIN_TOKEN_FILE = "admin-token"


def default_data_dir() -> Path:
    env = os.environ.get(ENV_DATA_DIR)
    return Path(env) if env else Path(platformdirs.user_data_dir("hardtruths-server", "HardTruths"))


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str

    @classmethod
    def resolve(cls, database_url: str | None = None, data_dir: Path | str | None = None) -> Settings:
        folder = Path(data_dir) if data_dir else default_data_dir()
        url = database_url or os.environ.get(ENV_DATABASE_URL) or f"sqlite:///{folder / 'trust-server.sqlite'}"
        return cls(folder, url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def admin_token(self) -> str:
        """The admin bearer token: ``HARDTRUTHS_ADMIN_TOKEN``, else a file made in the data folder
        on first start (readable by its owner only)."""
        env = os.environ.get(ENV_ADMIN_TOKEN)
        if env:
            return env
        path = self.data_dir / ADMIN_TOKEN_FILE
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(token + "\n")
        return token
