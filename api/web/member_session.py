"""A member on their own pages (#24): no password, no account. A link (sent by SMS) or a code
(read out in a call) proves the member once (api/web/self_service.py); then this cookie,
signed with the server secret for its own purpose, says which member for MAX_AGE seconds.

It is apart from the staff session cookie (api/web/session.py): a member's cookie never
grants anything on the staff pages, and a staff session is never a member. An erased member's
cookie finds nobody and is refused.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from api.web.signing import sign, unsign
from binalert.models import Member
from binalert.settings import Settings

COOKIE = "binalert_member"
HOST_COOKIE = "__Host-" + COOKIE
MAX_AGE = 30 * 60  # a member's visit: long enough to change their settings, short on a shared PC
PURPOSE = "member"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


def _name(request: Request) -> str:
    https = _settings(request).https or request.url.scheme == "https"
    return HOST_COOKIE if https else COOKIE


def member_id(request: Request) -> int | None:
    """The member this browser proved to be, or None (no cookie, forged, expired)."""
    raw = request.cookies.get(_name(request))
    if not raw or len(raw) > 1000:
        return None
    value = unsign(_settings(request), PURPOSE, raw, MAX_AGE)
    found = value.get("m") if value is not None else None
    return found if type(found) is int and found > 0 else None


def current_member(request: Request, db: Session) -> Member | None:
    """The member of this browser, if they still exist and are not erased."""
    found = member_id(request)
    if found is None:
        return None
    return db.get(Member, found)


def sign_in(request: Request, response: Response, member: int) -> None:
    """After a link or code proved the member: their cookie (renewed on each page they open)."""
    secure = _settings(request).https or request.url.scheme == "https"
    response.set_cookie(
        _name(request),
        sign(_settings(request), PURPOSE, {"m": member}),
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def sign_out(request: Request, response: Response) -> None:
    secure = _settings(request).https or request.url.scheme == "https"
    response.delete_cookie(
        _name(request), path="/", secure=secure, httponly=True, samesite="strict"
    )
