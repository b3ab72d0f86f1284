"""Admin pages: the accounts of people (invite, disable, enable, reset with a new one-time
link) and which roles must sign in with a code from an app."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.render import page, redirect
from binalert.auth import accounts
from binalert.auth.schemas import AccountInvite, Caller, IssuedLink
from binalert.auth.service import require_role
from binalert.bins import service as bins
from binalert.bins.schemas import BinOut
from binalert.errors import Conflict, Invalid
from binalert.ids import ids_from_form
from binalert.models import Role
from binalert.paging import PageRequest
from binalert.runtime import Runtime

router = APIRouter(route_class=WebRoute, include_in_schema=False)
MAX_BINS = 5000


def _all_bins(runtime: Runtime, caller: Caller) -> list[BinOut]:
    rows: list[BinOut] = []
    request = PageRequest(limit=200)
    with runtime.store.session() as db:
        while len(rows) < MAX_BINS:
            found = bins.list_bins(db, caller, request)
            rows += found.items
            if found.next is None or not found.items:
                break
            request = PageRequest(limit=200, after_id=found.items[-1].id)
    return rows


def _list(request: Request, caller: Caller, runtime: Runtime, **context: Any) -> Response:
    require_role(caller.principal, Role.ADMIN)
    with runtime.store.session() as db:
        people = accounts.list_accounts(db, caller)
        policies = accounts.totp_policies(db)
    context.setdefault("values", {"role": "police", "bin_ids": []})
    status = 422 if context.get("error") else 200
    return page(
        request,
        "accounts.html",
        status,
        accounts=people,
        policies=policies,
        roles=list(Role),
        bins=_all_bins(runtime, caller),
        **context,
    )


@router.get("/admin/accounts")
def accounts_page(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    return _list(request, caller, runtime)


def _link_page(request: Request, runtime: Runtime, link: IssuedLink, purpose: str) -> Response:
    url = accounts.link_url(runtime.settings, link)  # never from the request's Host
    return page(request, "account_link.html", link=link, url=url, purpose=purpose)


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        k: str(form.get(k) or "").strip()[:300] for k in ("email", "display_name", "role")
    }
    values["police_zone"] = str(form.get("police_zone") or "").strip()[:200]
    values["bin_ids"] = [v for v in (str(b) for b in form.getlist("bin_ids")[:500]) if v]
    return values


def _message(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {str(first['msg']).removeprefix('Value error, ')}"


@router.post("/admin/accounts", dependencies=[Csrf])
async def invite(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    values = _values(await request.form())
    try:
        data = AccountInvite.model_validate(values | {"bin_ids": ids_from_form(values["bin_ids"])})
        with runtime.store.session() as db:
            link = accounts.invite(db, caller, data)
    except ValidationError as error:
        return _list(request, caller, runtime, values=values, error=_message(error))
    except (Invalid, Conflict) as error:
        return _list(request, caller, runtime, values=values, error=error.message)
    return _link_page(request, runtime, link, "invite")


@router.post("/admin/accounts/{account_id}/disable", dependencies=[Csrf])
def disable(request: Request, caller: WebCaller, runtime: RuntimeDep, account_id: Id) -> Response:
    with runtime.store.session() as db:
        accounts.disable(db, caller, account_id)
    return redirect(request, "/admin/accounts")


@router.post("/admin/accounts/{account_id}/enable", dependencies=[Csrf])
def enable(request: Request, caller: WebCaller, runtime: RuntimeDep, account_id: Id) -> Response:
    with runtime.store.session() as db:
        accounts.enable(db, caller, account_id)
    return redirect(request, "/admin/accounts")


@router.post("/admin/accounts/{account_id}/reset", dependencies=[Csrf])
def reset(request: Request, caller: WebCaller, runtime: RuntimeDep, account_id: Id) -> Response:
    with runtime.store.session() as db:
        link = accounts.reset(db, caller, account_id)
    return _link_page(request, runtime, link, "reset")


@router.post("/admin/totp", dependencies=[Csrf])
async def totp_policy(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    require_role(caller.principal, Role.ADMIN)
    form = await request.form()
    with runtime.store.session() as db:
        current = accounts.totp_policies(db)
        for role in Role:
            wanted = form.get(f"totp_{role.value}") == "on"
            if wanted != current[role]:
                accounts.require_totp(db, caller, role, wanted)
    return redirect(request, "/admin/accounts")
