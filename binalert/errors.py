"""Errors the domain slices raise; the API turns each into a JSON answer with its status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal with a stable code, an HTTP-like status and a message a person can read."""

    status = 400
    code = "bad_request"
    retry_after_s: int | None = None  # answered as Retry-After: a refusal that will pass later

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Invalid(DomainError):
    status = 422
    code = "invalid"


class Unavailable(DomainError):
    status = 503
    code = "unavailable"


class TooMany(DomainError):
    status = 429
    code = "too_many"
