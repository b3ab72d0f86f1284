"""`binalert serve`: the API (and by default the dispatcher) in one process."""

from __future__ import annotations

import uvicorn

from api.app import create_app
from binalert.settings import Settings
from boot.process import configure_logging, runtime_or_exit


def serve_forever(
    settings: Settings, host: str | None, port: int | None, with_dispatcher: bool
) -> None:
    configure_logging()
    # The address it listens at, which one-time links name when BINALERT_PUBLIC_URL is unset.
    settings = settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )
    app = create_app(runtime_or_exit(settings, with_dispatcher))
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=None,  # uvicorn's records reach the root handlers and their phone filter
        # X-Forwarded-* only from the proxy named in the settings; none named: from nobody
        proxy_headers=bool(settings.forwarded_allow_ips.strip()),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
    )
