"""The server's JSON response class (shared by the app's error handlers and the sync routes)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped: a record stored before the schema checks that
    holds broken text (an unpaired surrogate) still goes out, as valid JSON, instead of a 500 that
    would stop every later pull; the station then sets it aside (SYNC.md decision 10)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")
