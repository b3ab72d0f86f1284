"""Sign-in with a token, sign-out, the language switch and the home page of each role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from api.deps import RuntimeDep
from api.web import session
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.i18n import LANGUAGES
from api.web.render import page, redirect
from binalert.alerts import service as alerts
from binalert.auth.service import authenticate
from binalert.bins import service as bins
from binalert.errors import Unauthorized
from binalert.models import Role
from binalert.paging import PageRequest

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ALL = PageRequest(limit=200)


def _safe_next(value: str | None) -> str:
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


@router.get("/signin")
def signin_form(request: Request, next: str | None = None) -> Response:
    return page(request, "signin.html", next=_safe_next(next))


@router.post("/signin", dependencies=[Csrf])
def signin(
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    try:
        with runtime.store.session() as db:
            principal = authenticate(db, token.strip())
    except Unauthorized:
        return page(request, "signin.html", 401, next=_safe_next(next), failed=True)
    request.state.web_session = session.current(request).signed_in(principal.token_id)
    return redirect(request, _safe_next(next))


@router.post("/signout", dependencies=[Csrf])
def signout(request: Request) -> Response:
    request.state.web_session = session.WebSession(lang=session.current(request).lang)
    return redirect(request, "/signin")


@router.post("/language", dependencies=[Csrf])
def language(
    request: Request,
    lang: Annotated[str, Form(max_length=5)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    if lang in LANGUAGES:
        session.update(request, lang=lang)
    return redirect(request, _safe_next(next))


@router.get("/")
def home(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    with runtime.store.session() as db:
        visible = bins.list_bins(db, caller, ALL).items
        recent = []
        if caller.principal.role in (Role.POLICE, Role.ADMIN):
            recent = alerts.recent_alerts(db, caller, 30)
    return page(request, "home.html", bins=visible, alerts=recent, Role=Role)
