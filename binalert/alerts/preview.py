"""The audio members hear for an alert: intro + message + prompt, joined as in the call.

Speech comes from the process's one SpeechService (the dialers use the same), with the same
texts (alerts.spoken), so the preview is what members get.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.orm import Session

from binalert.alerts import spoken
from binalert.alerts.recorded import call_audio, recording_path
from binalert.alerts.spoken import SpokenTexts
from binalert.errors import NotFound, Unavailable
from binalert.models import Alert
from tts import SpeechPath, SpeechService


class Preview:
    """Renders what members will hear with the process's speech service; times each one."""

    def __init__(self, speech: SpeechService) -> None:
        self.speech = speech
        self.synth_count = 0
        self.synth_seconds = 0.0

    def texts(self, session: Session, alert: Alert, language: str) -> SpokenTexts:
        if language not in alert.messages:
            first = next(iter(alert.messages))
            raise NotFound(
                f"alert {alert.id} has no {language} text; members speaking {language} "
                f"hear the {first} message"
            )
        return spoken.alert_texts(session, alert.id, language)

    def draft_texts(
        self, session: Session, bin_ids: list[int], messages: dict[str, str], language: str
    ) -> SpokenTexts:
        """The texts of an alert not sent yet, as the dialer will speak them."""
        if language not in messages:
            raise NotFound(f"the draft has no {language} text")
        return spoken.draft_texts(session, bin_ids, messages, language)

    def recording(self, key: str | None) -> SpeechPath | None:
        """The police's own recording of this key (alerts.spoken.recording_key), if any."""
        return None if key is None else recording_path(self.speech.config.cache_dir, key)

    def render(self, texts: SpokenTexts, language: str, recording: str | None = None) -> Path:
        """The joined WAV (8 kHz mono 16-bit) in the sounds folder; with the key of a
        recording, it is the message, as in the call."""
        recorded = self.recording(recording)
        speech = self.speech
        started = time.monotonic()
        try:
            audio = call_audio(speech, language, texts, recorded)
            joined = speech.join([audio.intro, audio.message, audio.prompt])
        except Exception as error:  # an engine failure must not become a 500
            raise Unavailable(f"speech synthesis failed: {type(error).__name__}") from error
        finally:
            self.synth_count += 1
            self.synth_seconds += time.monotonic() - started
        return Path(joined)
