"""The send form: its fields to an AlertCreate (validated by the API's own schema) and back;
the recordings it carries (recorded in the browser or uploaded), per language."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from api.web import forms
from binalert.alerts.recorded import with_recordings
from binalert.alerts.schemas import AlertCreate
from binalert.bins.schemas import TargetsIn
from binalert.ids import ids_from_form
from tts.recorded import MAX_BYTES

SOURCES = ("suspect_vehicle", "suspect_person", "all_clear", "free")
FIELDS = {
    "suspect_vehicle": ("vehicle", "make", "colour", "plate", "direction"),
    "suspect_person": ("who", "clothing", "clothing_colour", "direction"),
    "all_clear": (),
}
TEXT_LANGUAGES = forms.TEXT_LANGUAGES  # the languages a text may be typed in
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
    "place_lat",
    "place_lon",
    "radius_m",
    "route_width_m",
)
PLACE_KEYS = ("place_lat", "place_lon", "radius_m", "route_width_m")
ROUTE_TEXT = 20_000  # 500 points of "51.20930, 3.22470"
POINT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)\s*$")


def values_of(form: FormData) -> dict[str, Any]:
    """The submitted values, kept to fill the form again."""
    values: dict[str, Any] = {key: str(form.get(key) or "")[:1200] for key in TEXT_KEYS}
    for lang in TEXT_LANGUAGES:
        values[f"text_{lang}"] = str(form.get(f"text_{lang}") or "")[:1200]
        values[f"sms_{lang}"] = str(form.get(f"sms_{lang}") or "")[:1200]
    values["bin_ids"] = [str(v) for v in form.getlist("bin_ids")][:1100]
    values["proposed"] = [str(v) for v in form.getlist("proposed")][:1100]
    for key in PLACE_KEYS:  # "51,2093" as typed in Belgium
        values[key] = values[key].strip().replace(",", ".")[:20]
    values["route_points"] = str(form.get("route_points") or "")[:ROUTE_TEXT]
    return values


def _route(values: dict[str, Any]) -> dict[str, Any] | None:
    """The route: one "latitude, longitude" per line, as the map writes it (or typed)."""
    lines = [line for line in str(values.get("route_points") or "").splitlines() if line.strip()]
    if not lines:
        return None
    points = []
    for number, line in enumerate(lines, start=1):
        found = POINT.match(line)
        if found is None:
            raise ValueError(
                f"route, line {number}: give a latitude and a longitude (51.2093, 3.2247)"
            )
        points.append([float(found.group(2)), float(found.group(1))])  # GeoJSON: longitude first
    route: dict[str, Any] = {"line": {"type": "LineString", "coordinates": points}}
    return route | ({"width_m": values["route_width_m"]} if values.get("route_width_m") else {})


def _place(values: dict[str, Any]) -> dict[str, Any] | None:
    if not (values.get("place_lat") or values.get("place_lon")):
        return None
    place = {"lat": values["place_lat"], "lon": values["place_lon"]}
    return place | ({"radius_m": values["radius_m"]} if values.get("radius_m") else {})


def _errors(error: ValidationError) -> list[str]:
    messages = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"] if not isinstance(p, int))
        text = str(item["msg"]).removeprefix("Value error, ")
        messages.append(f"{where}: {text}" if where else text)
    return messages


def place_of(values: dict[str, Any]) -> tuple[TargetsIn | None, list[str]]:
    """The place and route typed or clicked on the form (None without either), or the errors
    to show."""
    try:
        place, route = _place(values), _route(values)
    except ValueError as error:
        return None, [str(error)]
    if place is None and route is None:
        return None, []
    try:
        return TargetsIn.model_validate({"place": place, "route": route}), []
    except ValidationError as error:
        return None, _errors(error)


def _payload(values: dict[str, Any], where: TargetsIn | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "bin_ids": ids_from_form(values["bin_ids"]),
        "incident_ref": values["incident_ref"],
    }
    if where is not None:  # the BINs of the place or route come from it; unticked: excluded
        proposed = set(values.get("proposed") or [])
        payload["place"] = where.place.model_dump() if where.place else None
        payload["route"] = where.route.model_dump() if where.route else None
        payload["bin_ids"] = ids_from_form([b for b in values["bin_ids"] if b not in proposed])
        payload["exclude_bin_ids"] = ids_from_form(sorted(proposed - set(values["bin_ids"])))
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
    typed_sms = {  # what SMS members read in place of the message (a recording has no text)
        lang: values.get(f"sms_{lang}", "")
        for lang in TEXT_LANGUAGES
        if values.get(f"sms_{lang}", "").strip()
    }
    if typed_sms:
        payload["sms_texts"] = typed_sms
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
    where, errors = place_of(values)
    if errors:
        return None, errors
    payload = with_recordings(_payload(values, where), recorded)
    if payload.get("messages"):  # the page's order (nl, fr, de, en): the first is the fallback
        texts = payload["messages"]
        payload["messages"] = {lang: texts[lang] for lang in TEXT_LANGUAGES if lang in texts}
    try:
        return AlertCreate.model_validate(payload), []
    except ValidationError as error:
        return None, _errors(error)
