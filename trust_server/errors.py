"""The one error type the server raises on purpose; answered as ``protocol.ErrorBody``."""

from __future__ import annotations

from starlette.exceptions import HTTPException


class ApiError(HTTPException):
    """Subclasses HTTPException so FastAPI passes it through body parsing untouched."""

    def __init__(self, status: int, error: str, message: str, *, expected_seq: int | None = None,
                 upload_allowed: bool | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message, headers)
        self.status = status
        self.error = error
        self.message = message
        self.expected_seq = expected_seq
        self.upload_allowed = upload_allowed
        self.headers = headers

    def body(self) -> dict[str, object]:
        out: dict[str, object] = {"error": self.error, "message": self.message}
        if self.expected_seq is not None:
            out["expected_seq"] = self.expected_seq
        if self.upload_allowed is not None:
            out["upload_allowed"] = self.upload_allowed
        return out
