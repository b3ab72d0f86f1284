"""The police's own voice: a message recorded (or uploaded) per language, played in place of the
synthesised message; the introduction and the keys stay synthesised in the member's language.

Which language a member is called in does not change: their own if the alert has it (as a
text or a recording), else the alert's first language. What they then hear as the message
is that language's recording if there is one, else its text. A language with a recording
and no text gets a short stand-in text (STAND_IN) in `Alert.messages`, for the record and the
reports: it is never spoken.

A recording is converted (tts.recorded) before anything is stored; a refusal leaves no file
behind, and neither does an alert that is not created after all (Converted.discard).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from binalert.alerts import service
from binalert.alerts.schemas import AlertCreate, AlertDetail
from binalert.alerts.spoken import SpokenTexts
from binalert.alerts.stand_in import STAND_IN, is_stand_in  # noqa: F401 (re-exported)
from binalert.audit.service import record
from binalert.auth.schemas import Caller
from binalert.errors import DomainError, Invalid, NotFound, Unavailable
from binalert.models import Alert, Language
from binalert.settings import Settings
from tts import CallAudio, SpeechPath, SpeechService, phrase
from tts.recorded import MAX_BYTES, RecordingRefused, convert

LANGUAGES = tuple(lang.value for lang in Language)
KEY = re.compile(r"^rec-v[0-9]+-[0-9a-f]{24}$")


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class NotAudio(DomainError):
    status = 415
    code = "unsupported_media_type"


def with_recordings(payload: dict[str, Any], languages: Iterable[str]) -> dict[str, Any]:
    """An alert's JSON (AlertCreate) where every language with a recording has a text: a
    template is asked for that language too; free texts get the stand-in where none is given
    (after the texts given, so the first text stays the fallback)."""
    recorded = [lang for lang in languages if lang in LANGUAGES]
    out = dict(payload)
    if out.get("template") is not None:
        asked = out.get("languages")
        if isinstance(asked, list):
            out["languages"] = asked + [lang for lang in recorded if lang not in asked]
        return out
    messages = out.get("messages")
    texts = dict(messages) if isinstance(messages, dict) else {}
    out["messages"] = texts | {lang: STAND_IN[lang] for lang in recorded if lang not in texts}
    return out


class Busy(Unavailable):
    """Every conversion slot is taken: try again in a moment (503 with Retry-After)."""

    retry_after_s = 5


def recording_refusal(error: RecordingRefused) -> DomainError:
    """413 over the size limit, 415 for what is not audio, 503 while every conversion slot
    is busy, 422 for audio that will not do (too long, silent, too demanding to decode)."""
    refusals: dict[str, type[DomainError]] = {
        "too_large": TooLarge,
        "not_audio": NotAudio,
        "busy": Busy,
    }
    return refusals.get(error.kind, Invalid)(error.reason)


@dataclass
class Converted:
    """The sound keys of the recordings converted for one alert (language -> key), and the
    files this conversion made, to remove if the alert is not created after all."""

    sounds: Path
    keys: dict[str, str] = field(default_factory=dict)
    made: list[Path] = field(default_factory=list)

    def discard(self) -> None:
        for wav in self.made:
            for path in (wav, wav.with_suffix(".sln16")):
                path.unlink(missing_ok=True)
        self.made.clear()


def convert_all(uploads: Mapping[str, bytes], sounds: Path) -> Converted:
    """Each language's upload as call audio; the first refusal removes what this call made
    and raises 413, 415 or 422 with the reason and the language."""
    done = Converted(sounds)
    for language, data in uploads.items():
        if language not in LANGUAGES:
            done.discard()
            raise Invalid(f"recording_{language}: unknown language (one of {LANGUAGES})")
        try:
            _convert_one(done, language, data)
        except DomainError:
            done.discard()
            raise
    return done


def _convert_one(done: Converted, language: str, data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise TooLarge(f"{language}: the recording is over {MAX_BYTES // 2**20} MB")
    before = {p.name for p in done.sounds.glob("rec-*.wav")} if done.sounds.is_dir() else set()
    try:
        made = convert(data, done.sounds)
    except RecordingRefused as error:
        refusal = recording_refusal(error)
        raise type(refusal)(f"{language}: {refusal.message}") from error
    if made.audio.name not in before:
        done.made.append(Path(made.audio))
    done.keys[language] = made.audio.key


def attach(session: Session, alert_id: int, keys: Mapping[str, str]) -> Alert:
    """Give a just-created alert its recordings (in the transaction that created it)."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} not found")
    alert.recordings = dict(keys)
    session.flush()
    return alert


def recording_path(sounds: Path, key: str) -> SpeechPath:
    """The converted recording of this key, or NotFound (a bad key, or a file purged)."""
    path = SpeechPath(sounds / f"{key}.wav")
    if not KEY.match(key) or not path.is_file() or not path.sln16.is_file():
        raise NotFound("the recorded message is no longer available; record it again")
    return path


def call_audio(
    speech: SpeechService,
    language: str,
    texts: SpokenTexts,
    recording: SpeechPath | None,
) -> CallAudio:
    """The call's pieces in `language`; with a recording, it is the message (also inside the
    answering-machine version), the rest synthesised as ever."""
    zone, names, message, urgent = texts
    audio = speech.call_audio(language, zone, names, message, urgent=urgent)
    if recording is None:
        return audio
    closing_piece = "machine" if urgent else "machine_notice"
    closing = speech.synthesize(phrase(closing_piece, language, zone, names), language)
    machine = speech.join([audio.intro, recording, closing])
    return dataclasses.replace(audio, message=recording, machine=machine)


def create(
    session: Session,
    caller: Caller,
    data: AlertCreate,
    key: str | None,
    settings: Settings,
    recordings: Mapping[str, str],
) -> tuple[AlertDetail, bool]:
    """alerts.service.create, and the new alert gets its recordings in the same transaction
    (an earlier alert of the same Idempotency-Key is answered as it is)."""
    detail, created = service.create(session, caller, data, key, settings)
    if not created or not recordings:
        return detail, created
    alert = attach(session, detail.id, recordings)
    record(session, caller, "alert.recorded", f"alert:{alert.id}", languages=sorted(recordings))
    return service.detail(session, alert, settings), True
