"""Messages and follow-ups.

- A message is non-urgent prevention advice to BINs: a coordinator sends it to the BINs they
  manage, the police to their zone's BINs. Its calls keep each BIN's calling hours
  (binalert.messages.schedule; the dialer's claim keeps them there, deliveries.hours) and
  always come after any urgent alert's calls. Where a BIN's zone requires it, a
  coordinator's message waits for a police officer of that zone to approve it (its calls
  are planned then) or reject it (nobody is called); both are audited.
- A follow-up (feedback) on an alert goes from the police to the same members, all or only
  those who acknowledged, in each member's language. It keeps the calling hours unless sent
  `at_once` (then it is urgent: called now, at any hour).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from binalert.alerts import repository as alerts_repo
from binalert.alerts import service as alerts
from binalert.alerts.schemas import AlertOut
from binalert.audit.service import record
from binalert.auth.schemas import Caller, Principal
from binalert.auth.service import require_role, visible_bin_ids
from binalert.calling_hours import BRUSSELS
from binalert.clock import utcnow
from binalert.errors import Conflict, Forbidden, Invalid, NotFound
from binalert.messages import repository as repo
from binalert.messages.schedule import schedule
from binalert.messages.schemas import (
    Decision,
    FeedbackCreate,
    FollowUps,
    MessageCreate,
    MessageDetail,
)
from binalert.messages.templates import (
    DEFAULT_ORDER,
    render_feedback,
    render_prevention,
    template_name,
)
from binalert.messages.when import calls_start
from binalert.models import Alert, AlertStatus, Audience, Bin, Language, Role
from binalert.settings import Settings
from binalert.zones import repository as zones_repo
from store.announce import ALERTS_CHANGED, announce

MAX_MESSAGE = 1000
UNDECIDED = AlertStatus.AWAITING_APPROVAL.value


def message_detail(session: Session, alert: Alert, settings: Settings) -> MessageDetail:
    base = alerts.detail(session, alert, settings)
    calls_from = alert.calls_from
    return MessageDetail(
        **base.model_dump(),
        calls_start=calls_start(calls_from, utcnow()) if calls_from else None,
        calls_from_local=calls_from.astimezone(BRUSSELS) if calls_from else None,
        decision_note=repo.decision_note(session, alert.id) if alert.decided_at else None,
    )


def _texts(messages: dict[Language, str] | None, rendered: dict[str, str] | None) -> dict[str, str]:
    if messages is not None:
        return {lang.value: text for lang, text in messages.items()}
    assert rendered is not None
    too_long = [lang for lang, text in rendered.items() if len(text) > MAX_MESSAGE]
    if too_long:
        raise Invalid(f"the template text is longer than {MAX_MESSAGE} characters in {too_long}")
    return rendered


def _allowed_bins(session: Session, principal: Principal, bin_ids: Sequence[int]) -> list[Bin]:
    """The BINs, if the principal may message every one of them: a coordinator the BINs they
    manage, the police their zone's, an admin any (403 otherwise)."""
    visible = visible_bin_ids(session, principal)
    outside = sorted(set(bin_ids) - visible) if visible is not None else []
    if outside:
        raise Forbidden(f"you may not send messages to BIN {', '.join(map(str, outside))}")
    found = repo.bins(session, bin_ids)
    missing = sorted(set(bin_ids) - {b.id for b in found})
    if missing:
        raise NotFound(f"BIN {missing[0]} not found")
    return found


def _zones_requiring_approval(session: Session, found: Sequence[Bin]) -> set[str]:
    zones = {b.police_zone for b in found}
    return {zone for zone in zones if zones_repo.approval_required(session, zone)}


def send(
    session: Session, caller: Caller, data: MessageCreate, key: str | None, settings: Settings
) -> tuple[MessageDetail, bool]:
    """(the message, True if created now); with a known Idempotency-Key the earlier one."""
    principal = caller.principal
    require_role(principal, Role.POLICE, Role.COORDINATOR)
    if key is not None and (earlier := alerts.existing_for_key(session, caller, key)) is not None:
        return message_detail(session, earlier, settings), False
    found = _allowed_bins(session, principal, data.bin_ids)
    rendered = None
    if data.template is not None:
        rendered = render_prevention(data.template, list(data.languages or DEFAULT_ORDER))
    texts = _texts(data.messages, rendered)
    waits = principal.role is Role.COORDINATOR and bool(_zones_requiring_approval(session, found))
    now = utcnow()
    validity = timedelta(days=data.valid_days)
    alert = alerts_repo.add(
        session,
        Alert(
            created_by=principal.actor,
            created_at=now,
            incident_ref=data.subject,
            bin_ids=list(data.bin_ids),
            messages=texts,
            template=template_name(data.template) if data.template else None,
            urgent=False,
            valid_from=now,
            valid_until=now + validity,
            status=UNDECIDED if waits else AlertStatus.ACTIVE.value,
            idempotency_key=key,
            audience=Audience.ALL.value,
        ),
    )
    count = 0 if waits else schedule(session, alert, now, validity)
    announce(session, ALERTS_CHANGED)
    record(
        session,
        caller,
        "message.create",
        f"alert:{alert.id}",
        bin_ids=alert.bin_ids,
        subject=alert.incident_ref,
        template=alert.template,
        status=alert.status,
        deliveries=count,
        calls_from=alert.calls_from.isoformat() if alert.calls_from else None,
    )
    return message_detail(session, alert, settings), True


def _decidable(session: Session, caller: Caller, alert_id: int) -> Alert:
    principal = caller.principal
    require_role(principal, Role.POLICE)
    alert = alerts.visible_alert(session, caller, alert_id)
    if alert.status != UNDECIDED:
        raise Conflict(f"message {alert_id} is {alert.status}, not awaiting approval")
    if principal.role is Role.POLICE:
        zones = _zones_requiring_approval(session, repo.bins(session, alert.bin_ids))
        if not principal.zones & set(zones):
            raise Forbidden("only the police of the zone that requires approval may decide")
    return alert


def approve(
    session: Session, caller: Caller, alert_id: int, data: Decision, settings: Settings
) -> MessageDetail:
    """Approve a coordinator's message: its calls are planned now, within calling hours, and
    its validity counts from then."""
    alert = _decidable(session, caller, alert_id)
    now = utcnow()
    validity = alert.valid_until - alert.created_at
    if not repo.decide(session, alert_id, AlertStatus.ACTIVE, caller.principal.actor, now):
        raise Conflict(f"message {alert_id} was decided meanwhile")
    alert = alerts.visible_alert(session, caller, alert_id)
    count = schedule(session, alert, now, validity)
    announce(session, ALERTS_CHANGED)
    record(
        session,
        caller,
        "message.approve",
        f"alert:{alert_id}",
        reason=data.reason,
        deliveries=count,
        calls_from=alert.calls_from.isoformat() if alert.calls_from else None,
    )
    return message_detail(session, alert, settings)


def reject(
    session: Session, caller: Caller, alert_id: int, data: Decision, settings: Settings
) -> MessageDetail:
    """Reject a coordinator's message: nobody is called."""
    _decidable(session, caller, alert_id)
    now = utcnow()
    if not repo.decide(session, alert_id, AlertStatus.REJECTED, caller.principal.actor, now):
        raise Conflict(f"message {alert_id} was decided meanwhile")
    announce(session, ALERTS_CHANGED)
    record(session, caller, "message.reject", f"alert:{alert_id}", reason=data.reason)
    return message_detail(session, alerts.visible_alert(session, caller, alert_id), settings)


def feedback(
    session: Session,
    caller: Caller,
    alert_id: int,
    data: FeedbackCreate,
    key: str | None,
    settings: Settings,
) -> tuple[MessageDetail, bool]:
    """A follow-up on alert `alert_id` to its members in the caller's scope: all of them or
    those who acknowledged (pressed 1, or were put through to the police)."""
    principal = caller.principal
    require_role(principal, Role.POLICE)
    if key is not None and (earlier := alerts.existing_for_key(session, caller, key)) is not None:
        return message_detail(session, earlier, settings), False
    parent = alerts.visible_alert(session, caller, alert_id)
    if parent.parent_id is not None:
        raise Invalid(f"alert {alert_id} is a follow-up: follow up alert {parent.parent_id}")
    if parent.status in (UNDECIDED, AlertStatus.REJECTED.value):
        raise Conflict(f"alert {alert_id} is {parent.status}: nobody was called")
    scope = alerts.member_scope(session, caller, parent)
    bin_ids = sorted(scope if scope is not None else parent.bin_ids)
    acknowledged_only = data.audience is Audience.ACKNOWLEDGED
    rendered = None
    if data.template is not None:
        rendered = render_feedback(data.template, list(data.languages or DEFAULT_ORDER))
    texts = _texts(data.messages, rendered)
    now = utcnow()
    validity = timedelta(hours=data.valid_hours)
    alert = alerts_repo.add(
        session,
        Alert(
            created_by=principal.actor,
            created_at=now,
            incident_ref=parent.incident_ref,
            bin_ids=bin_ids,
            messages=texts,
            template=data.template,
            urgent=data.at_once,
            valid_from=now,
            valid_until=now + validity,
            status=AlertStatus.ACTIVE.value,
            idempotency_key=key,
            parent_id=parent.id,
            audience=data.audience.value,
        ),
    )
    called = repo.members_called_by(session, parent.id, acknowledged_only)
    count = schedule(session, alert, now, validity, only=called)
    if count == 0:
        who = "acknowledged" if acknowledged_only else "can still be called"
        raise Invalid(f"nobody to call: no member of alert {alert_id} {who}")
    announce(session, ALERTS_CHANGED)
    record(
        session,
        caller,
        "alert.feedback",
        f"alert:{alert.id}",
        parent_id=parent.id,
        audience=alert.audience,
        template=alert.template,
        at_once=data.at_once,
        deliveries=count,
    )
    return message_detail(session, alert, settings), True


def _out(alert: Alert) -> AlertOut:
    return AlertOut.model_validate(alert, from_attributes=True)


def follow_ups(session: Session, caller: Caller, alert_id: int) -> FollowUps:
    """The alert this one follows up, and the follow-ups sent on it."""
    alert = alerts.visible_alert(session, caller, alert_id)
    parent = None
    if alert.parent_id is not None:
        found = alerts_repo.get(session, alert.parent_id)
        parent = _out(found) if found is not None else None
    return FollowUps(
        parent=parent, follow_ups=[_out(a) for a in repo.follow_ups(session, alert.id)]
    )


def list_messages(
    session: Session, caller: Caller, status: AlertStatus | None = None, limit: int = 50
) -> list[AlertOut]:
    """The caller's newest messages (for the police: of their zone), newest first."""
    visible = visible_bin_ids(session, caller.principal)
    rows = repo.recent_messages(session, status.value if status else None)
    return [_out(a) for a in rows if visible is None or visible & set(a.bin_ids)][:limit]


def get(session: Session, caller: Caller, alert_id: int, settings: Settings) -> MessageDetail:
    return message_detail(session, alerts.visible_alert(session, caller, alert_id), settings)


def may_decide(session: Session, principal: Principal, alert: AlertOut) -> bool:
    """Whether the pages offer this principal to approve or reject the message."""
    if alert.status != UNDECIDED or principal.role is Role.COORDINATOR:
        return False
    if principal.role is Role.ADMIN:
        return True
    zones = _zones_requiring_approval(session, repo.bins(session, alert.bin_ids))
    return bool(principal.zones & set(zones))
