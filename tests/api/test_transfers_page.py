"""The live page and the API say who was put through to the police (press 3) and when (#14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.web.times import local
from binalert.deliveries import lifecycle
from binalert.models import Delivery, Role, WebhookDelivery
from ivr import wire
from store.db import Store
from tests.api.conftest import ZONE_1, World
from tests.api.helpers import create_alert, make_account, page_sign_in

POLICE = "agent@politie.example"


def test_the_live_page_shows_who_was_put_through_and_when(
    client: TestClient, world: World, store: Store
) -> None:
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "secret": "s" * 32},
        headers=world.auth("police"),
    )
    assert hook.status_code == 201, hook.text
    alert = create_alert(client, world)
    options = lifecycle.ClaimOptions("w", "pbx1", wire.call_id, 300)
    with store.session() as s:
        calls = lifecycle.claim_due(s, datetime.now(UTC), 10, options)
    call = next(c for c in calls if c.alert_id == alert["id"])
    moment = datetime(2026, 7, 1, 12, 34, tzinfo=UTC)  # 14:34 in Brussels (summer time)
    with store.session() as s:
        assert lifecycle.acknowledge(s, call.channel_id, "3", moment)
        member_id = s.scalars(select(Delivery.member_id).where(Delivery.id == call.delivery_id))
        member = member_id.one()
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    assert page_sign_in(client, POLICE).status_code == 303
    html = client.get(f"/alerts/{alert['id']}/live").text
    assert 'id="transfers"' in html and f"#{member} ({local(moment, '%H:%M')})" in html
    assert "put through to the police" in html and "14:34" in html
    items = client.get(
        f"/api/v1/alerts/{alert['id']}/deliveries", headers=world.auth("police")
    ).json()["items"]
    transferred = [i for i in items if i["transferred_at"]]
    assert [i["member_id"] for i in transferred] == [member]
    assert transferred[0]["status"] == "acknowledged"
    assert transferred[0]["last_outcome"] == "transferred"
    with store.session() as s:  # the zone's webhooks hear of it, signed like an acknowledgement
        jobs = s.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "transferred"))
        [job] = list(jobs)
        assert job.payload["data"]["delivery_id"] == call.delivery_id


def test_a_1_on_a_call_back_is_shown_as_heard_unverified_never_as_acknowledged(
    client: TestClient, world: World, store: Store
) -> None:
    """A call back is recognised by caller ID, which anyone can send: the police see its 1
    as heard on a call-back (unverified), in the counts and the member's row, and it does
    not count as acknowledged."""
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "secret": "s" * 32},
        headers=world.auth("police"),
    )
    assert hook.status_code == 201, hook.text
    alert = create_alert(client, world)
    with store.session() as s:
        delivery = s.scalars(select(Delivery).where(Delivery.alert_id == alert["id"])).first()
        assert delivery is not None
        delivery_id, phone = delivery.id, delivery.phones[0]
    now = datetime.now(UTC)
    call_id = "bi1796045058000777"
    with store.session() as s:
        found = lifecycle.open_call_back(s, phone, call_id, "pbx1", now, now + timedelta(minutes=5))
        assert found.target is not None and found.target.delivery_id == delivery_id
        assert lifecycle.acknowledge(s, call_id, "1", now)
    stats = client.get(f"/api/v1/alerts/{alert['id']}", headers=world.auth("police")).json()
    assert stats["stats"]["acknowledged"] == 0 and stats["stats"]["heard_on_call_back"] == 1
    assert stats["stats"]["by_outcome"].get("callback_unverified") == 1
    items = client.get(
        f"/api/v1/alerts/{alert['id']}/deliveries", headers=world.auth("police")
    ).json()["items"]
    [heard] = [i for i in items if i["heard_on_call_back_at"]]
    assert heard["status"] == "pending" and heard["acknowledged_at"] is None
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    assert page_sign_in(client, POLICE).status_code == 303
    html = client.get(f"/alerts/{alert['id']}/live").text
    assert 'id="count-heard-on-call-back">1<' in html
    assert 'id="count-acknowledged">0<' in html
    assert "heard on call-back (unverified)" in html
    with store.session() as s:  # webhooks hear of acknowledgements only
        assert not list(s.scalars(select(WebhookDelivery)))
