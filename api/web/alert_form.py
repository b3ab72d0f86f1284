"""The send form: its fields to an AlertCreate (validated by the API's own schema) and back."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from binalert.alerts.schemas import AlertCreate

SOURCES = ("suspect_vehicle", "suspect_person", "all_clear", "free")
FIELDS = {
    "suspect_vehicle": ("make", "colour", "plate", "direction"),
    "suspect_person": ("description", "direction"),
    "all_clear": (),
}
TEXT_LANGUAGES = ("nl", "fr", "de", "en")
TEXT_KEYS = ("incident_ref", "source", "make", "colour", "plate", "direction", "description")


def values_of(form: FormData) -> dict[str, Any]:
    """The submitted values, kept to fill the form again."""
    values: dict[str, Any] = {key: str(form.get(key) or "")[:1200] for key in TEXT_KEYS}
    for lang in TEXT_LANGUAGES:
        values[f"text_{lang}"] = str(form.get(f"text_{lang}") or "")[:1200]
    values["bin_ids"] = [str(v) for v in form.getlist("bin_ids")][:100]
    return values


def _payload(values: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "bin_ids": values["bin_ids"],
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
        payload["template"] = {"kind": source} | {k: values[k] for k in FIELDS[source]}
    return payload


def parse(values: dict[str, Any]) -> tuple[AlertCreate | None, list[str]]:
    """(the alert to create, None) or (None, the errors to show)."""
    try:
        return AlertCreate.model_validate(_payload(values)), []
    except ValidationError as error:
        messages = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"] if not isinstance(p, int))
            text = str(item["msg"]).removeprefix("Value error, ")
            messages.append(f"{where}: {text}" if where else text)
        return None, messages
