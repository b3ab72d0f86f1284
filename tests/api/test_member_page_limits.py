"""The member page's door without a browser (#24): one address asking /me for codes again
and again, for a member's number and for strangers' numbers, makes binalert ring at most the
limits' number of times; whatever the number, the answer looks the same."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from binalert.members import access
from binalert.models import MemberCode, ServiceCall
from store.db import Store
from tests.api.conftest import World
from tests.api.helpers import csrf_of


def _ask(client: TestClient, number: str) -> tuple[int, str]:
    csrf = csrf_of(client.get("/me").text)
    answer = client.post("/me/request", data={"csrf_token": csrf, "number": number, "via": "call"})
    return answer.status_code, answer.text


def test_a_flood_of_code_requests_rings_a_number_at_most_the_limit(
    client: TestClient, world: World, store: Store
) -> None:
    member = "050 12 34 56"  # An, a member of the world's BIN
    statuses = [_ask(client, member)[0] for _ in range(8)]
    assert statuses == [200] * access.NUMBER_PER_HOUR + [429] * (8 - access.NUMBER_PER_HOUR)
    stranger_status, stranger_page = _ask(client, "050 99 88 77")
    assert stranger_status == 200 and 'name="ticket"' in stranger_page  # looks the same
    for n in range(20):
        _ask(client, f"0470 12 34 {n:02d}")
    with store.session() as s:
        calls = s.scalar(select(func.count()).select_from(ServiceCall))
        requests = s.scalar(select(func.count()).select_from(MemberCode))
    assert calls == access.NUMBER_PER_HOUR  # only the member's number rang, 3 times
    assert requests == access.SOURCE_PER_HOUR  # then the address was refused
