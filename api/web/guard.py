"""Who is signed in, CSRF checks, and domain refusals shown as pages (404 stays 404)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from api.deps import RuntimeDep
from api.web import session
from api.web.render import page, redirect
from binalert.auth import sessions
from binalert.auth.schemas import Caller
from binalert.errors import DomainError, Forbidden


class SignInNeeded(Exception):
    pass


class WebRoute(APIRoute):
    """Page routes: refusals become readable pages with the same status as the API's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded:
                return redirect(request, "/signin?next=" + quote(request.url.path))
            except DomainError as error:
                if error.status == 401:
                    session.update(request, sid=None)
                    return redirect(request, "/signin")
                return page(request, "error.html", error.status, message=error.message)
            except RequestValidationError:
                return page(request, "error.html", 422, message="invalid request")

        return wrapped


def web_caller(request: Request, runtime: RuntimeDep) -> Caller:
    sid = session.current(request).sid
    if sid is None:
        raise SignInNeeded()
    with runtime.store.session() as db:
        principal = sessions.principal(db, sid, runtime.settings.session_idle)
    request.state.principal = principal
    return Caller(principal=principal, source=request.client.host if request.client else None)


WebCaller = Annotated[Caller, Depends(web_caller)]
SignedIn = Depends(web_caller)
"""Before Csrf on an upload route (`dependencies=[SignedIn, Csrf]`): the CSRF check reads the
form, so a stranger's upload would be read whole before the sign-in page is shown."""


async def check_csrf(request: Request) -> None:
    form = await request.form()
    sent = form.get("csrf_token")
    expected = session.current(request).csrf
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise Forbidden("this form has expired; go back, reload the page and try again")


Csrf = Depends(check_csrf)
