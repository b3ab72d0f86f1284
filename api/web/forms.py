"""What the message and follow-up pages share: a form's validation errors as lines, the
languages a text may be typed in, and the idempotency key a form carries (one message however
often it is sent)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

TEXT_LANGUAGES = ("nl", "fr", "de", "en")
KEY = re.compile(r"^[0-9a-f]{24}$")


def errors(error: ValidationError) -> list[str]:
    out = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        out.append(f"{where}: {message}" if where else message)
    return out


def idempotency_key(value: str) -> str | None:
    return f"web-{value}" if KEY.fullmatch(value) else None


def texts(form: Any) -> dict[str, str]:
    found = {lang: str(form.get(f"text_{lang}") or "").strip() for lang in TEXT_LANGUAGES}
    return {lang: text for lang, text in found.items() if text}
