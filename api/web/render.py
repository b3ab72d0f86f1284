"""Rendering pages: templates in the page's language (api/web/i18n.py), with the CSRF token and
the signed-in principal; every response carries the (re-signed) session cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.web import i18n, session, times
from binalert.phones import display

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
TEMPLATES.env.globals["language_names"] = i18n.LANGUAGE_NAMES
i18n.install(TEMPLATES.env)
i18n.load()
TEMPLATES.env.filters["local"] = times.local
TEMPLATES.env.globals["display"] = display  # numbers as people write them (050 12 34 40)


def safe_next(value: str | None) -> str:
    """Where to go after a form: a path on this site only (never //elsewhere)."""
    ok = value and value.startswith("/") and not value.startswith(("//", "/\\"))
    return value if ok and value else "/"


def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    current = session.current(request)
    lang = i18n.pick(request, current.lang)
    context.update(
        t=i18n.translator(lang),
        lang=lang,
        languages=i18n.LANGUAGES,
        csrf=current.csrf,
        principal=getattr(request.state, "principal", None),
    )
    response = TEMPLATES.TemplateResponse(request, name, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    session.write(request, response, current)
    return response


def redirect(request: Request, url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    session.write(request, response, session.current(request))
    return response
