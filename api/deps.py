"""Request dependencies: the runtime, the authenticated caller, paging parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.web.session import session_id
from binalert.auth import sessions
from binalert.auth.schemas import Caller
from binalert.auth.service import authenticate
from binalert.ids import TextId
from binalert.paging import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, page_request
from binalert.runtime import Runtime

Id = Annotated[TextId, Path()]
"""A row id in a path: /alerts/{alert_id}, /bins/{bin_id}, ... (digits only: binalert.ids)"""

bearer = HTTPBearer(auto_error=False, description="an API token: `binalert token create`")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


SAFE_METHODS = ("GET", "HEAD")


def get_caller(
    request: Request,
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The bearer token's principal; reads (GET) also accept the web pages' session cookie
    (the live page's EventSource, the audio preview). Writes need the token: no CSRF risk."""
    raw = credentials.credentials if credentials is not None else None
    sid = session_id(request) if raw is None and request.method in SAFE_METHODS else None
    with runtime.store.session() as session:
        if sid is not None:
            principal = sessions.principal(session, sid, runtime.settings.session_idle)
        else:
            principal = authenticate(session, raw)
    source = request.client.host if request.client is not None else None
    return Caller(principal=principal, source=source)


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> PageRequest:
    return page_request(limit, cursor)


PageDep = Annotated[PageRequest, Depends(get_page)]
