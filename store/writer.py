"""A writer's way to the store: what it asks while a transaction is running waits and goes
into the next transaction, together (the dialer's, ivr/dialer.py; the SMS worker's,
sms/worker.py).

A call that ends, an acknowledgement and the claim that refills the line each used to be
a transaction and a thread hand-off of their own; under load one transaction now carries
all of them (so do an SMS's answer and the receipts that came meanwhile). If anything in a
batch fails, the batch is rolled back and each job runs again in a transaction of its own,
so one failure never takes another job's write with it.

A job may also be one item of a step that takes many (`run_many(fn, item)`, fn(session,
items) -> a result per item): the items of a batch go to one call of fn, in the place of
the first of them, so a hundred receipts are a few statements instead of a few hundred.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from store.db import Store

T = TypeVar("T")


@dataclass
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    future: asyncio.Future[Any]
    many: bool = False  # fn(session, [items]) for all such jobs of the batch together


Outcome = tuple[bool, Any]  # (succeeded, result or exception)


class StoreWriter:
    def __init__(self, store: Store, pool: ThreadPoolExecutor) -> None:
        self._store = store
        self._pool = pool
        self._queue: list[_Job] = []
        self._draining: asyncio.Task[None] | None = None
        self.transactions = 0
        self.jobs = 0

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(session, *args) in a transaction on the store thread, with whatever else is
        waiting; its result or its exception."""
        result: T = await self.submit(fn, *args)
        return result

    async def run_many(self, fn: Callable[[Session, list[Any]], list[T]], item: Any) -> T:
        """fn(session, items)'s result for `item`, where items are all that waited with it
        for the same fn (in the order they were queued); as `run` otherwise."""
        result: T = await self.submit_many(fn, item)
        return result

    def submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Queue fn(session, *args) now (jobs run in the order they were queued)."""
        return self._queued(_Job(fn, args, asyncio.get_running_loop().create_future()))

    def submit_many(
        self, fn: Callable[[Session, list[Any]], list[Any]], item: Any
    ) -> asyncio.Future[Any]:
        """Queue `item` for fn(session, items) (see run_many)."""
        future = asyncio.get_running_loop().create_future()
        return self._queued(_Job(fn, (item,), future, many=True))

    def _queued(self, job: _Job) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        self._queue.append(job)
        if self._draining is None:
            self._draining = loop.create_task(self._drain(), name="store-writer")
        return job.future

    async def flush(self) -> None:
        """Wait until everything queued so far is written."""
        while self._draining is not None:
            await asyncio.shield(self._draining)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await asyncio.sleep(0)  # what this turn of the event loop asks goes in too
            while self._queue:
                batch, self._queue = self._queue, []
                outcomes = await loop.run_in_executor(self._pool, self._write, batch)
                for job, (ok, value) in zip(batch, outcomes, strict=True):
                    if job.future.done():  # its caller was cancelled
                        continue
                    if ok:
                        job.future.set_result(value)
                    else:
                        job.future.set_exception(value)
        finally:
            self._draining = None
            for job in self._queue:  # only if the loop itself is going away
                with contextlib.suppress(asyncio.InvalidStateError):
                    job.future.cancel()

    def _write(self, batch: list[_Job]) -> list[Outcome]:
        self.transactions += 1
        self.jobs += len(batch)
        try:
            with self._store.session() as session:
                return _run_batch(batch, session)
        except Exception as error:
            if len(batch) == 1:
                return [(False, error)]
        return [self._write_alone(job) for job in batch]

    def _write_alone(self, job: _Job) -> Outcome:
        self.transactions += 1
        try:
            with self._store.session() as session:
                return True, _call(job, session)
        except Exception as error:
            return False, error


def _call(job: _Job, session: Session) -> Any:
    if job.many:
        [result] = job.fn(session, [job.args[0]])
        return result
    return job.fn(session, *job.args)


def _run_batch(batch: list[_Job], session: Session) -> list[Outcome]:
    """Each job in its turn; the items of a `many` step all at the turn of its first."""
    together: dict[Callable[..., Any], list[int]] = {}
    for index, job in enumerate(batch):
        if job.many:
            together.setdefault(job.fn, []).append(index)
    outcomes: list[Outcome] = [(False, None)] * len(batch)
    for index, job in enumerate(batch):
        if not job.many:
            outcomes[index] = (True, job.fn(session, *job.args))
        elif together.get(job.fn, [None])[0] == index:
            places = together.pop(job.fn)
            results = job.fn(session, [batch[i].args[0] for i in places])
            for place, result in zip(places, results, strict=True):
                outcomes[place] = (True, result)
    return outcomes
