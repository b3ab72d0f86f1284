"""Webhooks: police systems register a URL and a secret (jobs.py queues what is sent)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from binalert.audit.service import record
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.clock import utcnow
from binalert.errors import Invalid, NotFound
from binalert.models import Role, Webhook
from binalert.paging import Page, PageRequest, make_page
from binalert.webhooks import repository as repo
from binalert.webhooks.addresses import Refused
from binalert.webhooks.guard import UrlGuard
from binalert.webhooks.schemas import WebhookCreate, WebhookDeliveryOut, WebhookOut


def _zone_scope(caller: Caller) -> str | None:
    """The zone a police caller is limited to; None for an admin."""
    return None if caller.principal.is_admin else caller.principal.police_zone or ""


def check_url(guard: UrlGuard, url: str) -> None:
    """A URL whose host is, or resolves to, a refused address is refused (422, the reason,
    never the URL: it may carry a token)."""
    try:
        guard.check_registration(url)
    except Refused as refused:
        hint = " (an admin may allow its network)" if refused.allowable else ""
        message = f"webhook URL refused: {refused}{hint}"
        raise Invalid(message, [{"field": "url", "message": str(refused)}]) from None


def create(session: Session, caller: Caller, data: WebhookCreate, guard: UrlGuard) -> WebhookOut:
    require_role(caller.principal, Role.POLICE)
    zone = data.police_zone
    if not caller.principal.is_admin:
        if zone is not None and zone != caller.principal.police_zone:
            raise Invalid("a police token registers webhooks for its own zone only")
        zone = caller.principal.police_zone
    check_url(guard, str(data.url))
    hook = repo.add(
        session,
        Webhook(
            url=str(data.url),
            secret=data.secret,
            police_zone=zone,
            created_by=caller.principal.actor,
            created_at=utcnow(),
            active=True,
        ),
    )
    record(session, caller, "webhook.create", f"webhook:{hook.id}", url=hook.url, zone=zone)
    return WebhookOut.model_validate(hook)


def visible_webhook(session: Session, caller: Caller, webhook_id: int) -> Webhook:
    require_role(caller.principal, Role.POLICE)
    hook = repo.get(session, webhook_id)
    zone = _zone_scope(caller)
    if hook is None or (zone is not None and hook.police_zone != zone):
        raise NotFound(f"webhook {webhook_id} not found")
    return hook


def list_webhooks(session: Session, caller: Caller, request: PageRequest) -> Page[WebhookOut]:
    require_role(caller.principal, Role.POLICE)
    rows = repo.page(session, _zone_scope(caller), request.after_id, request.fetch)
    return make_page(rows, request, WebhookOut.model_validate, lambda w: w.id)


def get(session: Session, caller: Caller, webhook_id: int) -> WebhookOut:
    return WebhookOut.model_validate(visible_webhook(session, caller, webhook_id))


def deactivate(session: Session, caller: Caller, webhook_id: int) -> WebhookOut:
    hook = visible_webhook(session, caller, webhook_id)
    hook.active = False
    session.flush()
    record(session, caller, "webhook.deactivate", f"webhook:{webhook_id}")
    return WebhookOut.model_validate(hook)


def jobs(
    session: Session, caller: Caller, webhook_id: int, request: PageRequest
) -> Page[WebhookDeliveryOut]:
    visible_webhook(session, caller, webhook_id)
    rows = repo.jobs_page(session, webhook_id, request.after_id, request.fetch)
    return make_page(rows, request, WebhookDeliveryOut.model_validate, lambda j: j.id)
