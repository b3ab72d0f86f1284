"""BINs as the API takes and shows them."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from binalert.bins import geo
from binalert.models import Channels
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
    urgent_channels: Channels = Channels.CALL  # its members' default (#22)
    message_channels: Channels = Channels.CALL
    sms_fallback: bool = False


class BinChannels(BaseModel):
    """A BIN's SMS choices (#22), set by its coordinator: its members' default channels (a
    member's own choice wins), and an SMS at the end of an urgent alert to the members its
    calls did not reach."""

    model_config = ConfigDict(extra="forbid")

    urgent_channels: Channels | None = None
    message_channels: Channels | None = None
    sms_fallback: bool | None = None


Position = Annotated[list[float], Field(min_length=2, max_length=3)]


class Place(BaseModel):
    """An incident's place and the radius around it whose BINs are called."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(allow_inf_nan=False, description="latitude, WGS84")
    lon: float = Field(allow_inf_nan=False, description="longitude, WGS84")
    radius_m: int = Field(default=geo.DEFAULT_RADIUS_M, ge=geo.MIN_RADIUS_M, le=geo.MAX_RADIUS_M)

    @model_validator(mode="after")
    def _in_belgium(self) -> Place:
        if not geo.in_belgium(self.lon, self.lat):
            raise ValueError(f"the place ({self.lat}, {self.lon}) lies outside Belgium")
        return self


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["LineString"]
    coordinates: list[Position] = Field(
        min_length=2, max_length=geo.MAX_LINE_POINTS, description="[longitude, latitude] pairs"
    )


class Route(BaseModel):
    """A corridor: a GeoJSON line (a route someone fled along) and its width."""

    model_config = ConfigDict(extra="forbid")

    line: Line
    width_m: int = Field(default=geo.DEFAULT_WIDTH_M, ge=geo.MIN_WIDTH_M, le=geo.MAX_WIDTH_M)

    @model_validator(mode="after")
    def _sensible(self) -> Route:
        points = self.points()
        for lon, lat in points:
            if not (math.isfinite(lon) and math.isfinite(lat) and geo.in_belgium(lon, lat)):
                raise ValueError(f"the route's point ({lat}, {lon}) lies outside Belgium")
        if len(set(points)) < 2:
            raise ValueError("a route needs at least two different points")
        if geo.line_km(points) > geo.MAX_LINE_KM:
            raise ValueError(f"a route is at most {geo.MAX_LINE_KM:.0f} km long")
        return self

    def points(self) -> list[tuple[float, float]]:
        return [(p[0], p[1]) for p in self.line.coordinates]


class TargetsIn(BaseModel):
    """Where an alert goes by the map: a place with a radius, a route, or both."""

    model_config = ConfigDict(extra="forbid")

    place: Place | None = None
    route: Route | None = None

    @model_validator(mode="after")
    def _one_at_least(self) -> TargetsIn:
        if self.place is None and self.route is None:
            raise ValueError("give a place, a route or both")
        return self


class AreaOut(BaseModel):
    bin_id: int
    name: str = ""
    area: dict[str, Any] | None = Field(description="GeoJSON Polygon or MultiPolygon, WGS84")
    km2: float | None = None
    updated_at: datetime | None = None


class AreaImportResult(BaseModel):
    imported: list[AreaOut]


class TargetBin(BaseModel):
    id: int
    name: str
    municipality: str
    police_zone: str
    members: int = Field(description="active members, who would be called")
    distance_m: float = Field(description="from the place or route to the area; 0 inside")


class TargetsOut(BaseModel):
    bins: list[TargetBin]
    members: int = Field(description="active members of these BINs, each counted once")
