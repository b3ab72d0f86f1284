"""Alerts: the police create and cancel them for the BINs of their zone; everyone in scope
follows them. One delivery per active member, in the member's language when the alert has it."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import timedelta

from sqlalchemy.orm import Session

from binalert.alerts import repository as repo
from binalert.alerts import sms
from binalert.alerts.schedule import schedule
from binalert.alerts.schemas import (
    AlertCreate,
    AlertDetail,
    AlertDraft,
    AlertOut,
    CancelResult,
    DeliveryOut,
    SmsPreviewOut,
)
from binalert.alerts.stats import alert_stats
from binalert.alerts.templates import DEFAULT_ORDER, render
from binalert.audit.service import record
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role, visible_bin_ids
from binalert.bins import areas
from binalert.bins import repository as bins_repo
from binalert.clock import utcnow
from binalert.deliveries import lifecycle
from binalert.errors import Conflict, Invalid, NotFound
from binalert.members import repository as members_repo
from binalert.models import Alert, AlertStatus, Delivery, DeliveryStatus, Role
from binalert.paging import Page, PageRequest, make_page
from binalert.settings import Settings
from store.announce import ALERTS_CHANGED, announce

MAX_MESSAGE = 1000


def _out(alert: Alert) -> AlertOut:
    return AlertOut.model_validate(alert, from_attributes=True)


def detail(
    session: Session, alert: Alert, settings: Settings, member_bins: Collection[int] | None = None
) -> AlertDetail:
    """The alert with its counts, within `member_bins` (member_scope) where given."""
    stats = alert_stats(session, alert, settings, member_bins)
    return AlertDetail(**_out(alert).model_dump(), stats=stats)


def _messages(data: AlertCreate) -> dict[str, str]:
    if data.messages is not None:
        return {lang.value: text for lang, text in data.messages.items()}
    assert data.template is not None
    texts = render(data.template, list(data.languages or DEFAULT_ORDER))
    too_long = [lang for lang, text in texts.items() if len(text) > MAX_MESSAGE]
    if too_long:
        raise Invalid(f"the template text is longer than {MAX_MESSAGE} characters in {too_long}")
    return texts


def _check_bins(session: Session, caller: Caller, bin_ids: list[int]) -> None:
    existing = bins_repo.existing_ids(session, bin_ids)
    visible = visible_bin_ids(session, caller.principal)
    for bin_id in bin_ids:
        if bin_id not in existing or (visible is not None and bin_id not in visible):
            raise NotFound(f"BIN {bin_id} not found")


def target_ids(session: Session, caller: Caller, data: AlertCreate) -> list[int]:
    """The BINs an alert goes to: its bin_ids (each checked against the caller's scope) and
    those of the caller's scope its place or route reaches, less the excluded; Invalid when
    that leaves none (nothing is sent)."""
    _check_bins(session, caller, data.bin_ids)
    chosen = set(data.bin_ids)
    where = data.targeting()
    if where is not None:
        visible = visible_bin_ids(session, caller.principal)
        reached = set(areas.reached(session, where, visible)) - set(data.exclude_bin_ids)
        if not reached and not chosen:
            raise Invalid("no BIN you may alert has an area within this place or route")
        chosen |= reached
    if not chosen:
        raise Invalid("every BIN the place or route reaches is excluded: nothing to send")
    return sorted(chosen)


def visible_alert(session: Session, caller: Caller, alert_id: int) -> Alert:
    alert = repo.get(session, alert_id)
    visible = visible_bin_ids(session, caller.principal)
    if alert is None or (visible is not None and not visible & set(alert.bin_ids)):
        raise NotFound(f"alert {alert_id} not found")
    return alert


def member_scope(session: Session, caller: Caller, alert: Alert) -> set[int] | None:
    """The BINs whose members' deliveries this caller may see and cancel in this alert; None
    means all of them (an admin, or an alert wholly within the caller's BINs)."""
    visible = visible_bin_ids(session, caller.principal)
    if visible is None or set(alert.bin_ids) <= visible:
        return None
    return visible & set(alert.bin_ids)


def existing_for_key(session: Session, caller: Caller, key: str) -> Alert | None:
    """The alert created earlier with this Idempotency-Key, if the caller may see it."""
    found = repo.by_idempotency_key(session, key)
    if found is None:
        return None
    try:
        return visible_alert(session, caller, found.id)
    except NotFound as error:
        raise Conflict("this Idempotency-Key was already used by someone else") from error


def _typed_sms(data: AlertCreate) -> dict[str, str] | None:
    if data.sms_texts is None:
        return None
    return {lang.value: text for lang, text in data.sms_texts.items()}


def draft(
    session: Session, caller: Caller, data: AlertCreate, settings: Settings, sms_too: bool = True
) -> AlertDraft:
    """Validate an alert as create() would, without storing it: its texts per language, the
    languages of the members who would be called (those without a text hear the first), and
    its SMS per language with encoding and parts (Invalid when it texts members and a text is
    too long, as create() refuses it)."""
    require_role(caller.principal, Role.POLICE)
    bin_ids = target_ids(session, caller, data)
    messages = _messages(data)
    languages: dict[str, int] = {}
    for member in members_repo.active_members_of_bins(session, bin_ids):
        languages[member.language] = languages.get(member.language, 0) + 1
    shown: list[sms.SmsPreview] = []
    texted = 0
    if sms_too:  # not for the preview's audio, which needs the texts only
        _texts, shown, texted = sms.for_alert(
            session, bin_ids, messages, data.urgent, _typed_sms(data), settings
        )
    return AlertDraft(
        messages=messages,
        member_languages=languages,
        missing_languages=sorted(lang for lang in languages if lang not in messages),
        fallback=next(iter(messages)),
        sms=[SmsPreviewOut(**dataclasses.asdict(p)) for p in shown],
        sms_members=texted,
    )


def create(
    session: Session, caller: Caller, data: AlertCreate, key: str | None, settings: Settings
) -> tuple[AlertDetail, bool]:
    """(the alert, True if created now); with a known key, the earlier alert and False."""
    require_role(caller.principal, Role.POLICE)
    if key is not None and (earlier := existing_for_key(session, caller, key)) is not None:
        return detail(session, earlier, settings), False
    bin_ids = target_ids(session, caller, data)
    messages = _messages(data)
    texts, _shown, _texted = sms.for_alert(
        session, bin_ids, messages, data.urgent, _typed_sms(data), settings
    )
    now = utcnow()
    alert = repo.add(
        session,
        Alert(
            created_by=caller.principal.actor,
            created_at=now,
            incident_ref=data.incident_ref,
            bin_ids=bin_ids,
            messages=messages,
            sms_texts=texts,
            template=data.template.kind if data.template else None,
            urgent=data.urgent,
            valid_from=now,
            valid_until=now + timedelta(minutes=data.valid_minutes),
            status=AlertStatus.ACTIVE.value,
            idempotency_key=key,
            place=data.place.model_dump() if data.place else None,
            route=data.route.model_dump() if data.route else None,
        ),
    )
    # One delivery per active member (binalert.alerts.schedule): at once when urgent, else
    # within their BIN's calling hours.
    validity = timedelta(minutes=data.valid_minutes)
    count = schedule(session, alert, now, validity)
    announce(session, ALERTS_CHANGED)
    record(
        session,
        caller,
        "alert.create",
        f"alert:{alert.id}",
        bin_ids=alert.bin_ids,
        incident_ref=alert.incident_ref,
        deliveries=count,
        place=alert.place,
        route_points=len(data.route.line.coordinates) if data.route else None,
    )
    return detail(session, alert, settings), True


def list_alerts(session: Session, caller: Caller, request: PageRequest) -> Page[AlertOut]:
    visible = visible_bin_ids(session, caller.principal)
    found: list[Alert] = []
    after = request.after_id
    while len(found) < request.fetch:
        batch = repo.batch_after(session, after, 500)
        if not batch:
            break
        found += [a for a in batch if visible is None or visible & set(a.bin_ids)]
        after = batch[-1].id
    return make_page(found[: request.fetch], request, _out, lambda a: a.id)


def recent_alerts(session: Session, caller: Caller, limit: int = 30) -> list[AlertOut]:
    """The caller's newest alerts, newest first (the pages' start screen)."""
    visible = visible_bin_ids(session, caller.principal)
    found: list[Alert] = []
    before: int | None = None
    while len(found) < limit:
        batch = repo.batch_before(session, before, 500)
        if not batch:
            break
        found += [a for a in batch if visible is None or visible & set(a.bin_ids)]
        before = batch[-1].id
    return [_out(a) for a in found[:limit]]


def get(session: Session, caller: Caller, alert_id: int, settings: Settings) -> AlertDetail:
    """The alert as this caller may see it: on an alert shared with another zone, the counts
    of their own zone's members only (as its delivery rows)."""
    alert = visible_alert(session, caller, alert_id)
    return detail(session, alert, settings, member_scope(session, caller, alert))


def deliveries(
    session: Session, caller: Caller, alert_id: int, request: PageRequest
) -> Page[DeliveryOut]:
    member_bins = member_scope(session, caller, visible_alert(session, caller, alert_id))
    rows = repo.deliveries_page(session, alert_id, member_bins, request.after_id, request.fetch)
    ids = [d.id for d in rows]
    texted = repo.sms_of_deliveries(session, ids)
    by_sms = repo.acknowledged_by_sms(session, ids)

    def out(delivery: Delivery) -> DeliveryOut:
        found = DeliveryOut.model_validate(delivery)
        sms_status, parts, kind = texted.get(delivery.id, (None, None, None))
        acknowledged = delivery.status == DeliveryStatus.ACKNOWLEDGED.value
        by = ("sms" if delivery.id in by_sms else "call") if acknowledged else None
        return found.model_copy(
            update={
                "sms_status": sms_status,
                "sms_parts": parts,
                "sms_kind": kind,
                "acknowledged_by": by,
            }
        )

    return make_page(rows, request, out, lambda d: d.id)


def cancel(session: Session, caller: Caller, alert_id: int, settings: Settings) -> CancelResult:

    require_role(caller.principal, Role.POLICE)
    alert = visible_alert(session, caller, alert_id)
    if alert.status != AlertStatus.ACTIVE.value:
        raise Conflict(f"alert {alert_id} is already {alert.status}")
    scope = member_scope(session, caller, alert)
    if scope is None:
        cancelled = lifecycle.cancel_alert(session, alert_id, utcnow(), caller.principal.actor)
        record(session, caller, "alert.cancel", f"alert:{alert_id}", cancelled=cancelled)
    else:  # another zone's members go on being called: only this zone's stop
        others = set(alert.bin_ids) - scope
        ids = repo.deliveries_only_in(session, alert_id, scope, others)
        cancelled = lifecycle.stop_deliveries(session, ids)
        bins = sorted(scope & set(alert.bin_ids))
        record(
            session,
            caller,
            "alert.cancel_part",
            f"alert:{alert_id}",
            cancelled=cancelled,
            bins=bins,
        )
    alert = visible_alert(session, caller, alert_id)
    shown = detail(session, alert, settings, member_scope(session, caller, alert))
    return CancelResult(alert=shown, cancelled_deliveries=cancelled)
