"""The server's JSON response class (shared by the app's error handlers and the sync routes)."""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi.responses import JSONResponse


class AsciiJSONResponse(JSONResponse):
    """JSON as UTF-8 (``orjson``: a pull page of 1,000 records is encoded several times faster than
    by the standard library); content that is not valid Unicode (a record stored before the schema
    checks that holds an unpaired surrogate) goes out with every non-ASCII character escaped, as
    valid JSON, instead of a 500 that would stop every later pull; the station then sets it aside
    (SYNC.md decision 10)."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:  # orjson.JSONEncodeError: broken Unicode, or a value only the fallback knows
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")
