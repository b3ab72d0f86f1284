"""What the API and the dispatcher share inside one process."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from binalert.deliveries import events, sms_rules
from binalert.deliveries.sms_rules import SmsConfig
from binalert.settings import Settings
from binalert.webhooks import jobs as webhook_jobs
from store.announce import take_announced
from store.bus import EventBus
from store.db import Store
from tts import SpeechService


class BackgroundService(Protocol):
    """Something the process runs beside the API (the dispatcher, the webhook sender)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def health(self) -> dict[str, object]: ...


class Runtime:
    """The store, the wake-up bus, the one speech service, and the background services.

    Made once per process, at start: it registers what every write through the store needs
    (webhook jobs beside delivery events; wake-ups after each commit)."""

    def __init__(
        self, settings: Settings, store: Store, speech: SpeechService | None = None
    ) -> None:
        self.settings = settings
        self.store = store
        self.speech = speech or SpeechService(settings.speech_config())
        self.bus = EventBus()
        self.services: list[BackgroundService] = []
        store.after_transaction(self._publish_announced, take_announced)
        events.add_hook(store, webhook_jobs.enqueue, webhook_jobs.WEBHOOK_EVENTS)
        if settings.smsc() is not None:  # SMS configured: every process may queue them (#22)
            config = SmsConfig(settings.sms_allowed(), settings.sms_max_parts)
            sms_rules.configure(store.session_info, config)

    def _publish_announced(self, session: Session) -> None:
        for topic in take_announced(session):
            self.bus.publish(topic)
