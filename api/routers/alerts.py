"""/api/v1/alerts: create (from text or template), follow, list deliveries, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from sqlalchemy.exc import IntegrityError

from api.deps import CallerDep, Id, PageDep, RuntimeDep
from api.errors import ERROR_RESPONSES
from binalert.alerts import service
from binalert.alerts.schemas import (
    AlertCreate,
    AlertDetail,
    AlertDraft,
    AlertOut,
    CancelResult,
    DeliveryOut,
)
from binalert.bins import areas
from binalert.bins.schemas import TargetsIn, TargetsOut
from binalert.errors import Conflict
from binalert.paging import Page

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"], responses=ERROR_RESPONSES)
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,200}$",
        description="the same key twice creates one alert",
    ),
]


@router.post("", status_code=202)
def create_alert(
    data: AlertCreate,
    caller: CallerDep,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> AlertDetail:
    """Queue calls to every active member of the BINs; dialling starts at once."""
    try:
        with runtime.store.session() as session:
            alert, created = service.create(
                session, caller, data, idempotency_key, runtime.settings
            )
    except IntegrityError:
        if idempotency_key is None:
            raise
        alert, created = _replay(runtime, caller, idempotency_key), False
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return alert


def _replay(runtime: RuntimeDep, caller: CallerDep, key: str) -> AlertDetail:
    """A concurrent request with the same key won the race: answer with its alert."""
    with runtime.store.session() as session:
        earlier = service.existing_for_key(session, caller, key)
        if earlier is None:
            raise Conflict("the alert could not be stored; try again")
        return service.detail(session, earlier, runtime.settings)


@router.post("/targets")
def alert_targets(data: TargetsIn, caller: CallerDep, runtime: RuntimeDep) -> TargetsOut:
    """A dry run: the BINs of your scope a place or route would reach, with their active
    members; nothing is sent."""
    with runtime.store.session() as session:
        return areas.targets(session, caller, data)


@router.post("/preview")
def preview_alert(data: AlertCreate, caller: CallerDep, runtime: RuntimeDep) -> AlertDraft:
    """A dry run of POST /api/v1/alerts: the texts per language, the members' languages, and
    the SMS per language with its encoding and parts (#22); nothing is sent. An alert that
    texts members with an SMS text over BINALERT_SMS_MAX_PARTS parts is refused here (422)
    as it would be when sent."""
    with runtime.store.session() as session:
        return service.draft(session, caller, data, runtime.settings)


@router.get("")
def list_alerts(caller: CallerDep, runtime: RuntimeDep, page: PageDep) -> Page[AlertOut]:
    with runtime.store.session() as session:
        return service.list_alerts(session, caller, page)


@router.get("/{alert_id}")
def get_alert(caller: CallerDep, runtime: RuntimeDep, alert_id: Id) -> AlertDetail:
    with runtime.store.session() as session:
        return service.get(session, caller, alert_id, runtime.settings)


@router.get("/{alert_id}/deliveries")
def list_deliveries(
    caller: CallerDep, runtime: RuntimeDep, page: PageDep, alert_id: Id
) -> Page[DeliveryOut]:
    with runtime.store.session() as session:
        return service.deliveries(session, caller, alert_id, page)


@router.post("/{alert_id}/cancel")
def cancel_alert(caller: CallerDep, runtime: RuntimeDep, alert_id: Id) -> CancelResult:
    """Stop every call not yet placed at once; calls ringing now end as cancelled."""
    with runtime.store.session() as session:
        return service.cancel(session, caller, alert_id, runtime.settings)
