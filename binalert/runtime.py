"""What the API and the dispatcher share inside one process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from binalert.bus import EventBus
from binalert.db import Store
from binalert.settings import Settings


class BackgroundService(Protocol):
    """Something the process runs beside the API (the dispatcher, the webhook sender)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def health(self) -> dict[str, object]: ...


@dataclass
class Runtime:
    settings: Settings
    store: Store
    bus: EventBus = field(default_factory=EventBus)
    services: list[BackgroundService] = field(default_factory=list)
