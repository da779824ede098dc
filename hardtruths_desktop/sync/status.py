"""What the always-visible sync status says (issue 3): online or offline, items waiting, age of
the oldest, last successful sync, rejected items and staffing conflicts to review. Pure words from
the store's sync state, so the GUI and the CLI say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from hardtruths_desktop.domain.clock import utc_now
from hardtruths_desktop.store import sync_store
from hardtruths_desktop.store.session import Store

Level = Literal["ok", "waiting", "offline", "stopped"]
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class SyncStatus:
    level: Level
    text: str
    pending: int
    oldest_age_s: int | None
    rejected: int
    review: int
    enrolled: bool
    last_sync: str | None


def _age(iso: str | None, now: datetime) -> int | None:
    if not iso:
        return None
    return max(0, int((now - datetime.fromisoformat(iso.replace("Z", "+00:00"))).total_seconds()))


def _hhmm(iso: str | None) -> str:
    if not iso:
        return "never"
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(LONDON).strftime("%H:%M")


def _for(seconds: int) -> str:
    if seconds < 90:
        return "under 2 min"
    if seconds < 5400:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def describe(store: Store) -> SyncStatus:
    """The status line as of the store's clock (ages of waiting changes are measured from it)."""
    now = utc_now(store.clock)
    info = sync_store.sync_info(store)
    pending, oldest, rejected, review = sync_store.counts(store)
    age = _age(oldest, now)
    last = info.last_pull_ok or info.last_push_ok
    waiting = f"{pending} change{'s' if pending != 1 else ''} waiting" if pending else "nothing waiting"
    if pending and age is not None:
        waiting += f" (oldest {_for(age)})"
    extra = ""
    if rejected:
        extra += f" · {rejected} rejected"
    if review:
        extra += f" · {review} to review"
    enrolled = bool(info.device_id)
    level: Level
    if not enrolled:
        level, text = "waiting", f"Not connected to the trust server yet (connect in Ward setup > Trust server) · {waiting} · saved on this PC"
    elif info.sync_status == "revoked":
        level, text = "stopped", f"Stopped: this station was revoked by the trust, contact IT · {waiting} (kept here)"
    elif info.sync_status in ("needs_enrolment", "update_needed"):
        what = "enrol the station again in Ward setup > Trust server" if info.sync_status == "needs_enrolment" else "update the app"
        level, text = "stopped", f"Stopped: {what} (call IT) · {waiting} (kept here)"
    elif info.sync_status == "offline":
        level, text = "offline", f"Offline since {_hhmm(info.last_attempt)} · {waiting} · last sync {_hhmm(last)}"
    elif pending:
        level, text = "waiting", f"Online · {waiting} · last sync {_hhmm(last)}"
    else:
        level, text = "ok", f"Synced {_hhmm(last)} · nothing waiting"
    return SyncStatus(level, text + extra, pending, age, rejected, review, enrolled, last)
