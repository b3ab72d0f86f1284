"""Composition root: the processes `binalert serve` and `binalert worker` run."""

from __future__ import annotations

import asyncio
import logging
import signal

import uvicorn

from binalert import migrate
from binalert.db import Store
from binalert.pgnotify import PgWakeups
from binalert.runtime import Runtime
from binalert.settings import Settings
from binalert.webhooks.sender import WebhookSender
from binalert.webhooks.service import install as install_webhook_hook

log = logging.getLogger("binalert")


def build_runtime(settings: Settings, with_dispatcher: bool) -> Runtime:
    store = Store(settings.database_url)
    migrate.require_current_schema(store.engine)
    runtime = Runtime(settings=settings, store=store)
    if store.is_postgres:
        runtime.services.append(PgWakeups(store.url, runtime.bus))
    install_webhook_hook()
    runtime.services.append(WebhookSender(runtime))
    if with_dispatcher:
        from ivr.service import DispatcherService

        runtime.services.append(DispatcherService(runtime))
    return runtime


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def serve_forever(
    settings: Settings, host: str | None, port: int | None, with_dispatcher: bool
) -> None:
    from api.app import create_app

    _configure_logging()
    try:
        runtime = build_runtime(settings, with_dispatcher)
    except migrate.SchemaOutOfDate as error:
        raise SystemExit(f"binalert: {error}") from error
    app = create_app(runtime)
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_level="info")


def run_worker(settings: Settings) -> None:
    _configure_logging()
    try:
        runtime = build_runtime(settings, with_dispatcher=True)
    except migrate.SchemaOutOfDate as error:
        raise SystemExit(f"binalert: {error}") from error
    asyncio.run(_worker_main(runtime))


async def _worker_main(runtime: Runtime) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for service in runtime.services:
        await service.start()
    log.info("worker running; SIGTERM or Ctrl-C stops it gracefully")
    await stop.wait()
    for service in reversed(runtime.services):
        await service.stop()
