"""Row ids from outside, in one place: strict in JSON, digits only where they come as text.

In JSON an id is a number: `true`, `"1"` and `1.0` are refused (pydantic's lax mode would take
them as 1, and `"bin_ids": [true]` once called BIN 1). In a path, a query or a form an id can
only be text: then it is written in digits alone (no sign, point, space, underscore or leading
zero: lax int parsing takes `1.0`, ` 1`, `+1` and `1_0`).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

MAX_ID = 2**53  # what a JavaScript client can hold exactly
DIGITS = re.compile(r"0|[1-9][0-9]{0,15}")

Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
"""A row id in a JSON body: a whole number, never a bool, a string or a float."""


def _digits(value: object) -> object:
    if isinstance(value, str) and DIGITS.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value  # from Python callers (tests, the CLI)
    raise PydanticCustomError("id_text", "an id is written in digits only, like 12")


# The bounds come before the validator, so that OpenAPI shows them as minimum and maximum.
TextId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_digits)]
"""An id that comes as text: a path (with FastAPI's Path()), a query or a form field."""
TextCursor = Annotated[int, Field(ge=0, le=MAX_ID), BeforeValidator(_digits)]
"""The id to resume after, as text (0: from the start)."""

_FORM_ID = TypeAdapter(TextId)


def ids_from_form(values: list[str]) -> list[int | str]:
    """A form's id fields as ids; a value that is no id stays as it came, so that the schema
    that takes the ids refuses it with its own field's message."""
    out: list[int | str] = []
    for value in values:
        try:
            out.append(_FORM_ID.validate_python(value))
        except ValidationError:
            out.append(value)
    return out
