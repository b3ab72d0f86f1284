"""Signing in and out: people with an e-mail and a password, then a code from their app where
their account has one or their role requires one (set up on the spot); machine tokens on the
side form. Each sign-in starts a server-side session; signing out ends it on the server."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from api.deps import RuntimeDep
from api.web import session
from api.web.guard import Csrf, WebRoute
from api.web.render import page, redirect, safe_next
from binalert.audit.service import ANONYMOUS, record_as, tried_email
from binalert.auth import sessions, signin, totp
from binalert.auth.schemas import Principal
from binalert.auth.service import authenticate
from binalert.auth.totpkeys import TotpKeys
from binalert.clock import utcnow
from binalert.errors import Unauthorized
from binalert.runtime import Runtime

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Next = Annotated[str, Form(max_length=500)]


def _source(request: Request) -> str | None:
    return request.client.host if request.client else None


def _audit(
    db: Session, request: Request, action: str, target: str, who: Principal | None, **detail: Any
) -> None:
    """The audit entry of a sign-in, a failed one (no principal) or a sign-out (#21 point 11)."""
    actor = who.actor if who is not None else ANONYMOUS
    record_as(db, actor, _source(request), action, target, **detail)


def _audit_failed(request: Request, runtime: Runtime, target: str, **detail: Any) -> None:
    with runtime.store.session() as db:
        _audit(db, request, "signin.failed", target, None, **detail)


def _email_digest(runtime: Runtime, email: str) -> str:
    return tried_email(email, runtime.settings.server_secret().encode())


@router.get("/signin")
def signin_form(request: Request, next: str | None = None, done: bool = False) -> Response:
    return page(request, "signin.html", next=safe_next(next), done=done)


def _start(request: Request, runtime: Runtime, next: str, **owner: int | None) -> Response:
    """A new server-side session (the browser's previous one ends) and a fresh cookie."""
    with runtime.store.session() as db:
        sessions.end(db, session.current(request).sid)
        sid = sessions.start(db, utcnow(), **owner)
    request.state.web_session = session.current(request).signed_in(sid)
    return redirect(request, safe_next(next))


@router.post("/signin", dependencies=[Csrf])
def signin_password(
    request: Request,
    runtime: RuntimeDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Next = "/",
) -> Response:
    now, browser = utcnow(), session.current(request).csrf
    pending: signin.Pending | None = None
    with runtime.store.session() as db:
        checked = signin.check_password(db, email, password, now, _source(request))
        if checked is not None and checked.next is not signin.Next.SESSION:
            keys = TotpKeys.from_settings(runtime.settings)
            pending = signin.begin_second_step(db, checked, browser, now, keys)
    if checked is None:  # unknown e-mail, wrong password, disabled or slowed down: alike
        _audit_failed(request, runtime, _email_digest(runtime, email), step="password")
        context = {"next": safe_next(next), "email": email[:254], "failed": True}
        return page(request, "signin.html", 401, **context)
    if pending is None:
        return _start(request, runtime, next, account_id=checked.account_id)
    return _code_page(request, pending, safe_next(next))


def _code_page(
    request: Request, pending: signin.Pending, next: str, failed: bool = False
) -> Response:
    """The code form: the pending step's ticket (the step itself stays on the server)."""
    context: dict[str, Any] = {"ticket": pending.ticket, "next": next, "failed": failed}
    if pending.secret:
        context.update(secret=pending.secret, uri=totp.uri(pending.secret, pending.email))
    return page(request, "signin_code.html", 401 if failed else 200, **context)


@router.post("/signin/code", dependencies=[Csrf])
def signin_code(
    request: Request,
    runtime: RuntimeDep,
    ticket: Annotated[str, Form(max_length=200)],
    code: Annotated[str, Form(max_length=20)] = "",
    next: Next = "/",
) -> Response:
    now, browser = utcnow(), session.current(request).csrf
    keys = TotpKeys.from_settings(runtime.settings)
    with runtime.store.session() as db:
        account_id = signin.finish(db, ticket, browser, code, now, _source(request), keys)
    if account_id is not None:
        return _start(request, runtime, next, account_id=account_id)
    with runtime.store.session() as db:
        pending = signin.pending(db, ticket, browser, now, keys)
    if pending is None:  # unknown, used up, expired or another browser's
        return redirect(request, "/signin")
    return _code_page(request, pending, safe_next(next), failed=True)


@router.post("/signin/token", dependencies=[Csrf])
def signin_token(
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str, Form(max_length=500)] = "",
    next: Next = "/",
) -> Response:
    """Machines' tokens (integration tests, the lab): a session ending with the token."""
    try:
        with runtime.store.session() as db:
            principal = authenticate(db, token.strip())
            _audit(db, request, "token.signin", f"token:{principal.token_id}", principal)
    except Unauthorized:
        _audit_failed(request, runtime, "web", **{"with": "token"})  # never the token
        return page(request, "signin.html", 401, next=safe_next(next), token_failed=True)
    return _start(request, runtime, next, token_id=principal.token_id)


@router.post("/signout", dependencies=[Csrf])
def signout(request: Request, runtime: RuntimeDep) -> Response:
    sid = session.current(request).sid
    with runtime.store.session() as db:
        try:
            who: Principal | None = sessions.principal(db, sid)
        except Unauthorized:  # ended or expired already: nobody to name
            who = None
        sessions.end(db, sid)
        if who is not None:
            _audit(db, request, "signout", "web", who)
    request.state.web_session = session.current(request).signed_out()
    return redirect(request, "/signin")
