"""The webhook sender: a background service that POSTs queued jobs, signed, with backoff.

Jobs live in webhook_deliveries, so a restart loses nothing. Each round claims due jobs
with a guarded update (several processes may run a sender) and hands them to one lane per
receiver (scheme, host and port): a lane POSTs its jobs one after another, lanes run side
by side (at most `max_receivers`), and a receiver whose lane is still busy gets no new jobs
until it is done, so a slow receiver only ever delays itself.

Each POST resolves the URL's host, checks every address (addresses.py), connects to a
checked one (guard.py), and ends within `timeout` seconds, whatever the receiver does;
at most `max_response_bytes` of the answer are read. A job is tried a few quick times
(tenacity) and on failure put back with an exponentially growing delay; a refused address
fails it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy.orm import Session
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from binalert.clock import utcnow
from binalert.runtime import Runtime
from binalert.webhooks import repository as repo
from binalert.webhooks import signing
from binalert.webhooks.addresses import Address, AddressPolicy, Refused, Target, target_of
from binalert.webhooks.guard import Pinned, Resolver, Unresolved, UrlGuard, pin
from store.announce import WEBHOOK_JOBS

log = logging.getLogger(__name__)


class SendFailed(Exception):
    """The receiver did not answer 2xx, or not in time."""


RETRYABLE = (httpx.HTTPError, SendFailed, Unresolved)


@dataclass(frozen=True)
class SenderOptions:
    poll_seconds: float = 2.0
    quick_tries: int = 3
    quick_wait: float = 0.5
    backoff_base: float = 30.0
    backoff_max: float = 3600.0
    max_rounds: int = 8
    lease_seconds: float = 120.0
    timeout: float = 10.0
    """The whole of one POST: resolving, connecting, sending, the answer."""
    max_response_bytes: int = 64 * 1024
    batch: int = 20
    max_receivers: int = 8
    """Receivers served at the same time, one POST in flight each."""
    per_receiver: int = 3
    """Jobs one receiver gets in one round, sent one after another."""

    def __post_init__(self) -> None:
        if self.lease_seconds <= self.lane_seconds:
            raise ValueError("lease_seconds must outlast one receiver's jobs of a round")

    @property
    def lane_seconds(self) -> float:
        """The longest one receiver's jobs of one round can take."""
        waits = sum(min(10.0, self.quick_wait * 2**i) for i in range(self.quick_tries - 1))
        return self.per_receiver * (self.quick_tries * self.timeout + waits)


@dataclass(frozen=True)
class Job:
    id: int
    url: str
    secret: str
    event: str
    body: bytes
    tries_before: int
    receiver: str


@dataclass
class _Answer:
    status: int | None = None


def receiver_key(url: str) -> str:
    """The receiver a URL points at (scheme, host, port); one POST in flight each."""
    try:
        return target_of(url).key
    except Refused:
        return url


class WebhookSender:
    def __init__(
        self,
        runtime: Runtime,
        options: SenderOptions | None = None,
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.runtime = runtime
        self.options = options or SenderOptions()
        policy = AddressPolicy.from_spec(runtime.settings.webhook_allow_networks)
        self.guard = UrlGuard(policy, resolver)
        self._transport = transport
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._dns: ThreadPoolExecutor | None = None
        self._lanes: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        self._idle = asyncio.Event()
        self._idle.set()
        self.sent = 0
        self.failed = 0

    async def open(self) -> None:
        """The HTTP client, without the background loop (start() opens it too)."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport,
                timeout=self.options.timeout,
                follow_redirects=False,
                trust_env=False,  # a proxy from the environment would connect elsewhere
                limits=httpx.Limits(max_keepalive_connections=0),  # one connection a POST
            )
        if self._dns is None:
            self._dns = ThreadPoolExecutor(self.options.max_receivers, "webhook-dns")

    async def start(self) -> None:
        if self._task is not None:
            return
        await self.open()
        self._stopping = False
        self._idle = asyncio.Event()  # bound to this loop
        self._idle.set()
        self._task = asyncio.create_task(self._run(), name="webhook-sender")

    async def stop(self) -> None:
        """End the loop (after a claim in progress), give the POSTs in flight a bounded
        time, then close the client."""
        self._stopping = True
        grace = self.options.timeout * self.options.quick_tries
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), grace)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._settle_lanes(grace)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._dns is not None:
            self._dns.shutdown(wait=False, cancel_futures=True)
            self._dns = None

    async def _settle_lanes(self, grace: float) -> None:
        """Wait for the lanes up to `grace`; the rest are cancelled (their leases run out)."""
        lanes = list(self._lanes.values())
        if not lanes:
            return
        _, pending = await asyncio.wait(lanes, timeout=grace)
        for lane in pending:
            lane.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def health(self) -> dict[str, object]:
        running = self._task is not None and not self._task.done()
        return {"service": "webhook_sender", "connected": running, "sent": self.sent}

    async def _run(self) -> None:
        async with self.runtime.bus.subscribe(WEBHOOK_JOBS) as sub:
            while not self._stopping:
                self._idle.clear()
                try:
                    await self._dispatch()
                except Exception:  # keep the loop alive: the store may be briefly away
                    log.exception("webhook round failed")
                finally:
                    self._idle.set()
                if not self._stopping:
                    await sub.wait(self.options.poll_seconds)

    async def run_once(self) -> int:
        """Claim the due jobs and send them; how many were handled (waits for them)."""
        handled, lanes = await self._dispatch()
        await asyncio.gather(*lanes)
        return handled

    async def _dispatch(self) -> tuple[int, list[asyncio.Task[None]]]:
        """Claim due jobs for idle receivers and start a lane for each; does not wait."""
        room = self.options.max_receivers - len(self._lanes)
        if room <= 0:
            return 0, []
        claimed = await asyncio.to_thread(self._claim, set(self._lanes), room)
        lanes = [self._open_lane(key, jobs) for key, jobs in claimed.items()]
        return sum(len(jobs) for jobs in claimed.values()), lanes

    def _open_lane(self, key: str, jobs: list[Job]) -> asyncio.Task[None]:
        lane = asyncio.create_task(self._lane(jobs), name=f"webhook-lane {key}")
        self._lanes[key] = lane
        lane.add_done_callback(lambda done: self._close_lane(key, done))
        return lane

    def _close_lane(self, key: str, lane: asyncio.Task[None]) -> None:
        if self._lanes.get(key) is lane:
            del self._lanes[key]

    async def _lane(self, jobs: list[Job]) -> None:
        for job in jobs:
            try:
                await self._deliver(job)
            except Exception:  # the store was away: the lease runs out, the job comes back
                log.exception("webhook job %s not recorded", job.id)

    def _claim(self, busy: set[str], room: int) -> dict[str, list[Job]]:
        now = utcnow()
        lease = now + timedelta(seconds=self.options.lease_seconds)
        lanes: dict[str, list[Job]] = {}
        with self.runtime.store.session() as session:
            hooks = repo.webhook_urls(session) if busy else []
            skip = [i for i, url in hooks if receiver_key(url) in busy]
            for job_id in repo.due_job_ids(session, now, self.options.batch, skip):
                job = _load(session, job_id)
                if job is None or not self._fits(lanes, job.receiver, room):
                    continue
                if repo.claim(session, job_id, now, lease):
                    lanes.setdefault(job.receiver, []).append(job)
        return lanes

    def _fits(self, lanes: dict[str, list[Job]], key: str, room: int) -> bool:
        if key in lanes:
            return len(lanes[key]) < self.options.per_receiver
        return len(lanes) < room

    async def _deliver(self, job: Job) -> None:
        tries = 0
        error: str | None = None
        final = False
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.options.quick_tries),
                wait=wait_exponential(multiplier=self.options.quick_wait, max=10),
                retry=retry_if_exception_type(RETRYABLE),
                reraise=True,
            ):
                with attempt:
                    tries += 1
                    await self._post(job)
        except Refused as exc:  # never connected; not tried again
            error, final = f"Refused: {exc}", True
        except RETRYABLE as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        await asyncio.to_thread(self._finish, job, tries, error, final)

    async def _post(self, job: Job) -> None:
        """One POST within the deadline. Once the status line is in, the deadline only cuts
        the reading of the answer short."""
        answer = _Answer()
        try:
            async with asyncio.timeout(self.options.timeout):
                target, addresses = await self.guard.addresses(job.url, self._dns)
                await self._post_to_first(job, target, addresses, answer)
        except TimeoutError as exc:
            if answer.status is None:
                raise SendFailed(f"no answer within {self.options.timeout:g} s") from exc
        if answer.status is None or not 200 <= answer.status < 300:
            raise SendFailed(f"receiver answered HTTP {answer.status}")

    async def _post_to_first(
        self, job: Job, target: Target, addresses: Sequence[Address], answer: _Answer
    ) -> None:
        """POST to the first checked address that takes the connection."""
        failure: httpx.ConnectError | None = None
        for address in addresses:
            try:
                return await self._exchange(job, pin(target, address), answer)
            except httpx.ConnectError as exc:
                failure = exc
        raise failure or SendFailed("no address to connect to")

    async def _exchange(self, job: Job, pinned: Pinned, answer: _Answer) -> None:
        assert self._client is not None
        headers = _signed_headers(job) | pinned.headers
        async with self._client.stream(
            "POST", pinned.url, content=job.body, headers=headers, extensions=pinned.extensions
        ) as response:
            answer.status = response.status_code
            await self._skim(response)

    async def _skim(self, response: httpx.Response) -> None:
        """Read at most max_response_bytes of the answer, then hang up."""
        seen = 0
        async for chunk in response.aiter_raw():
            seen += len(chunk)
            if seen >= self.options.max_response_bytes:
                return

    def _backoff(self, rounds: int) -> float:
        state = RetryCallState(None, None, (), {})  # type: ignore[arg-type]
        state.attempt_number = rounds
        wait = wait_exponential(multiplier=self.options.backoff_base, max=self.options.backoff_max)
        return float(wait(state))

    def _finish(self, job: Job, tries: int, error: str | None, final: bool = False) -> None:
        now = utcnow()
        total = job.tries_before + tries
        with self.runtime.store.session() as session:
            if error is None:
                self.sent += 1
                repo.update_job(
                    session,
                    job.id,
                    status=repo.DELIVERED,
                    tries=total,
                    delivered_at=now,
                    last_error=None,
                )
                return
            self.failed += 1
            rounds = -(-total // max(self.options.quick_tries, 1))
            final = final or rounds >= self.options.max_rounds
            repo.update_job(
                session,
                job.id,
                tries=total,
                last_error=error,
                status=repo.FAILED if final else repo.PENDING,
                next_try_at=now + timedelta(seconds=self._backoff(rounds)),
            )


def _load(session: Session, job_id: int) -> Job | None:
    found = repo.job_with_webhook(session, job_id)
    if found is None:
        return None
    job, hook = found
    body = json.dumps(job.payload, separators=(",", ":"), sort_keys=True).encode()
    return Job(job.id, hook.url, hook.secret, job.event, body, job.tries, receiver_key(hook.url))


def _signed_headers(job: Job) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json",
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature(job.secret, timestamp, job.body),
        signing.EVENT_HEADER: job.event,
        signing.DELIVERY_HEADER: str(job.id),
    }
