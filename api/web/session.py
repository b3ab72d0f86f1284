"""The browser's session cookie: signed (itsdangerous, the server secret), HTTP-only,
SameSite=Strict. It holds the id of a server-side session (binalert.auth.sessions; the store
keeps only its hash and whether it is live), a CSRF token and the chosen language.

Wherever the pages are reached over https (BINALERT_PUBLIC_URL https, production, or a request
that came over https), the cookie is `__Host-binalert_session`: Secure, Path=/ and no Domain,
so neither plain http nor a sibling subdomain can set or read it."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, replace

from starlette.requests import Request
from starlette.responses import Response

from api.web.signing import sign, unsign
from binalert.settings import Settings

COOKIE = "binalert_session"
HOST_COOKIE = "__Host-" + COOKIE
MAX_AGE = 12 * 3600
PURPOSE = "session"


@dataclass(frozen=True)
class WebSession:
    sid: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    lang: str | None = None

    def signed_in(self, sid: str) -> WebSession:
        """A fresh CSRF token at sign-in (no fixation of the anonymous one)."""
        return WebSession(sid=sid, lang=self.lang)

    def signed_out(self) -> WebSession:
        return WebSession(lang=self.lang)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


def _https(request: Request) -> bool:
    return _settings(request).https or request.url.scheme == "https"


def cookie_name(request: Request) -> str:
    return HOST_COOKIE if _https(request) else COOKIE


def read(request: Request) -> WebSession | None:
    raw = request.cookies.get(cookie_name(request))
    if not raw or len(raw) > 4000:
        return None
    value = unsign(_settings(request), PURPOSE, raw, MAX_AGE)
    if value is None:
        return None
    sid, csrf, lang = value.get("sid"), value.get("csrf"), value.get("lang")
    if not isinstance(csrf, str) or not (sid is None or isinstance(sid, str)):
        return None
    return WebSession(sid=sid, csrf=csrf, lang=lang if isinstance(lang, str) else None)


def current(request: Request) -> WebSession:
    """The request's session, or a new anonymous one (written back by `write`)."""
    found = getattr(request.state, "web_session", None) or read(request) or WebSession()
    request.state.web_session = found
    return found


def update(request: Request, **changes: object) -> WebSession:
    changed = replace(current(request), **changes)  # type: ignore[arg-type]
    request.state.web_session = changed
    return changed


def write(request: Request, response: Response, value: WebSession | None) -> None:
    secure = _https(request)
    if value is None:
        response.delete_cookie(
            cookie_name(request), path="/", secure=secure, httponly=True, samesite="strict"
        )
        return
    response.set_cookie(
        cookie_name(request),
        sign(_settings(request), PURPOSE, asdict(value)),
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def session_id(request: Request) -> str | None:
    """The server-side session id of a signed-in cookie (the API's GET endpoints read it too)."""
    found = read(request)
    return found.sid if found is not None else None
