"""The one-time link of an invitation or a reset: the person sets their password, and sets up
their authenticator app (required where their role signs in with a code, else optional)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import Response

from api.deps import RuntimeDep
from api.web.guard import Csrf, WebRoute
from api.web.render import page, redirect
from api.web.signing import sign, unsign
from binalert.auth import accounts, totp
from binalert.auth.totpkeys import TotpKeys
from binalert.errors import Invalid
from binalert.runtime import Runtime
from binalert.tokens import hash_token

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ENROL = "setup-totp"
ENROL_MAX_AGE = 24 * 3600
LinkToken = Annotated[str, Path(min_length=1, max_length=100)]


def _form(
    request: Request, runtime: Runtime, token: str, secret: str | None = None, **context: Any
) -> Response:
    with runtime.store.session() as db:
        account = accounts.open_link(db, token)
        required = accounts.totp_required(db, account.role)
    secret = secret or totp.new_secret()
    enrol = sign(runtime.settings, ENROL, {"s": secret, "l": hash_token(token)})
    status = 422 if context.get("error") else 200
    return page(
        request,
        "setup.html",
        status,
        account=account,
        token=token,
        required=required,
        secret=secret,
        uri=totp.uri(secret, account.email),
        enrol=enrol,
        **context,
    )


@router.get("/setup/{token}")
def setup_form(request: Request, runtime: RuntimeDep, token: LinkToken) -> Response:
    return _form(request, runtime, token)


def _secret(runtime: Runtime, enrol: str, token: str) -> str | None:
    """The secret the form showed (signed for this link), or None when damaged or too old."""
    found = unsign(runtime.settings, ENROL, enrol, ENROL_MAX_AGE)
    if found is None or found.get("l") != hash_token(token) or not isinstance(found.get("s"), str):
        return None
    return str(found["s"])


@router.post("/setup/{token}", dependencies=[Csrf])
def setup(
    request: Request,
    runtime: RuntimeDep,
    token: LinkToken,
    password: Annotated[str, Form(max_length=1024)],
    password_again: Annotated[str, Form(max_length=1024)],
    enrol: Annotated[str, Form(max_length=1000)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    secret = _secret(runtime, enrol, token)
    source = request.client.host if request.client else None
    try:
        if password != password_again:
            raise Invalid("the two passwords are not the same")
        if code.strip() and secret is None:
            raise Invalid("this form is too old: add the new key below to the app")
        with runtime.store.session() as db:
            chosen = secret if code.strip() else None
            keys = TotpKeys.from_settings(runtime.settings)
            accounts.complete_link(db, token, password, (chosen, code), source, keys)
    except Invalid as error:
        return _form(request, runtime, token, secret, error=error.message)
    return redirect(request, "/signin?done=true")
