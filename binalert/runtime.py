"""What the API and the dispatcher share inside one process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from binalert.bus import COMMIT_FLAG, EventBus
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

    def __post_init__(self) -> None:
        self.store.on_commit(self._publish_after_commit)

    def _publish_after_commit(self, session: Session) -> None:
        for topic in session.info.pop(COMMIT_FLAG, ()):
            self.bus.publish(topic)
