"""BINs as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from binalert.text import Name


class BinCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    municipality: Name
    police_zone: Name


class BinPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    municipality: Name | None = None
    police_zone: Name | None = None


class BinOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    municipality: str
    police_zone: str
    created_at: datetime
