"""The send form: its fields to an AlertCreate (validated by the API's own schema) and back;
the recordings it carries (recorded in the browser or uploaded), per language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from binalert.alerts.recorded import with_recordings
from binalert.alerts.schemas import AlertCreate
from binalert.ids import ids_from_form
from tts.recorded import MAX_BYTES

SOURCES = ("suspect_vehicle", "suspect_person", "all_clear", "free")
FIELDS = {
    "suspect_vehicle": ("vehicle", "make", "colour", "plate", "direction"),
    "suspect_person": ("who", "clothing", "clothing_colour", "direction"),
    "all_clear": (),
}
TEXT_LANGUAGES = ("nl", "fr", "de", "en")
TEXT_KEYS = (
    "incident_ref",
    "source",
    "vehicle",
    "make",
    "colour",
    "plate",
    "direction",
    "who",
    "clothing",
    "clothing_colour",
)


def values_of(form: FormData) -> dict[str, Any]:
    """The submitted values, kept to fill the form again."""
    values: dict[str, Any] = {key: str(form.get(key) or "")[:1200] for key in TEXT_KEYS}
    for lang in TEXT_LANGUAGES:
        values[f"text_{lang}"] = str(form.get(f"text_{lang}") or "")[:1200]
    values["bin_ids"] = [str(v) for v in form.getlist("bin_ids")][:100]
    return values


def _payload(values: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "bin_ids": ids_from_form(values["bin_ids"]),
        "incident_ref": values["incident_ref"],
    }
    source = values["source"] if values["source"] in SOURCES else "free"
    if source == "free":
        payload["messages"] = {
            lang: values[f"text_{lang}"]
            for lang in TEXT_LANGUAGES
            if values[f"text_{lang}"].strip()
        }
    else:
        chosen = {k: values[k] for k in FIELDS[source] if values[k]}  # "": nothing chosen
        payload["template"] = {"kind": source} | chosen
    return payload


async def uploads_of(form: FormData) -> dict[str, bytes]:
    """language -> the recording sent for it (a file chosen or recorded in the browser)."""
    found: dict[str, bytes] = {}
    for lang in TEXT_LANGUAGES:
        value = form.get(f"recording_{lang}")
        if isinstance(value, UploadFile) and (value.filename or value.size):
            data = await value.read(MAX_BYTES + 1)
            if data or value.filename:
                found[lang] = data
    return found


def parse(
    values: dict[str, Any], recorded: Iterable[str] = ()
) -> tuple[AlertCreate | None, list[str]]:
    """(the alert to create, None) or (None, the errors to show); a language with a
    recording needs no text."""
    payload = with_recordings(_payload(values), recorded)
    if payload.get("messages"):  # the page's order (nl, fr, de, en): the first is the fallback
        texts = payload["messages"]
        payload["messages"] = {lang: texts[lang] for lang in TEXT_LANGUAGES if lang in texts}
    try:
        return AlertCreate.model_validate(payload), []
    except ValidationError as error:
        messages = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"] if not isinstance(p, int))
            text = str(item["msg"]).removeprefix("Value error, ")
            messages.append(f"{where}: {text}" if where else text)
        return None, messages
