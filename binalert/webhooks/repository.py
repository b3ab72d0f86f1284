"""All queries on webhooks and their delivery jobs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from binalert.models import Alert, Bin, Delivery, Membership, Webhook, WebhookDelivery

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


def add(session: Session, item: Webhook) -> Webhook:
    session.add(item)
    session.flush()
    return item


def get(session: Session, webhook_id: int) -> Webhook | None:
    return session.get(Webhook, webhook_id)


def page(session: Session, zone: str | None, after_id: int, limit: int) -> Sequence[Webhook]:
    query = select(Webhook).where(Webhook.id > after_id)
    if zone is not None:
        query = query.where(Webhook.police_zone == zone)
    return list(session.scalars(query.order_by(Webhook.id).limit(limit)))


def jobs_page(
    session: Session, webhook_id: int, after_id: int, limit: int
) -> Sequence[WebhookDelivery]:
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.id > after_id)
        .order_by(WebhookDelivery.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def zones_of_alert(session: Session, alert_id: int) -> set[str]:
    alert = session.get(Alert, alert_id)
    if alert is None:
        return set()
    query = select(Bin.police_zone).where(Bin.id.in_(list(alert.bin_ids)))
    return set(session.scalars(query))


def zones_of_delivery(session: Session, delivery_id: int) -> set[str]:
    """The zones of the BINs of the alert that the delivery's member is in (none once the
    member is erased: then only webhooks without a zone hear of it)."""
    found = session.get(Delivery, delivery_id)
    alert = session.get(Alert, found.alert_id) if found is not None else None
    if found is None or alert is None or found.member_id is None:
        return set()
    query = (
        select(Bin.police_zone)
        .join(Membership, Membership.bin_id == Bin.id)
        .where(Membership.member_id == found.member_id, Bin.id.in_(list(alert.bin_ids)))
    )
    return set(session.scalars(query))


def subscribers(session: Session, zones: Collection[str]) -> Sequence[Webhook]:
    query = select(Webhook).where(
        Webhook.active.is_(True),
        or_(Webhook.police_zone.is_(None), Webhook.police_zone.in_(list(zones))),
    )
    return list(session.scalars(query))


def add_job(session: Session, job: WebhookDelivery) -> None:
    session.add(job)


def webhook_urls(session: Session) -> list[tuple[int, str]]:
    return [(int(i), str(u)) for i, u in session.execute(select(Webhook.id, Webhook.url))]


def due_job_ids(
    session: Session, now: datetime, limit: int, skip_webhooks: Collection[int] = ()
) -> list[int]:
    """Due jobs, oldest first, leaving out those of `skip_webhooks` (receivers still busy)."""
    query = select(WebhookDelivery.id).where(
        WebhookDelivery.status == PENDING, WebhookDelivery.next_try_at <= now
    )
    if skip_webhooks:
        query = query.where(WebhookDelivery.webhook_id.not_in(list(skip_webhooks)))
    order = (WebhookDelivery.next_try_at, WebhookDelivery.id)
    return list(session.scalars(query.order_by(*order).limit(limit)))


def claim(session: Session, job_id: int, now: datetime, lease_until: datetime) -> bool:
    """Take a due job for one sender (guarded); a crashed sender's lease runs out."""
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == job_id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_try_at <= now,
        )
        .values(next_try_at=lease_until)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def job_with_webhook(session: Session, job_id: int) -> tuple[WebhookDelivery, Webhook] | None:
    job = session.get(WebhookDelivery, job_id)
    hook = session.get(Webhook, job.webhook_id) if job is not None else None
    return (job, hook) if job is not None and hook is not None else None


def update_job(session: Session, job_id: int, **values: Any) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == job_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def job_status_counts(session: Session) -> dict[str, int]:
    query = select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
    return {str(status): int(n) for status, n in session.execute(query)}
