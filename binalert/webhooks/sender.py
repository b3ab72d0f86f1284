"""The webhook sender: a background service that POSTs queued jobs, signed, with backoff.

Jobs live in webhook_deliveries, so a restart loses nothing. Each round claims due jobs
with a guarded update (several processes may run a sender), tries a few quick times
(tenacity), and on failure puts the job back with an exponentially growing delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from binalert.announce import WEBHOOK_JOBS
from binalert.clock import utcnow
from binalert.runtime import Runtime
from binalert.webhooks import repository as repo
from binalert.webhooks import signing

log = logging.getLogger(__name__)


class SendFailed(Exception):
    """The receiver did not answer 2xx."""


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
    batch: int = 20


@dataclass(frozen=True)
class Job:
    id: int
    url: str
    secret: str
    event: str
    body: bytes
    tries_before: int


class WebhookSender:
    def __init__(self, runtime: Runtime, options: SenderOptions | None = None) -> None:
        self.runtime = runtime
        self.options = options or SenderOptions()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._stopping = False
        self._idle = asyncio.Event()
        self._idle.set()
        self.sent = 0
        self.failed = 0

    async def open(self) -> None:
        """The HTTP client, without the background loop (start() opens it too)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.options.timeout, follow_redirects=False)

    async def start(self) -> None:
        if self._task is not None:
            return
        await self.open()
        self._stopping = False
        self._idle = asyncio.Event()  # bound to this loop
        self._idle.set()
        self._task = asyncio.create_task(self._run(), name="webhook-sender")

    async def stop(self) -> None:
        """Let a round in progress finish (bounded), then end the loop and close the client."""
        if self._task is not None:
            self._stopping = True
            grace = self.options.timeout * self.options.quick_tries
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), grace)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def health(self) -> dict[str, object]:
        running = self._task is not None and not self._task.done()
        return {"service": "webhook_sender", "connected": running, "sent": self.sent}

    async def _run(self) -> None:
        async with self.runtime.bus.subscribe(WEBHOOK_JOBS) as sub:
            while not self._stopping:
                self._idle.clear()
                try:
                    await self.run_once()
                except Exception:  # keep the loop alive: the store may be briefly away
                    log.exception("webhook round failed")
                finally:
                    self._idle.set()
                if not self._stopping:
                    await sub.wait(self.options.poll_seconds)

    async def run_once(self) -> int:
        """Send every due job once; how many were handled."""
        jobs = await asyncio.to_thread(self._claim)
        await asyncio.gather(*(self._deliver(job) for job in jobs))
        return len(jobs)

    def _claim(self) -> list[Job]:
        now = utcnow()
        lease = now + timedelta(seconds=self.options.lease_seconds)
        jobs = []
        with self.runtime.store.session() as session:
            for job_id in repo.due_job_ids(session, now, self.options.batch):
                if not repo.claim(session, job_id, now, lease):
                    continue
                found = repo.job_with_webhook(session, job_id)
                if found is None:
                    continue
                job, hook = found
                body = json.dumps(job.payload, separators=(",", ":"), sort_keys=True).encode()
                jobs.append(Job(job.id, hook.url, hook.secret, job.event, body, job.tries))
        return jobs

    async def _deliver(self, job: Job) -> None:
        tries = 0
        error: str | None = None
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.options.quick_tries),
                wait=wait_exponential(multiplier=self.options.quick_wait, max=10),
                retry=retry_if_exception_type((httpx.HTTPError, SendFailed)),
                reraise=True,
            ):
                with attempt:
                    tries += 1
                    await self._post(job)
        except (httpx.HTTPError, SendFailed) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        await asyncio.to_thread(self._finish, job, tries, error)

    async def _post(self, job: Job) -> None:
        assert self._client is not None
        if not job.url.startswith(("http://", "https://")):
            raise SendFailed("only http(s) URLs are allowed")
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            signing.TIMESTAMP_HEADER: str(timestamp),
            signing.SIGNATURE_HEADER: signing.signature(job.secret, timestamp, job.body),
            signing.EVENT_HEADER: job.event,
            signing.DELIVERY_HEADER: str(job.id),
        }
        response = await self._client.post(job.url, content=job.body, headers=headers)
        if not 200 <= response.status_code < 300:
            raise SendFailed(f"receiver answered HTTP {response.status_code}")

    def _backoff(self, rounds: int) -> float:
        state = RetryCallState(None, None, (), {})  # type: ignore[arg-type]
        state.attempt_number = rounds
        wait = wait_exponential(multiplier=self.options.backoff_base, max=self.options.backoff_max)
        return float(wait(state))

    def _finish(self, job: Job, tries: int, error: str | None) -> None:
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
            final = rounds >= self.options.max_rounds
            repo.update_job(
                session,
                job.id,
                tries=total,
                last_error=error,
                status=repo.FAILED if final else repo.PENDING,
                next_try_at=now + timedelta(seconds=self._backoff(rounds)),
            )
