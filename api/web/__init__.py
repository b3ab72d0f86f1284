"""Server-rendered pages for police and coordinators (Jinja2, a little plain JavaScript).

`mount(app)` adds the page routes and /static; imports are local so that api.deps can use
api.web.session without a cycle."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent.parent / "static"


def mount(app: FastAPI) -> None:
    from api.web.routes import routers

    for router in routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
