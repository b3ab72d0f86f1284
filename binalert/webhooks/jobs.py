"""Webhook jobs: acknowledgements, members put through to the police (`transferred`), SMS
outcomes (`sms_delivered`, `sms_failed`) and alert completions are queued for every
subscribed webhook in the same transaction as their delivery event (an events hook,
registered once per store by the Runtime).

A zone's webhooks hear of its own members only (#21 point 6): a delivery's event goes to the
zones of the member's BINs in the alert (as the zone's police see the deliveries), an alert's
own events (completion) to every zone the alert touches; webhooks without a zone (an
admin's) hear of everything."""

from __future__ import annotations

from sqlalchemy.orm import Session

from binalert.clock import utcnow
from binalert.deliveries import events
from binalert.models import DeliveryEvent, WebhookDelivery
from binalert.webhooks import repository as repo
from store.announce import WEBHOOK_JOBS, announce

# SMS (#22): its outcomes (delivered, failed: undeliverable, expired, no receipt, ...) as the
# call's are (acknowledged, with `channel: "sms"` for a reply 1); not queued or sent, as no
# call's start is sent either.
WEBHOOK_EVENTS = (
    events.ACKNOWLEDGED,
    events.TRANSFERRED,
    events.ALERT_COMPLETED,
    events.SMS_DELIVERED,
    events.SMS_FAILED,
)


def payload(session: Session, event: DeliveryEvent) -> dict[str, object]:
    return {
        "event": event.kind,
        "event_id": event.id,
        "alert_id": event.alert_id,
        "at": event.created_at.isoformat(),
        "data": event.data,
    }


def enqueue(session: Session, event: DeliveryEvent) -> None:
    """The events hook: one job per subscribed webhook, in the event's transaction."""
    if event.kind not in WEBHOOK_EVENTS:
        return
    if event.delivery_id is not None:
        zones = repo.zones_of_delivery(session, event.delivery_id)
    else:
        zones = repo.zones_of_alert(session, event.alert_id)
    body = payload(session, event)
    now = utcnow()
    for hook in repo.subscribers(session, zones):
        announce(session, WEBHOOK_JOBS)
        repo.add_job(
            session,
            WebhookDelivery(
                webhook_id=hook.id,
                event=event.kind,
                payload=body,
                status=repo.PENDING,
                tries=0,
                next_try_at=now,
                created_at=now,
            ),
        )
