"""Webhooks cannot be aimed inside: refused addresses at registration and at each send
(with DNS answers stubbed), requests pinned to the checked address, TLS checked against
the registered name, bounded answers, and a slow receiver that delays nobody else.

Nothing here sends to an address outside 127.0.0.0/8: a public or private answer comes
from a stub resolver and goes to a stub transport, which records instead of connecting.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from binalert.runtime import Runtime
from binalert.settings import get_settings
from binalert.webhooks import guard as guard_module
from binalert.webhooks.addresses import Address, AddressPolicy, Refused, target_of
from binalert.webhooks.guard import Unresolved
from hooks.sender import SenderOptions, WebhookSender
from store.db import Store
from tests.api.conftest import World, api_settings
from tests.api.helpers import create_alert
from tests.api.receiver import endless, tls_contexts, trickle, webhook_receiver
from tests.api.test_events import run_calls
from tests.api.test_webhooks import FAST, SECRET, jobs, register, verified

PUBLIC = "93.184.215.14"  # only ever handed to a stub transport


class StubDns:
    """Answers in turn per name (the last one again and again); unknown names do not resolve."""

    def __init__(self, **answers: list[str] | list[list[str]]) -> None:
        self.answers = {name.replace("_", "."): list(a) for name, a in answers.items()}
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[Address]:
        self.asked.append(host)
        queue = self.answers.get(host)
        if not queue:
            raise Unresolved("the URL's host name does not resolve")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        names = [answer] if isinstance(answer, str) else answer
        return [ipaddress.ip_address(a) for a in names]


class Body(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"ok"


class Recorder:
    """A stub transport: records each request, answers 200, connects nowhere."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, stream=Body())

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def one_round(runtime: Runtime, **sender: Any) -> int:
    options = sender.pop("options", FAST)

    async def go() -> int:
        webhooks = WebhookSender(runtime, options, **sender)
        await webhooks.open()
        try:
            return await asyncio.wait_for(webhooks.run_once(), 15)
        finally:
            await webhooks.stop()

    return asyncio.run(go())


def closed_runtime(store: Store, tmp_path: Path, allow: str = "") -> Runtime:
    """Settings as in production: no network allowed beyond the public ones."""
    settings = api_settings(store, tmp_path, webhook_allow_networks=allow)
    return Runtime(settings=settings, store=store)


@pytest.fixture
def closed_client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(closed_runtime(store, tmp_path))) as client:
        yield client


def try_register(client: TestClient, world: World, url: str) -> httpx.Response:
    return client.post(
        "/api/v1/webhooks", json={"url": url, "secret": SECRET}, headers=world.auth("police")
    )


# -- the address policy, as a table ------------------------------------------------------

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),
    ("10.0.0.5", "private"),
    ("172.16.3.4", "private"),
    ("192.168.1.1", "private"),
    ("::ffff:192.168.1.1", "private"),
    ("64:ff9b::a00:5", "private"),  # NAT64 of 10.0.0.5
    ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("fec0::1", "private"),
    ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"),
    ("169.254.169.254", "metadata"),
    ("::ffff:169.254.169.254", "metadata"),
    ("fd00:ec2::254", "metadata"),
    ("169.254.170.2", "metadata"),
    ("100.100.100.200", "metadata"),
    ("100.64.0.1", "shared"),
    ("100.127.255.254", "shared"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("::ffff:0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("0.1.2.3", "private"),
    ("198.18.0.1", "private"),
    ("192.0.2.1", "private"),
]
ALLOWED = ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "100.128.0.1"]


@pytest.mark.parametrize(("address", "why"), REFUSED)
def test_inside_addresses_are_refused(address: str, why: str) -> None:
    reason = AddressPolicy().refusal(ipaddress.ip_address(address))
    assert reason is not None and why in reason, (address, reason)


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert AddressPolicy().refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("allow", "address", "allowed"),
    [
        ("10.20.0.0/16", "10.20.1.2", True),
        ("10.20.0.0/16", "::ffff:10.20.1.2", True),
        ("10.20.0.0/16", "10.21.0.1", False),
        ("10.20.0.0/16, fd12::/16", "fd12::7", True),
        ("127.0.0.0/8", "127.0.0.1", True),
        ("127.0.0.0/8", "::1", False),
        ("169.254.0.0/16", "169.254.1.1", True),
        ("169.254.0.0/16", "169.254.169.254", False),  # metadata: never
        ("0.0.0.0/0", "0.0.0.0", False),  # unspecified: never
        ("0.0.0.0/0", "10.0.0.5", True),
    ],
)
def test_an_allow_list_opens_chosen_networks_only(allow: str, address: str, allowed: bool) -> None:
    policy = AddressPolicy.from_spec(allow)
    assert (policy.refusal(ipaddress.ip_address(address)) is None) is allowed


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.org/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http://user:hunter2@example.org/", "user name or password"),
        ("http:///nohost", "no host"),
    ],
)
def test_urls_other_than_plain_http_are_refused(url: str, why: str) -> None:
    with pytest.raises(Refused, match=why) as refused:
        target_of(url)
    assert "hunter2" not in str(refused.value)


def test_a_receiver_is_its_scheme_host_and_port() -> None:
    assert target_of("http://Example.ORG/a").key == "http://example.org:80"
    assert target_of("https://example.org:8443/a").key == "https://example.org:8443"
    assert target_of("http://[::1]:81/").key == "http://[::1]:81"


def test_the_allow_list_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINALERT_WEBHOOK_ALLOW_NETWORKS", "10.20.0.0/16,fd12::/16")
    assert get_settings().webhook_allow_networks == "10.20.0.0/16,fd12::/16"
    assert get_settings(webhook_allow_networks="").webhook_allow_networks == ""
    with pytest.raises(ValueError, match="BINALERT_WEBHOOK_ALLOW_NETWORKS"):
        get_settings(webhook_allow_networks="10.0.0.0/8, intranet")


# -- at registration -------------------------------------------------------------------

INSIDE_URLS = [
    ("http://10.0.0.5/", "is a private address"),
    ("http://169.254.169.254/latest/meta-data", "is a cloud metadata address"),
    ("http://[::1]:8080/", "is a loopback address"),
    ("http://localhost/", "resolves to a loopback address"),
    ("http://[::ffff:127.0.0.1]/x", "is a loopback address"),
    ("http://0.0.0.0:8000/", "is an unspecified address"),
    ("http://2130706433/", "is a loopback address"),  # 127.0.0.1, written as a number
    ("http://100.64.0.9/", "is a shared"),
    ("http://[fd00:ec2::254]/", "is a cloud metadata address"),
    ("http://intranet.example.test/hook?token=s3cr3t-t0ken", "resolves to a private address"),
    ("http://split.example.test/", "resolves to a private address"),  # one bad of two
]


def test_inside_urls_are_refused_at_registration(
    closed_client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    dns = StubDns(
        intranet_example_test=["192.168.1.1"],
        split_example_test=[[PUBLIC, "10.1.2.3"]],
        localhost=["127.0.0.1"],
    )
    monkeypatch.setattr(guard_module, "system_resolve", dns)
    for url, why in INSIDE_URLS:
        response = try_register(closed_client, world, url)
        assert response.status_code == 422, (url, response.text)
        body = response.json()
        assert why in body["message"], (url, body)
        assert body["details"][0]["field"] == "url"
        assert "s3cr3t" not in response.text and SECRET not in response.text
    assert {"intranet.example.test", "split.example.test", "localhost"} <= set(dns.asked)
    listed = closed_client.get("/api/v1/webhooks", headers=world.auth("police")).json()
    assert listed["items"] == []


def test_a_password_in_the_url_is_refused_and_not_echoed(
    closed_client: TestClient, world: World
) -> None:
    response = try_register(closed_client, world, "https://dispatch:hunter2@8.8.8.8/hook")
    assert response.status_code == 422
    assert "user name or password" in response.json()["message"]
    assert "hunter2" not in response.text


def test_public_names_and_unresolved_names_are_registered(
    closed_client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that does not resolve now is taken: every send resolves and checks again."""
    monkeypatch.setattr(guard_module, "system_resolve", StubDns(hooks_example_test=[PUBLIC]))
    for url in ("https://hooks.example.test/binalert", "https://nowhere.example.test/"):
        assert try_register(closed_client, world, url).status_code == 201, url


def test_an_admin_may_allow_a_private_network(store: Store, tmp_path: Path, world: World) -> None:
    runtime = closed_runtime(store, tmp_path, allow="10.20.0.0/16, 169.254.0.0/16")
    with TestClient(create_app(runtime)) as client:
        assert try_register(client, world, "http://10.20.1.2:8080/hook").status_code == 201
        refused = try_register(client, world, "http://10.0.0.5/hook")
        assert refused.status_code == 422
        assert "an admin may allow its network" in refused.json()["message"]
        metadata = try_register(client, world, "http://169.254.169.254/latest/meta-data")
        assert metadata.status_code == 422
        assert "admin" not in metadata.json()["message"]


# -- at each send ----------------------------------------------------------------------


def queue_jobs(
    store: Store, tmp_path: Path, world: World, url: str, dns: StubDns, allow: str = ""
) -> tuple[Runtime, int]:
    """A webhook registered while `url`'s host resolved as `dns` said, and its two jobs."""
    runtime = closed_runtime(store, tmp_path, allow)
    with TestClient(create_app(runtime)) as client:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(guard_module, "system_resolve", dns)
            hook = register(client, world, url)
        create_alert(client, world)
    run_calls(store)
    return runtime, hook


def job_rows(runtime: Runtime, world: World, hook: int) -> list[dict[str, Any]]:
    with TestClient(create_app(runtime)) as client:
        return jobs(client, world, hook)


def test_a_name_turned_private_after_registration_is_never_connected_to(
    store: Store, tmp_path: Path, world: World
) -> None:
    """DNS rebinding: public when registered, private when sent; refused without a connection,
    and not tried again."""
    dns = StubDns(hooks_example_test=[PUBLIC, "192.168.1.1"])
    runtime, hook = queue_jobs(store, tmp_path, world, "https://hooks.example.test/cb", dns)
    recorder = Recorder()
    assert one_round(runtime, resolver=dns, transport=recorder.transport()) == 2
    assert recorder.requests == []
    rows = job_rows(runtime, world, hook)
    assert {r["status"] for r in rows} == {"failed"}
    assert all("resolves to a private address" in r["last_error"] for r in rows)
    assert [r["tries"] for r in rows] == [1, 1]
    assert dns.asked == ["hooks.example.test"] * 3  # at registration, then once per send


def test_every_address_a_name_resolves_to_must_pass(
    store: Store, tmp_path: Path, world: World
) -> None:
    dns = StubDns(hooks_example_test=[[PUBLIC], [PUBLIC, "::1"]])
    runtime, hook = queue_jobs(store, tmp_path, world, "http://hooks.example.test/cb", dns)
    recorder = Recorder()
    one_round(runtime, resolver=dns, transport=recorder.transport())
    assert recorder.requests == []
    assert {r["status"] for r in job_rows(runtime, world, hook)} == {"failed"}


def test_a_post_goes_to_the_checked_address_for_the_registered_name(
    store: Store, tmp_path: Path, world: World
) -> None:
    dns = StubDns(hooks_example_test=[PUBLIC])
    url = "https://hooks.example.test:8443/cb"
    runtime, hook = queue_jobs(store, tmp_path, world, url, dns)
    recorder = Recorder()
    assert one_round(runtime, resolver=dns, transport=recorder.transport()) == 2
    assert len(recorder.requests) == 2
    for request in recorder.requests:
        assert request.url.host == PUBLIC and request.url.port == 8443
        assert request.headers["host"] == "hooks.example.test:8443"
        assert request.extensions["sni_hostname"] == "hooks.example.test"
    assert {r["status"] for r in job_rows(runtime, world, hook)} == {"delivered"}


def test_a_name_is_resolved_by_the_sender_and_connected_to_as_checked(
    store: Store, tmp_path: Path, world: World
) -> None:
    """A real POST to a name only the stub knows: it can only have reached the receiver
    through the address the sender checked."""
    with webhook_receiver() as receiver:
        dns = StubDns(receiver_test=["127.0.0.1"])
        url = f"http://receiver.test:{receiver.port}/hook"
        runtime, hook = queue_jobs(store, tmp_path, world, url, dns, allow="127.0.0.0/8")
        assert one_round(runtime, resolver=dns) == 2
        assert [r.headers["host"] for r in receiver.requests] == [
            f"receiver.test:{receiver.port}"
        ] * 2
        for request in receiver.requests:
            verified(request)
    assert {r["status"] for r in job_rows(runtime, world, hook)} == {"delivered"}


def test_tls_is_checked_against_the_registered_name(
    store: Store, tmp_path: Path, world: World
) -> None:
    server_tls, client_tls = tls_contexts("receiver.test", tmp_path)
    with webhook_receiver(tls=server_tls) as receiver:
        dns = StubDns(receiver_test=["127.0.0.1"], impostor_test=["127.0.0.1"])
        right = f"https://receiver.test:{receiver.port}/hook"
        runtime, hook = queue_jobs(store, tmp_path, world, right, dns, allow="127.0.0.0/8")
        transport = httpx.AsyncHTTPTransport(verify=client_tls)
        assert one_round(runtime, resolver=dns, transport=transport) == 2
        assert receiver.server_names == ["receiver.test"] * 2
        assert {r["status"] for r in job_rows(runtime, world, hook)} == {"delivered"}

        with TestClient(create_app(runtime)) as client:
            wrong = register(client, world, f"https://impostor.test:{receiver.port}/hook")
            client.delete(f"/api/v1/webhooks/{hook}", headers=world.auth("police"))
            create_alert(client, world)
        run_calls(store)
        options = SenderOptions(quick_tries=1, quick_wait=0.01)
        transport = httpx.AsyncHTTPTransport(verify=client_tls)
        one_round(runtime, resolver=dns, transport=transport, options=options)
        rows = job_rows(runtime, world, wrong)
    assert rows and {r["status"] for r in rows} == {"pending"}
    assert all("CERTIFICATE_VERIFY_FAILED" in r["last_error"] for r in rows), rows
    assert len(receiver.requests) == 2  # the impostor's jobs never got past the handshake


# -- answers: bounded in size and time, and one receiver at a time -----------------------


@pytest.mark.timeout(30)
def test_an_endless_answer_is_read_only_up_to_the_limit(
    client: TestClient, world: World, store: Store, runtime: Runtime
) -> None:
    options = SenderOptions(quick_tries=1, timeout=5)
    with webhook_receiver(answer=endless) as receiver:
        hook = register(client, world, receiver.url)
        create_alert(client, world)
        run_calls(store)
        started = time.monotonic()
        assert one_round(runtime, options=options) == 2
        took = time.monotonic() - started
        assert receiver.cut_off.wait(5)
        sent = receiver.sent_bytes
    assert took < 4, took  # not the deadline: the sender hung up after 64 KiB
    assert sent < 32 * 1024 * 1024, sent  # what the sockets buffered, not 400 MB
    assert {j["status"] for j in jobs(client, world, hook)} == {"delivered"}


@pytest.mark.timeout(30)
def test_a_trickling_receiver_is_cut_off_at_the_deadline(
    client: TestClient, world: World, store: Store, runtime: Runtime
) -> None:
    """A byte every 0.2 s never trips a per-read timeout; the deadline is for the whole POST."""
    options = SenderOptions(quick_tries=1, timeout=1.0)
    with webhook_receiver(answer=trickle) as receiver:
        hook = register(client, world, receiver.url)
        create_alert(client, world)
        run_calls(store)
        started = time.monotonic()
        assert one_round(runtime, options=options) == 2
        took = time.monotonic() - started
        assert receiver.cut_off.wait(5)
    assert 2.0 <= took < 6, took  # the receiver's two jobs, one after the other
    rows = jobs(client, world, hook)
    assert {r["status"] for r in rows} == {"pending"}
    assert {r["last_error"] for r in rows} == {"SendFailed: no answer within 1 s"}


@pytest.mark.timeout(30)
def test_a_slow_receiver_never_delays_the_others(
    world: World, store: Store, runtime: Runtime
) -> None:
    sender = WebhookSender(runtime, SenderOptions(poll_seconds=0.1, quick_tries=1, timeout=8))
    runtime.services.append(sender)
    with (
        webhook_receiver(answer=trickle) as slow,
        webhook_receiver() as fast,
        TestClient(create_app(runtime)) as client,
    ):
        register(client, world, slow.url)  # zone 1
        register(client, world, fast.url, who="police2")  # zone 2
        create_alert(client, world)
        run_calls(store)
        assert slow.answering.wait(5)
        since = time.monotonic()
        create_alert(client, world, "police2", bin_ids=[world.bin_c])
        run_calls(store)
        assert fast.arrived.wait(5), "the fast receiver waited for the slow one"
        assert time.monotonic() - since < 5
        assert not slow.cut_off.is_set()  # still trickling
        assert {verified(r)["event"] for r in fast.requests} >= {"acknowledged"}
        slow.stopping.set()
