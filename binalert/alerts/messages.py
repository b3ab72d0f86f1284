"""Messages and follow-ups: the non-urgent alerts (stored as alerts, one subject with them).

- A message is non-urgent prevention advice to BINs: a coordinator sends it to the BINs they
  manage, the police to their zone's BINs. Its calls keep each BIN's calling hours
  (binalert.alerts.schedule; the dialer's claim keeps them there, deliveries.hours) and
  always come after any urgent alert's calls. Where a BIN's zone requires it, a
  coordinator's message waits for a police officer of that zone to approve it (its calls
  are planned then) or reject it (nobody is called); both are audited. Each zone decides
  for its own BINs only: a message to BINs of several zones has one part per zone that
  requires approval, and a zone's members are called once that zone approves (the other
  zones' parts go on meanwhile). A zone sees its own part's decision, not the others'.
- A follow-up (feedback) on an alert goes from the police to the same members, all or only
  those who acknowledged, in each member's language. It keeps the calling hours unless sent
  `at_once` (then it is urgent: called now, at any hour).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from binalert.alerts import repository as repo
from binalert.alerts import service as alerts
from binalert.alerts import sms
from binalert.alerts.prevention import (
    DEFAULT_ORDER,
    render_feedback,
    render_prevention,
    template_name,
)
from binalert.alerts.schedule import schedule
from binalert.alerts.schemas import (
    AlertOut,
    Decision,
    FeedbackCreate,
    FollowUps,
    MessageCreate,
    MessageDetail,
    ZonePart,
)
from binalert.alerts.when import calls_start
from binalert.audit.service import record
from binalert.auth.schemas import Caller, Principal
from binalert.auth.service import require_role, visible_bin_ids
from binalert.buddies.relay import RELAY_AUDIENCE
from binalert.calling_hours import BRUSSELS
from binalert.clock import utcnow
from binalert.deliveries import lifecycle
from binalert.errors import Conflict, Forbidden, Invalid, NotFound
from binalert.models import Alert, AlertStatus, Audience, Bin, Language, MessageApproval, Role
from binalert.settings import Settings
from binalert.zones import repository as zones_repo
from store.announce import ALERTS_CHANGED, announce

MAX_MESSAGE = 1000
UNDECIDED = AlertStatus.AWAITING_APPROVAL.value


def message_detail(
    session: Session, caller: Caller, alert: Alert, settings: Settings
) -> MessageDetail:
    """The message as this caller may see it: the decisions of their own zones' parts only
    (a zone never sees who decided, or why, in another zone)."""
    base = alerts.detail(session, alert, settings, alerts.member_scope(session, caller, alert))
    calls_from = alert.calls_from
    parts = _own_parts(session, caller, alert)
    decided = [p for p in parts if p.decided_at is not None]
    last = max(decided, key=lambda p: p.decided_at or alert.created_at) if decided else None
    shown = base.model_dump()
    if last is not None:
        shown |= {"decided_by": last.decided_by, "decided_at": last.decided_at}
    return MessageDetail(
        **shown,
        calls_start=calls_start(calls_from, utcnow()) if calls_from else None,
        calls_from_local=calls_from.astimezone(BRUSSELS) if calls_from else None,
        decision_note=_decision_note(session, alert, last, bool(parts)),
        approvals=[ZonePart.model_validate(p, from_attributes=True) for p in parts],
    )


def _decision_note(
    session: Session, alert: Alert, last: MessageApproval | None, has_parts: bool
) -> str | None:
    if last is not None:
        return last.reason
    if not has_parts and alert.decided_at:  # decided before zones decided apart (0012)
        return repo.decision_note(session, alert.id)
    return None


def _own_parts(session: Session, caller: Caller, alert: Alert) -> list[MessageApproval]:
    """The message's zone parts in the caller's scope: a zone's police their zone's, a
    coordinator those of their BINs' zones, an admin all."""
    parts = repo.parts(session, [alert.id])
    scope = alerts.member_scope(session, caller, alert)
    if scope is None or not parts:
        return parts
    zones = {b.police_zone for b in repo.bins(session, scope)}
    return [p for p in parts if p.police_zone in zones]


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


def _by_zone(found: Sequence[Bin]) -> dict[str, list[int]]:
    zones: dict[str, list[int]] = {}
    for found_bin in found:
        zones.setdefault(found_bin.police_zone, []).append(found_bin.id)
    return zones


def _zones_requiring_approval(session: Session, zones: Sequence[str]) -> set[str]:
    return {zone for zone in zones if zones_repo.approval_required(session, zone)}


def send(
    session: Session, caller: Caller, data: MessageCreate, key: str | None, settings: Settings
) -> tuple[MessageDetail, bool]:
    """(the message, True if created now); with a known Idempotency-Key the earlier one."""
    principal = caller.principal
    require_role(principal, Role.POLICE, Role.COORDINATOR)
    if key is not None and (earlier := alerts.existing_for_key(session, caller, key)) is not None:
        return message_detail(session, caller, earlier, settings), False
    found = _allowed_bins(session, principal, data.bin_ids)
    rendered = None
    if data.template is not None:
        rendered = render_prevention(data.template, list(data.languages or DEFAULT_ORDER))
    texts = _texts(data.messages, rendered)
    sms_texts, _shown, _texted = sms.for_alert(
        session, [b.id for b in found], texts, False, None, settings
    )
    zones = _by_zone(found)
    waiting = set()
    if principal.role is Role.COORDINATOR:  # the police's own messages never wait
        waiting = _zones_requiring_approval(session, list(zones))
    at_once = [b for zone, bin_ids in zones.items() if zone not in waiting for b in bin_ids]
    now = utcnow()
    validity = timedelta(days=data.valid_days)
    alert = repo.add(
        session,
        Alert(
            created_by=principal.actor,
            created_at=now,
            incident_ref=data.subject,
            bin_ids=list(data.bin_ids),
            messages=texts,
            sms_texts=sms_texts,
            template=template_name(data.template) if data.template else None,
            urgent=False,
            valid_from=now,
            valid_until=now + validity,
            status=AlertStatus.ACTIVE.value if at_once else UNDECIDED,
            idempotency_key=key,
            audience=Audience.ALL.value,
        ),
    )
    count = schedule(session, alert, now, validity, bin_ids=at_once) if at_once else 0
    repo.add_parts(session, alert.id, waiting, int(validity.total_seconds()))
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
        awaiting_zones=sorted(waiting),
    )
    return message_detail(session, caller, alert, settings), True


def _decidable(session: Session, caller: Caller, alert_id: int) -> tuple[Alert, list[str]]:
    """The message and the zones whose parts this caller decides now: a police officer their
    own zone's part, an admin every part still awaiting."""
    principal = caller.principal
    require_role(principal, Role.POLICE)
    alert = alerts.visible_alert(session, caller, alert_id)
    parts = {p.police_zone: p.status for p in repo.parts(session, [alert_id])}
    if alert.status not in (UNDECIDED, AlertStatus.ACTIVE.value) or not parts:
        raise Conflict(f"message {alert_id} is {alert.status}, not awaiting approval")
    if principal.role is Role.POLICE:
        mine = sorted(zone for zone in principal.zones if zone in parts)  # a CIC: several
        if not mine:
            raise Forbidden("only the police of a zone that requires approval may decide")
        zones = [zone for zone in mine if parts[zone] == UNDECIDED]
    else:
        zones = [zone for zone, status in parts.items() if status == UNDECIDED]
    if not zones:
        raise Conflict(f"message {alert_id}: your zone's part is already decided")
    return alert, zones


def _decide_parts(
    session: Session,
    caller: Caller,
    alert: Alert,
    zones: Sequence[str],
    status: AlertStatus,
    data: Decision,
) -> datetime:
    now = utcnow()
    for zone in zones:
        actor = caller.principal.actor
        if not repo.decide_part(session, alert.id, zone, status, actor, now, data.reason):
            raise Conflict(f"message {alert.id} was decided meanwhile")
    return now


def _one_zone(session: Session, alert: Alert) -> bool:
    return len(_by_zone(repo.bins(session, alert.bin_ids))) == 1


def approve(
    session: Session, caller: Caller, alert_id: int, data: Decision, settings: Settings
) -> MessageDetail:
    """Approve the caller's zone's part of a coordinator's message: its members' calls are
    planned now, within calling hours, and their validity counts from then."""
    alert, zones = _decidable(session, caller, alert_id)
    now = _decide_parts(session, caller, alert, zones, AlertStatus.ACTIVE, data)
    # A message over several zones names no single decider (each zone sees its own part).
    by = caller.principal.actor if _one_zone(session, alert) else None
    repo.decide(session, alert_id, AlertStatus.ACTIVE, by, now)  # False: active already
    alert = repo.locked(session, alert_id)
    parts = [p for p in repo.parts(session, [alert_id]) if p.police_zone in zones]
    bins = [b.id for b in repo.bins(session, alert.bin_ids) if b.police_zone in zones]
    validity = timedelta(seconds=max(p.validity_seconds for p in parts))
    count = schedule(session, alert, now, validity, bin_ids=bins)
    announce(session, ALERTS_CHANGED)
    record(
        session,
        caller,
        "message.approve",
        f"alert:{alert_id}",
        reason=data.reason,
        zones=list(zones),
        deliveries=count,
        calls_from=alert.calls_from.isoformat() if alert.calls_from else None,
    )
    return message_detail(session, caller, alert, settings)


def reject(
    session: Session, caller: Caller, alert_id: int, data: Decision, settings: Settings
) -> MessageDetail:
    """Reject the caller's zone's part of a coordinator's message: its members are not
    called. Rejected by every zone, nobody is; the last part rejected after others were
    approved lets the message complete once their calls end."""
    alert, zones = _decidable(session, caller, alert_id)
    now = _decide_parts(session, caller, alert, zones, AlertStatus.REJECTED, data)
    if not any(p.status == UNDECIDED for p in repo.parts(session, [alert_id])):
        if alert.status == UNDECIDED:  # no part approved, none went out without approval
            by = caller.principal.actor if _one_zone(session, alert) else None
            if not repo.decide(session, alert_id, AlertStatus.REJECTED, by, now):
                raise Conflict(f"message {alert_id} was decided meanwhile")
        else:
            lifecycle.complete_if_done(session, alert_id, now)
    announce(session, ALERTS_CHANGED)
    record(session, caller, "message.reject", f"alert:{alert_id}", reason=data.reason, zones=zones)
    alert = alerts.visible_alert(session, caller, alert_id)
    return message_detail(session, caller, alert, settings)


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
        return message_detail(session, caller, earlier, settings), False
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
    sms_texts, _shown, _texted = sms.for_alert(
        session, bin_ids, texts, data.at_once, None, settings
    )
    now = utcnow()
    validity = timedelta(hours=data.valid_hours)
    alert = repo.add(
        session,
        Alert(
            created_by=principal.actor,
            created_at=now,
            incident_ref=parent.incident_ref,
            bin_ids=bin_ids,
            messages=texts,
            sms_texts=sms_texts,
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
    return message_detail(session, caller, alert, settings), True


def _out(alert: Alert) -> AlertOut:
    return AlertOut.model_validate(alert, from_attributes=True)


def follow_ups(session: Session, caller: Caller, alert_id: int) -> FollowUps:
    """The alert this one follows up, and the follow-ups sent on it that the caller may see:
    on an alert over several zones, each zone's police follow up their own members, and
    another zone never sees that follow-up (its text, its officer)."""
    alert = alerts.visible_alert(session, caller, alert_id)
    visible = visible_bin_ids(session, caller.principal)
    parent = None
    if alert.parent_id is not None:
        found = repo.get(session, alert.parent_id)
        parent = _out(found) if found is not None and _sees(visible, found) else None
    shown = [
        _out(a)
        for a in repo.follow_ups(session, alert.id)
        if _sees(visible, a) and a.audience != RELAY_AUDIENCE  # relays: the page's neighbours
    ]
    return FollowUps(parent=parent, follow_ups=shown)


def _sees(visible: set[int] | None, alert: Alert) -> bool:
    return visible is None or bool(visible & set(alert.bin_ids))


def _caller_zones(session: Session, caller: Caller) -> set[str] | None:
    """The zones whose waiting parts a caller lists: a police officer's own, a
    coordinator's BINs' zones, every zone for an admin (None)."""
    principal = caller.principal
    if principal.role is Role.ADMIN:
        return None
    if principal.role is Role.POLICE:
        return {principal.police_zone or ""}
    return {b.police_zone for b in repo.bins(session, principal.bin_ids)}


def list_messages(
    session: Session, caller: Caller, status: AlertStatus | None = None, limit: int = 50
) -> list[AlertOut]:
    """The caller's newest messages (for the police: of their zone), newest first; those
    `awaiting_approval` are the ones with a part awaiting the caller's zone's decision."""
    visible = visible_bin_ids(session, caller.principal)
    if status is AlertStatus.AWAITING_APPROVAL:
        rows = repo.awaiting_messages(session, _caller_zones(session, caller))
    else:
        rows = repo.recent_messages(session, status.value if status else None)
    return [_out(a) for a in rows if _sees(visible, a)][:limit]


def get(session: Session, caller: Caller, alert_id: int, settings: Settings) -> MessageDetail:
    alert = alerts.visible_alert(session, caller, alert_id)
    return message_detail(session, caller, alert, settings)


def may_decide(session: Session, principal: Principal, alert: AlertOut) -> bool:
    """Whether the pages offer this principal to approve or reject the message: a part
    awaits their zone (an admin: any part)."""
    if principal.role is Role.COORDINATOR:
        return False
    waiting = {p.police_zone for p in repo.parts(session, [alert.id]) if p.status == UNDECIDED}
    if principal.role is Role.ADMIN:
        return bool(waiting)
    return bool(principal.zones & waiting)  # its zone, or a dispatch centre's zones
