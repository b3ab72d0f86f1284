"""The acknowledgement-rate chart as inline SVG, drawn on the server (no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass

from api.web.times import local
from binalert.reports.schemas import AlertRow

WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP = 44, 36, 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    grid: list[tuple[float, str]]
    baseline: float
    summary: str


def rate_chart(rows: list[AlertRow]) -> Chart:
    """One bar per alert, oldest on the left: the share of members who pressed 1."""
    ordered = sorted(rows, key=lambda r: r.created_at)
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 8) / max(len(ordered), 1)
    bars = []
    for i, row in enumerate(ordered):
        h = plot_h * row.acknowledgement_rate
        percent = round(row.acknowledgement_rate * 100)
        bars.append(
            Bar(
                x=round(LEFT + i * slot + slot * 0.15, 1),
                y=round(TOP + plot_h - h, 1),
                width=round(slot * 0.7, 1),
                height=round(h, 1),
                label=local(row.created_at, "%d/%m"),
                title=f"#{row.alert_id} {row.incident_ref}: {percent}% "
                f"({row.acknowledged}/{row.deliveries})",
            )
        )
    grid = [(round(TOP + plot_h * (1 - f), 1), f"{int(f * 100)}%") for f in (0, 0.5, 1)]
    summary = "; ".join(b.title for b in bars)
    return Chart(WIDTH, HEIGHT, bars, grid, TOP + plot_h, summary)
