"""One way to page every list: `?limit=&cursor=` -> {"items": [...], "next": cursor | null}.

The cursor is an opaque token around the last id seen; lists are ordered by id.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from binalert.errors import Invalid
from binalert.ids import DIGITS

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after_id: int = 0

    @property
    def fetch(self) -> int:
        """Rows to read: one more than the page, to know whether a next page exists."""
        return self.limit + 1


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        if not DIGITS.fullmatch(value):  # int() would take " 1", "+1" and "1_0"
            raise ValueError(value)
        number = int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise Invalid("the cursor is not one this API gave out") from error
    if prefix != "id" or number < 0 or number > 2**62:
        raise Invalid("the cursor is not one this API gave out")
    return number


def page_request(limit: int, cursor: str | None) -> PageRequest:
    return PageRequest(limit=limit, after_id=decode_cursor(cursor))


def make_page(
    rows: Sequence[R], request: PageRequest, to_item: Callable[[R], T], row_id: Callable[[R], int]
) -> Page[T]:
    visible = list(rows[: request.limit])
    has_more = len(rows) > request.limit
    next_cursor = encode_cursor(row_id(visible[-1])) if has_more and visible else None
    return Page[T](items=[to_item(row) for row in visible], next=next_cursor)
