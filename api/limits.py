"""Request bodies are limited before they are read: 413 for a declared or streamed body over
the limit, before any route (or the authentication) sees it.

A body without a Content-Length (chunked) is read here, before anyone is authenticated, so
it may be DEFAULT_LIMIT at most on every path: an upload larger than that declares its
length (browsers and HTTP clients do), and is then read only by a route that has checked
its caller."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from binalert.members import csvio
from tts.recorded import MAX_BYTES as RECORDING_MAX_BYTES

DEFAULT_LIMIT = 1024 * 1024  # JSON and forms
IMPORT_LIMIT = 3 * csvio.MAX_BYTES  # a CSV file as upload, or base64 in the confirm form
IMPORT_PATHS = ("/members/import", "/members/import/confirm")
RECORDING_LIMIT = 4 * RECORDING_MAX_BYTES + DEFAULT_LIMIT  # a recording per language + the form
RECORDING_PATHS = ("/api/v1/alerts/recorded", "/alerts/preview")


def limit_for(path: str) -> int:
    if path.endswith(IMPORT_PATHS):
        return IMPORT_LIMIT
    return RECORDING_LIMIT if path.endswith(RECORDING_PATHS) else DEFAULT_LIMIT


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(str(scope.get("path", "")))
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > limit:
                await _too_large(scope, receive, send, limit)
                return
            await self.app(scope, receive, send)
            return
        unsized = min(limit, DEFAULT_LIMIT)  # chunked: read here, before any sign-in check
        body = await _read_up_to(receive, unsized)
        if body is None:
            await _too_large(scope, receive, send, unsized, "; send a Content-Length")
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_up_to(receive: Receive, limit: int) -> list[Message] | None:
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > limit:
            return None
        if not message.get("more_body", False):
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


async def _too_large(
    scope: Scope, receive: Receive, send: Send, limit: int, advice: str = ""
) -> None:
    message = f"the request body is larger than {limit} bytes{advice}"
    await error_response(413, "too_large", message)(scope, receive, send)
