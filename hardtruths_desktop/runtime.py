"""What every way of starting the station shares: where its data folder is, and where it logs.

The command line (``cli``) and the GUI launcher (``ui.app``) both call these; neither names the
other (``ui.launcher`` picks one of them).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

APP_FOLDER = "HardTruthsWardStation"


def default_data_dir() -> Path:
    """``$HARDTRUTHS_DATA_DIR`` if set (a shared ward PC sets it machine-wide), else the user data folder."""
    env = os.environ.get("HARDTRUTHS_DATA_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_FOLDER, appauthor=False))


def setup_logging(data_dir: Path) -> None:
    """Log to ``DATA_DIR/logs/ward-station.log`` (nowhere if the folder cannot be written); once per process."""
    # A log line that cannot be written (full or read-only disk) must not print a "--- Logging error ---"
    # traceback over the one line the command promises: logging's production setting.
    logging.raiseExceptions = False
    try:
        logs = data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(logs / "ward-station.log", encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()  # nowhere to keep a log: the command still says what happened in one line
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if not any(isinstance(h, type(handler)) for h in root.handlers):
        root.addHandler(handler)
    elif isinstance(handler, logging.FileHandler):
        handler.close()  # not used: don't leak an open log file per call
    root.setLevel(logging.INFO)
