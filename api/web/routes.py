"""Every page router, in the order they are mounted."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from api.web import alerts, home, members, reports

    return [home.router, alerts.router, members.router, reports.router]
