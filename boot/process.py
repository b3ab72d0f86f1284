"""The processes `binalert serve` and `binalert worker` run, built from the settings.

The worker never loads the web application (FastAPI, the routers, the templates: about 15 MB
of a worker's memory): `serve` lives in boot.serve, which only `binalert serve` imports."""

from __future__ import annotations

import asyncio
import logging
import signal

from binalert import logredact, migrate
from binalert.auth import passwords
from binalert.auth.totpkeys import TotpKeys, reseal_all
from binalert.runtime import Runtime
from binalert.secretfile import SecretFileError
from binalert.settings import Settings
from hooks.sender import WebhookSender
from ivr.service import DispatcherService
from sms.worker import SmsWorker
from store.db import Store
from store.pgnotify import PgWakeups

log = logging.getLogger("binalert")


def build_runtime(settings: Settings, with_dispatcher: bool) -> Runtime:
    """The store (at the current schema), the speech service and the background services."""
    store = Store(settings.database_url)
    migrate.require_current_schema(store.engine)
    settings.server_secret()  # made (development) or refused now, not at the first request
    passwords.set_slots(settings.signin_hash_slots)
    _seal_totp_secrets(settings, store)
    runtime = Runtime(settings, store)
    if store.is_postgres:
        runtime.services.append(PgWakeups(store.url, runtime.bus))
    runtime.services.append(WebhookSender(runtime))
    if with_dispatcher:
        runtime.services.append(DispatcherService(runtime))
        if settings.smsc() is not None:  # the SMS worker goes where the dialers go (#22)
            runtime.services.append(SmsWorker(runtime))
    return runtime


def _seal_totp_secrets(settings: Settings, store: Store) -> None:
    """TOTP secrets still plain (from before migration 0008) or under the previous server
    secret are encrypted with the current one."""
    with store.session() as session:
        done, unreadable = reseal_all(session, TotpKeys.from_settings(settings))
    if done:
        log.info("%d TOTP secret(s) encrypted with the current server secret", done)
    if unreadable:
        log.warning(
            "%d TOTP secret(s) are not readable with the current or previous server secret: "
            "those accounts cannot sign in until BINALERT_PREVIOUS_SESSION_SECRET is set or "
            "an admin resets them",
            unreadable,
        )


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logredact.install()


def runtime_or_exit(settings: Settings, with_dispatcher: bool) -> Runtime:
    try:
        return build_runtime(settings, with_dispatcher)
    except (migrate.SchemaOutOfDate, SecretFileError) as error:
        raise SystemExit(f"binalert: {error}") from error


def run_worker(settings: Settings) -> None:
    configure_logging()
    asyncio.run(_worker_main(runtime_or_exit(settings, with_dispatcher=True)))


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
