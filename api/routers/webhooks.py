"""/api/v1/webhooks: register a signed callback, list it, see its deliveries, deactivate it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CallerDep, Id, PageDep, RuntimeDep
from api.errors import ERROR_RESPONSES
from binalert.paging import Page
from binalert.webhooks import service
from binalert.webhooks.addresses import AddressPolicy
from binalert.webhooks.guard import UrlGuard
from binalert.webhooks.schemas import WebhookCreate, WebhookDeliveryOut, WebhookOut

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=ERROR_RESPONSES)


@router.post("", status_code=201)
def create_webhook(data: WebhookCreate, caller: CallerDep, runtime: RuntimeDep) -> WebhookOut:
    """Acknowledgements and alert completions are POSTed as JSON, signed: see
    X-Binalert-Signature = "sha256=" + HMAC-SHA256(secret, timestamp + "." + body).
    A URL whose host is or resolves to a loopback, private, link-local or metadata address
    is refused (422) unless an admin allowed its network."""
    guard = UrlGuard(AddressPolicy.from_spec(runtime.settings.webhook_allow_networks))
    with runtime.store.session() as session:
        return service.create(session, caller, data, guard)


@router.get("")
def list_webhooks(caller: CallerDep, runtime: RuntimeDep, page: PageDep) -> Page[WebhookOut]:
    with runtime.store.session() as session:
        return service.list_webhooks(session, caller, page)


@router.get("/{webhook_id}")
def get_webhook(webhook_id: Id, caller: CallerDep, runtime: RuntimeDep) -> WebhookOut:
    with runtime.store.session() as session:
        return service.get(session, caller, webhook_id)


@router.delete("/{webhook_id}")
def deactivate_webhook(webhook_id: Id, caller: CallerDep, runtime: RuntimeDep) -> WebhookOut:
    with runtime.store.session() as session:
        return service.deactivate(session, caller, webhook_id)


@router.get("/{webhook_id}/deliveries")
def list_webhook_deliveries(
    webhook_id: Id, caller: CallerDep, runtime: RuntimeDep, page: PageDep
) -> Page[WebhookDeliveryOut]:
    with runtime.store.session() as session:
        return service.jobs(session, caller, webhook_id, page)
