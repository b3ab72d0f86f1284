"""The audio members hear for an alert: intro + message + prompt, joined as in the call.

Speech comes from tts/ (SpeechService.call_audio, the same call the dialer makes, with the
same texts from ivr.audio.alert_texts); tts/ is imported lazily so the API starts without it.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from binalert.errors import NotFound, Unavailable
from binalert.models import Alert, AlertStatus, utcnow
from binalert.settings import Settings

MEDIA_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def voices(settings: Settings) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in settings.tts_voices.split(",") if "=" in item)
    return {lang.strip(): voice.strip() for lang, voice in pairs}


class Preview:
    """One SpeechService per process, made on first use; times every synthesis."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._speech: Any = None
        self._lock = threading.Lock()
        self.synth_count = 0
        self.synth_seconds = 0.0

    def speech(self) -> Any:
        with self._lock:
            if self._speech is None:
                try:
                    from tts import SpeechConfig, SpeechService
                except ImportError as error:
                    raise Unavailable("speech synthesis (tts) is not installed") from error
                self._speech = SpeechService(
                    SpeechConfig(
                        cache_dir=self.settings.sounds_dir,
                        engine=self.settings.tts_engine,
                        rate_wpm=self.settings.tts_rate,
                        voices=voices(self.settings),
                    )
                )
            return self._speech

    def texts(self, session: Session, alert: Alert, language: str) -> tuple[str, str, str]:
        from ivr.audio import alert_texts

        if language not in alert.messages:
            first = next(iter(alert.messages))
            raise NotFound(
                f"alert {alert.id} has no {language} text; members speaking {language} "
                f"hear the {first} message"
            )
        return alert_texts(session, alert.id, language)

    def draft_texts(
        self, session: Session, bin_ids: list[int], messages: dict[str, str], language: str
    ) -> tuple[str, str, str]:
        """The texts of an alert not sent yet, by the same alert_texts() the dialer uses: the
        draft is written in the caller's transaction, which the caller must roll back."""
        from ivr.audio import alert_texts

        if language not in messages:
            raise NotFound(f"the draft has no {language} text")
        now = utcnow()
        draft = Alert(
            created_by="preview",
            created_at=now,
            incident_ref="preview",
            bin_ids=list(bin_ids),
            messages=messages,
            valid_from=now,
            valid_until=now,
            status=AlertStatus.CANCELLED.value,
        )
        session.add(draft)
        session.flush()
        return alert_texts(session, draft.id, language)

    def render(self, texts: tuple[str, str, str], language: str) -> Path:
        """The joined WAV (8 kHz mono 16-bit) in the sounds folder."""
        zone, bin_name, message = texts
        speech = self.speech()
        started = time.monotonic()
        try:
            audio = speech.call_audio(
                language=language, police_zone=zone, bin_name=bin_name, message=message
            )
            joined = speech.join([audio.intro, audio.message, audio.prompt])
        except Exception as error:  # an engine failure must not become a 500
            raise Unavailable(f"speech synthesis failed: {type(error).__name__}") from error
        finally:
            self.synth_count += 1
            self.synth_seconds += time.monotonic() - started
        return Path(joined)


def media_file(settings: Settings, key: str) -> Path:
    """A cached sound by key, only inside the sounds folder and only if it exists."""
    if not MEDIA_KEY.fullmatch(key) or ".." in key:
        raise NotFound("no such sound")
    folder = settings.sounds_dir.resolve()
    path = (folder / f"{key}.wav").resolve()
    if path.parent != folder or not path.is_file():
        raise NotFound("no such sound")
    return path
