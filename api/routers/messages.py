"""/api/v1/messages: non-urgent messages (coordinators and police), their approval; and
/api/v1/alerts/{id}/feedback, /follow-ups: follow-ups on an alert (police)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.deps import CallerDep, Id, RuntimeDep
from api.errors import ERROR_RESPONSES
from api.routers.alerts import IdempotencyKey
from binalert.alerts import service as alerts
from binalert.alerts.schemas import AlertOut
from binalert.errors import Conflict
from binalert.messages import service
from binalert.messages.schemas import (
    Decision,
    FeedbackCreate,
    FollowUps,
    MessageCreate,
    MessageDetail,
)
from binalert.models import AlertStatus
from binalert.runtime import Runtime

router = APIRouter(tags=["messages"], responses=ERROR_RESPONSES)
StatusFilter = Annotated[AlertStatus | None, Query(description="e.g. awaiting_approval")]


def _replay(runtime: Runtime, caller: CallerDep, key: str) -> MessageDetail:
    """A concurrent request with the same key won the race: answer with its message."""
    with runtime.store.session() as session:
        earlier = alerts.existing_for_key(session, caller, key)
        if earlier is None:
            raise Conflict("the message could not be stored; try again")
        return service.message_detail(session, caller, earlier, runtime.settings)


def _stored_once(
    runtime: Runtime,
    caller: CallerDep,
    response: Response,
    idempotency_key: str | None,
    store: Callable[[Session], tuple[MessageDetail, bool]],
) -> MessageDetail:
    """`store` in a session of its own; when a concurrent request with the same key won the
    race, its message, marked replayed."""
    try:
        with runtime.store.session() as session:
            message, created = store(session)
    except IntegrityError:
        if idempotency_key is None:
            raise
        message, created = _replay(runtime, caller, idempotency_key), False
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return message


@router.post("/api/v1/messages", status_code=202)
def send_message(
    data: MessageCreate,
    caller: CallerDep,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> MessageDetail:
    """A non-urgent message to BINs: called within each BIN's calling hours (`calls_start`
    says when, in Brussels time), after any urgent alert's calls. A coordinator's message
    waits for the police's approval where the zone requires it (`awaiting_approval`)."""
    return _stored_once(
        runtime,
        caller,
        response,
        idempotency_key,
        lambda session: service.send(session, caller, data, idempotency_key, runtime.settings),
    )


@router.get("/api/v1/messages")
def list_messages(
    caller: CallerDep, runtime: RuntimeDep, status: StatusFilter = None
) -> list[AlertOut]:
    """The newest messages the caller may see (at most 50), newest first."""
    with runtime.store.session() as session:
        return service.list_messages(session, caller, status)


@router.get("/api/v1/messages/{alert_id}")
def get_message(caller: CallerDep, runtime: RuntimeDep, alert_id: Id) -> MessageDetail:
    with runtime.store.session() as session:
        return service.get(session, caller, alert_id, runtime.settings)


@router.post("/api/v1/messages/{alert_id}/approve")
def approve_message(
    caller: CallerDep, runtime: RuntimeDep, alert_id: Id, data: Decision | None = None
) -> MessageDetail:
    """The zone's police approve a coordinator's message: its calls are planned now."""
    with runtime.store.session() as session:
        return service.approve(session, caller, alert_id, data or Decision(), runtime.settings)


@router.post("/api/v1/messages/{alert_id}/reject")
def reject_message(
    caller: CallerDep, runtime: RuntimeDep, alert_id: Id, data: Decision | None = None
) -> MessageDetail:
    """The zone's police reject a coordinator's message: nobody is called."""
    with runtime.store.session() as session:
        return service.reject(session, caller, alert_id, data or Decision(), runtime.settings)


@router.post("/api/v1/alerts/{alert_id}/feedback", status_code=202)
def send_feedback(
    data: FeedbackCreate,
    caller: CallerDep,
    runtime: RuntimeDep,
    response: Response,
    alert_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> MessageDetail:
    """A follow-up on the alert to the same members (audience all, or acknowledged: those
    who pressed 1 or were put through), in each member's language. By default within the
    BINs' calling hours; `at_once` calls now, at any hour."""
    return _stored_once(
        runtime,
        caller,
        response,
        idempotency_key,
        lambda session: service.feedback(
            session, caller, alert_id, data, idempotency_key, runtime.settings
        ),
    )


@router.get("/api/v1/alerts/{alert_id}/follow-ups")
def follow_ups(caller: CallerDep, runtime: RuntimeDep, alert_id: Id) -> FollowUps:
    """The alert this one follows up, and the follow-ups sent on it."""
    with runtime.store.session() as session:
        return service.follow_ups(session, caller, alert_id)
