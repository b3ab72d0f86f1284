"""Audio: the preview of what members hear, and /media/{key}.wav for Asterisk's HTTP media cache."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from api.deps import CallerDep, Id, RuntimeDep
from api.errors import ERROR_RESPONSES
from binalert.alerts.preview import Preview, media_file
from binalert.alerts.service import visible_alert
from binalert.models import Language

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
    """Exactly what a member with this language hears: intro, message and prompt."""
    preview = preview_of(request)

    def texts() -> tuple[str, str, str]:
        with runtime.store.session() as session:
            alert = visible_alert(session, caller, alert_id)
            return preview.texts(session, alert, language.value)

    found = await run_in_threadpool(texts)
    path = await run_in_threadpool(preview.render, found, language.value)
    return FileResponse(path, media_type="audio/wav", filename=f"alert-{alert_id}-{language}.wav")


@router.get("/media/{key}.wav", response_class=FileResponse, responses=WAV)
def media(key: Annotated[str, Path(max_length=128)], runtime: RuntimeDep) -> FileResponse:
    """A synthesised sound for Asterisk (BINALERT_MEDIA_BASE_URL); only cached files."""
    return FileResponse(media_file(runtime.settings, key), media_type="audio/wav")
