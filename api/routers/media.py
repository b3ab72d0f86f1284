"""Audio: the preview of what members hear, and /media/{exp}/{sig}/{key}.wav (signed, see
binalert.media) for Asterisk's HTTP media cache."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from api.deps import CallerDep, Id, RuntimeDep
from api.errors import ERROR_RESPONSES
from api.security import address_in, networks
from binalert.alerts.preview import Preview
from binalert.alerts.service import visible_alert
from binalert.alerts.spoken import SpokenTexts, recording_key
from binalert.errors import NotFound
from binalert.media import signed_media_file
from binalert.models import Language
from binalert.settings import Settings

router = APIRouter(tags=["audio"], responses=ERROR_RESPONSES)
WAV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"audio/wav": {}}, "description": "8 kHz mono 16-bit WAV"}
}


def preview_of(request: Request) -> Preview:
    preview: Preview = request.app.state.preview
    return preview


PREVIEW_PATH = "/api/v1/alerts/{alert_id}/audio/{language}"


@router.get(PREVIEW_PATH, response_class=FileResponse, responses=WAV)
async def alert_audio(
    request: Request,
    caller: CallerDep,
    runtime: RuntimeDep,
    language: Language,
    alert_id: Id,
) -> FileResponse:
    """Exactly what a member with this language hears: intro, message (the police's own
    recording where the alert has one) and prompt."""
    preview = preview_of(request)

    def texts() -> tuple[SpokenTexts, str | None]:
        with runtime.store.session() as session:
            alert = visible_alert(session, caller, alert_id)
            found = preview.texts(session, alert, language.value)
            return found, recording_key(alert.messages, alert.recordings, language.value)

    found, recording = await run_in_threadpool(texts)
    path = await run_in_threadpool(preview.render, found, language.value, recording)
    return FileResponse(path, media_type="audio/wav", filename=f"alert-{alert_id}-{language}.wav")


@router.get("/media/{exp}/{sig}/{key}.wav", response_class=FileResponse, responses=WAV)
def media(
    exp: str,
    sig: str,
    key: Annotated[str, Path(max_length=128)],
    request: Request,
    runtime: RuntimeDep,
) -> FileResponse:
    """A synthesised sound for Asterisk (BINALERT_MEDIA_BASE_URL), only by the signed URL the
    dispatcher handed the PBX and, when BINALERT_MEDIA_ALLOW is set, only from there; anything
    else is 404, as for a missing sound, so a guessed text is never confirmed."""
    settings = runtime.settings
    if not _may_fetch_media(request, settings):
        raise NotFound("no such sound")
    now = time.time()
    path, expires = signed_media_file(settings, key, exp, sig, now)
    # The sound behind a key never changes: the PBX may keep it until its URL expires.
    cache = f"private, max-age={max(0, expires - int(now))}"
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": cache})


def _may_fetch_media(request: Request, settings: Settings) -> bool:
    allow = settings.media_allow.replace(" ", "")
    if not allow:
        return True
    host = request.client.host if request.client is not None else None
    return address_in(host, networks(allow))
