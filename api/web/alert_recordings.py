"""The recordings on the send page: converted at the preview (so it plays what members will
hear), carried by the sealed draft as sound keys (never the audio), kept when the police
change the draft and tick "keep"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

from api.web.sealing import seal, unseal
from binalert.alerts.recorded import is_stand_in, recording_path
from binalert.alerts.words import LABELS
from binalert.errors import NotFound
from binalert.settings import Settings

KEPT = "alert-recordings"
KEPT_MAX_AGE = 3600


def kept_of(settings: Settings, form: FormData) -> dict[str, str]:
    """The recordings of the draft being changed that the police chose to keep."""
    token = str(form.get("kept") or "")
    found = unseal(settings, KEPT, token, KEPT_MAX_AGE) if token else None
    return {
        str(lang): str(key)
        for lang, key in (found or {}).items()
        if form.get(f"keep_{lang}") and _available(settings, str(key))
    }


def _available(settings: Settings, key: str) -> bool:
    try:
        recording_path(settings.sounds_dir, key)
    except NotFound:
        return False
    return True


def form_context(settings: Settings, kept: Mapping[str, str]) -> dict[str, Any]:
    """What the send form shows: the word lists, and the recordings it can keep."""
    token = seal(settings, KEPT, dict(kept)) if kept else ""
    return {"choices": LABELS, "kept": dict(kept), "kept_token": token}


def seconds(settings: Settings, recordings: Mapping[str, str]) -> dict[str, float]:
    """Each recording's length, or NotFound when one is gone (purged since the preview)."""
    return {
        lang: round(recording_path(settings.sounds_dir, key).duration_s, 1)
        for lang, key in recordings.items()
    }


def preview_context(settings: Settings, recordings: Mapping[str, str]) -> dict[str, Any]:
    """What the preview shows of the recordings: their lengths; a stand-in text is not shown."""
    return {"recorded": seconds(settings, recordings), "is_stand_in": is_stand_in}
