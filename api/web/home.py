"""The language switch and the home page of each role (signing in: api/web/signin.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from api.deps import RuntimeDep
from api.web import session
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.i18n import LANGUAGES
from api.web.render import page, redirect, safe_next
from binalert.alerts import service as alerts
from binalert.bins import service as bins
from binalert.models import Role
from binalert.paging import PageRequest

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ALL = PageRequest(limit=200)


@router.post("/language", dependencies=[Csrf])
def language(
    request: Request,
    lang: Annotated[str, Form(max_length=5)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    if lang in LANGUAGES:
        session.update(request, lang=lang)
    return redirect(request, safe_next(next))


@router.get("/")
def home(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    with runtime.store.session() as db:
        visible = bins.list_bins(db, caller, ALL).items
        recent = []
        if caller.principal.role in (Role.POLICE, Role.ADMIN):
            recent = alerts.recent_alerts(db, caller, 30)
    return page(request, "home.html", bins=visible, alerts=recent, Role=Role)
