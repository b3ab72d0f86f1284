"""POST /api/v1/alerts/recorded: an alert in the police's own voice (multipart).

The form has `alert`, the alert as JSON (the AlertCreate of POST /api/v1/alerts), and one
file per language, `recording_nl`, `recording_fr`, `recording_de`, `recording_en`: WAV, MP3,
OGG/Opus, WebM/Opus or M4A/AAC, at most 10 MB and 120 s. Each recording is converted to call
audio before anything is stored; a refusal stores nothing (no alert, no sound, no calls).

The form is read by the route itself, after the caller is authenticated (FastAPI would parse
a declared form before any dependency runs: a stranger's 40 MB would be read to answer 401).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.exceptions import HTTPException

from api.deps import CallerDep, RuntimeDep
from api.errors import ERROR_RESPONSES, HTTP_CODES, ErrorBody
from api.routers.alerts import IdempotencyKey, _replay
from binalert.alerts import recorded, service
from binalert.alerts.schemas import AlertCreate, AlertDetail
from binalert.auth.schemas import Caller
from binalert.errors import Invalid
from binalert.runtime import Runtime
from tts.recorded import MAX_BYTES

PREFIX = "recording_"
RESPONSES: dict[int | str, dict[str, Any]] = ERROR_RESPONSES | {
    code: {"model": ErrorBody, "description": HTTP_CODES[code].replace("_", " ")}
    for code in (413, 415, 503)
}
router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"], responses=RESPONSES)
RECORDING_FIELD = {
    "type": "string",
    "format": "binary",
    "description": "the message in this language, in the police's own voice",
}
FORM_SCHEMA = {
    "type": "object",
    "required": ["alert"],
    "properties": {
        "alert": {
            "type": "string",
            "description": "the alert as JSON, as for POST /api/v1/alerts; a language with a "
            "recording needs no text (a text given is kept for the record)",
        },
    }
    | {f"{PREFIX}{lang}": RECORDING_FIELD for lang in recorded.LANGUAGES},
}
BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": FORM_SCHEMA}},
    }
}


@router.post("/recorded", status_code=202, openapi_extra=BODY)
async def create_recorded_alert(
    request: Request,
    caller: CallerDep,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> AlertDetail:
    """Queue calls as POST /api/v1/alerts does; members hear the recording of their language
    (or of the alert's first language, when theirs has neither text nor recording) between
    the synthesised introduction and keys. 413 over 10 MB, 415 not audio, 422 longer than
    120 s, silent or an unknown language, 503 while other recordings are being converted."""
    form = await read_form(request)  # only now: `caller` is authenticated
    uploads = await read_uploads(form)
    data = parse_alert(form.get("alert"), list(uploads))
    try:
        found, created = await run_in_threadpool(
            _create, runtime, caller, data, uploads, idempotency_key
        )
    except IntegrityError:
        if idempotency_key is None:
            raise
        found, created = await run_in_threadpool(_replay, runtime, caller, idempotency_key), False
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return found


async def read_form(request: Request) -> FormData:
    """The form (multipart): the alert and at most one file per language."""
    try:
        return await request.form(max_files=len(recorded.LANGUAGES), max_fields=8)
    except HTTPException as error:  # starlette: too many files or fields, a broken body
        raise Invalid(f"the form: {error.detail}") from error


async def read_uploads(form: FormData) -> dict[str, bytes]:
    """language -> the bytes of its recording (at most one byte over the limit is read)."""
    found: dict[str, bytes] = {}
    for name, value in form.multi_items():
        if not name.startswith(PREFIX):
            continue
        language = name.removeprefix(PREFIX)
        if language not in recorded.LANGUAGES:
            raise Invalid(f"{name}: unknown language (one of {', '.join(recorded.LANGUAGES)})")
        if not isinstance(value, StarletteUpload) or language in found:
            raise Invalid(f"{name}: give one file")
        found[language] = await value.read(MAX_BYTES + 1)
    if not found:
        raise Invalid("give at least one recording (recording_nl, recording_fr, ...)")
    return found


def parse_alert(text: object, languages: list[str]) -> AlertCreate:
    if not isinstance(text, str):
        raise Invalid("alert: give the alert as JSON in the form field `alert`")
    try:
        payload = json.loads(text)
    except ValueError as error:
        raise Invalid("alert: not valid JSON") from error
    if not isinstance(payload, dict):
        raise Invalid("alert: a JSON object is expected")
    try:
        return AlertCreate.model_validate(recorded.with_recordings(payload, languages))
    except ValidationError as error:
        errors = [{**e, "loc": ("alert", *e["loc"])} for e in error.errors(include_url=False)]
        raise RequestValidationError(errors) from error


def _create(
    runtime: Runtime, caller: Caller, data: AlertCreate, uploads: dict[str, bytes], key: str | None
) -> tuple[AlertDetail, bool]:
    """Checked as the alert would be, then converted, then stored; nothing left on a refusal."""
    with runtime.store.session() as session:
        service.draft(session, caller, data, runtime.settings)  # role, BINs, texts, SMS
        earlier = service.existing_for_key(session, caller, key) if key else None
        if earlier is not None:
            return service.detail(session, earlier, runtime.settings), False
    converted = recorded.convert_all(uploads, runtime.settings.sounds_dir)
    try:
        with runtime.store.session() as session:
            found, created = recorded.create(
                session, caller, data, key, runtime.settings, converted.keys
            )
    except BaseException:
        converted.discard()
        raise
    if not created:
        converted.discard()
    return found, created
