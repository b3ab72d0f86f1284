"""Webhooks as the API takes and shows them (the secret is never shown back)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

from binalert.text import Name, reject_control

Secret = Annotated[
    str, StringConstraints(min_length=16, max_length=200), AfterValidator(reject_control)
]


def _http_only(url: HttpUrl) -> HttpUrl:
    if url.scheme not in ("http", "https"):
        raise ValueError("only http and https URLs can receive webhooks")
    if len(str(url)) > 500:
        raise ValueError("the URL is longer than 500 characters")
    return url


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[HttpUrl, AfterValidator(_http_only)]
    secret: Secret = Field(description="shared secret for the HMAC-SHA256 signature")
    police_zone: Name | None = Field(
        default=None, description="admin only: the zone whose alerts it gets (none = all)"
    )


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    police_zone: str | None
    created_by: str
    created_at: datetime
    active: bool


class WebhookDeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    webhook_id: int
    event: str
    payload: dict[str, Any]
    status: str
    tries: int
    next_try_at: datetime
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
