"""Every error is JSON: {"status", "error" (a stable id), "message", "error_id", "details"}.

Domain refusals, validation errors, HTTP errors, database conflicts and an unreachable
database all get their proper 4xx/503 answer; the property test (tests/api/test_fuzz.py) checks
that no request ends in a 500. A bug still answers JSON, with an error id in the log.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from binalert.errors import DomainError

log = logging.getLogger("binalert.api")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    503: "unavailable",
}


class ErrorBody(BaseModel):
    status: int
    error: str
    message: str
    error_id: str
    details: list[dict[str, Any]] = []


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": name.replace("_", " ")}
    for code, name in HTTP_CODES.items()
    if code in (401, 403, 404, 409, 422)
}


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(
        status=status,
        error=code,
        message=message,
        error_id=uuid.uuid4().hex,
        details=jsonable_encoder(details or []),
    )
    if status >= 500:
        log.warning("error %s (%s): %s", body.error_id, code, message)
    response = JSONResponse(body.model_dump(), status_code=status, headers=headers)
    response.headers["X-Error-Id"] = body.error_id
    return response


def _validation_details(error: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join(str(p) for p in item.get("loc", ())),
            "message": str(item.get("msg", "")).removeprefix("Value error, "),
            "type": item.get("type"),
        }
        for item in error.errors()
    ]


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    if exc.retry_after_s is not None:
        headers["Retry-After"] = str(exc.retry_after_s)
    return error_response(exc.status, exc.code, exc.message, exc.details, headers or None)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = _validation_details(exc)
    first = details[0] if details else {"field": "", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return error_response(422, "invalid", message, details)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(
        exc.status_code, code, message, headers=dict(exc.headers) if exc.headers else None
    )


async def _integrity(_: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error: %s", exc)
    return error_response(409, "conflict", "this conflicts with data already stored")


async def _database(_: Request, exc: Exception) -> JSONResponse:
    log.warning("database error: %s", exc)
    return error_response(503, "unavailable", "the database is not available; try again")


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    """Last resort (a bug): still JSON with an error id that is logged with the traceback."""
    response = error_response(500, "internal", "unexpected error; quote the error_id")
    log.error("unexpected error %s", response.headers.get("x-error-id"), exc_info=exc)
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(OperationalError, _database)
    app.add_exception_handler(DBAPIError, _database)
