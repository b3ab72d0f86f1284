"""Pages for follow-ups: the police send a follow-up on an alert ("arrest made", "all clear")
to all its members or only those who acknowledged; the alert's page lists its follow-ups."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.web import forms
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.i18n import N_
from api.web.render import page, redirect
from binalert.alerts import messages as service
from binalert.alerts import service as alerts
from binalert.alerts.prevention import FEEDBACK_KINDS
from binalert.alerts.schemas import FeedbackCreate
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.clock import utcnow
from binalert.errors import Invalid
from binalert.models import AlertStatus, Role
from binalert.runtime import Runtime

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FEEDBACK_LABELS = {
    "arrest_made": N_("A suspect has been arrested"),
    "all_clear": N_("All clear"),
    "thanks": N_("Thank you for your vigilance"),
}


def follow_links(runtime: Runtime, caller: Caller, alert_id: int) -> dict[str, Any]:
    """What the alert's page shows of follow-ups: the alert it follows, its follow-ups, and
    whether this caller may send one."""
    with runtime.store.session() as db:
        found = service.follow_ups(db, caller, alert_id)
        alert = alerts.visible_alert(db, caller, alert_id)
        closed = (AlertStatus.AWAITING_APPROVAL.value, AlertStatus.REJECTED.value)
        may = alert.parent_id is None and alert.status not in closed
        calls_from = alert.calls_from
    return {
        "parent": found.parent,
        "follow_ups": found.follow_ups,
        "may_follow_up": may and caller.principal.role in (Role.POLICE, Role.ADMIN),
        "calls_from": calls_from,
        "calls_later": calls_from is not None and calls_from > utcnow(),
    }


def _feedback_form(
    request: Request, caller: Caller, runtime: Runtime, alert_id: int, **context: Any
) -> Response:
    require_role(caller.principal, Role.POLICE)
    with runtime.store.session() as db:
        alert = alerts.get(db, caller, alert_id, runtime.settings)
    values = context.setdefault(
        "values", {"audience": "all", "source": "arrest_made", "at_once": ""}
    )
    values.setdefault("key", secrets.token_hex(12))
    errors = context.setdefault("errors", [])
    return page(
        request,
        "feedback_form.html",
        422 if errors else 200,
        alert=alert,
        languages_text=forms.TEXT_LANGUAGES,
        feedback_labels=FEEDBACK_LABELS,
        kinds=FEEDBACK_KINDS,
        **context,
    )


@router.get("/alerts/{alert_id}/feedback")
def feedback_form(
    request: Request, caller: WebCaller, runtime: RuntimeDep, alert_id: Id
) -> Response:
    return _feedback_form(request, caller, runtime, alert_id)


@router.post("/alerts/{alert_id}/feedback", dependencies=[Csrf])
async def send_feedback(
    request: Request, caller: WebCaller, runtime: RuntimeDep, alert_id: Id
) -> Response:
    form = await request.form()
    values: dict[str, Any] = {
        key: str(form.get(key) or "").strip()[:100]
        for key in ("audience", "source", "at_once", "key")
    }
    values |= {
        f"text_{lang}": str(form.get(f"text_{lang}") or "")[:1000] for lang in forms.TEXT_LANGUAGES
    }
    body: dict[str, Any] = {"audience": values["audience"], "at_once": values["at_once"] == "1"}
    if values["source"] == "free":
        body["messages"] = forms.texts(values)
    else:
        body["template"] = values["source"]
    try:
        data = FeedbackCreate.model_validate(body)
    except ValidationError as error:
        return _feedback_form(
            request, caller, runtime, alert_id, values=values, errors=forms.errors(error)
        )
    key = forms.idempotency_key(values["key"])
    try:
        with runtime.store.session() as db:
            sent, _created = service.feedback(db, caller, alert_id, data, key, runtime.settings)
    except Invalid as error:
        return _feedback_form(
            request, caller, runtime, alert_id, values=values, errors=[error.message]
        )
    except IntegrityError:
        if key is None:
            raise
        with runtime.store.session() as db:
            earlier = alerts.existing_for_key(db, caller, key)
        if earlier is None:
            raise
        return redirect(request, f"/alerts/{earlier.id}")
    return redirect(request, f"/alerts/{sent.id}")
