"""Joining a BIN (#24): its public sign-up page (no sign-in: reached by the link its
coordinator shares, in the BIN's languages), and the coordinator's side: the link (renewable),
the printable flyer with a QR code, the page's options, and the sign-ups waiting for approval.

The rules (limits, verification call, consent record, approval) are binalert.members.signup's;
here only forms, pages and the client's address (kept as a keyed hash, for the limits)."""

from __future__ import annotations

from typing import Annotated, Any

import phonenumbers
import segno
from fastapi import APIRouter, Form, Request
from markupsafe import Markup
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.web import i18n, session
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.i18n import N_
from api.web.render import page, redirect
from binalert.clock import utcnow
from binalert.errors import Invalid, TooMany
from binalert.members import signup
from binalert.runtime import Runtime
from binalert.settings import sms_configured

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FLYER_TEXTS = (
    N_("Join the neighbourhood information network"),
    N_(
        "When the local police report something for your neighbourhood, you get a phone call "
        "(or a text message) with what to do."
    ),
    N_("Scan the code with your phone, or open the link:"),
    N_("Free. Your number is used for nothing else. You can leave whenever you like."),
)
FIELDS = ("name", "phone", "second_phone", "language", "channels", "street", "house_number")

# What a person is told about a field, in their language (the domain's words are for the API).
FIELD_ERRORS = {
    "name": N_("Give your name."),
    "phone": N_(
        "This is not a phone number we can call. Write it as on your phone, e.g. 050 12 34 56."
    ),
    "second_phone": N_("This is not a phone number we can call."),
    "language": N_("Choose a language."),
    "channels": N_("Choose how you want the messages."),
    "street": N_("Check the street."),
    "house_number": N_("Check the house number."),
    "consent": N_("You can only join if you agree."),
}


def _limits(runtime: Runtime) -> signup.Limits:
    s = runtime.settings
    return signup.Limits(
        per_number_hour=s.signup_calls_per_number_hour,
        per_number_day=s.signup_calls_per_number_day,
        per_client_hour=s.signup_per_client_hour,
        per_hour=s.signup_calls_per_hour,
    )


def _language(request: Request, languages: list[str]) -> str:
    """The page's language: one the person chose (?lang= or the header's switch) among the
    BIN's, else the first of the BIN's."""
    chosen = request.query_params.get("lang") or session.current(request).lang
    if chosen not in languages:
        header = request.headers.get("accept-language", "")
        chosen = next(
            (p.split(";")[0].strip()[:2] for p in header.split(",") if p[:2] in languages),
            languages[0],
        )
    session.update(request, lang=chosen)
    return chosen


def _join_page(
    request: Request, runtime: Runtime, token: str, status: int = 200, **context: Any
) -> Response:
    with runtime.store.session() as db:
        bin_row, found = signup.by_token(db, token)
        languages = signup.page_languages(found)
        lang = _language(request, languages)
        consent = signup.consent_for(bin_row, found, lang)
    context.setdefault("values", {"language": lang, "channels": "call"})
    context.setdefault("errors", {})
    return page(
        request,
        "signup.html",
        status,
        bin=bin_row,
        token=token,
        page_languages=languages,
        consent=consent,
        sms=sms_configured(runtime.settings),
        **context,
    )


@router.get("/join/{token}")
def join_form(request: Request, runtime: RuntimeDep, token: str) -> Response:
    return _join_page(request, runtime, token)


@router.post("/join/{token}", dependencies=[Csrf])
async def join(request: Request, runtime: RuntimeDep, token: str) -> Response:
    raw = await request.form()
    values = {key: str(raw.get(key) or "").strip()[:300] for key in FIELDS}
    form = signup.SignupForm(**values, consent=raw.get("consent") == "yes")
    address = request.client.host if request.client else None
    client = signup.client_key(address, runtime.settings.server_secret())
    try:
        with runtime.store.session() as db:
            taken = signup.submit(
                db,
                token,
                form,
                client=client,
                source=address,
                limits=_limits(runtime),
                policy=runtime.settings.member_policy(),
                sms=sms_configured(runtime.settings),
                now=utcnow(),
            )
            phone = taken.phone
    except Invalid as error:
        errors = {
            str(d.get("field")): FIELD_ERRORS.get(str(d.get("field")), "") for d in error.details
        }
        return _join_page(request, runtime, token, 422, values=values, errors=errors)
    except TooMany:
        return _join_page(request, runtime, token, 429, values=values, refused="too_many")
    with runtime.store.session() as db:
        bin_row, _found = signup.by_token(db, token)
    return page(request, "signup_sent.html", bin=bin_row, phone=_shown(phone))


def _shown(e164: str) -> str:
    """A number as people write it (050 12 34 56; a foreign one in its international form)."""
    parsed = phonenumbers.parse(e164)
    national = phonenumbers.region_code_for_number(parsed) == "BE"
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(parsed, style.NATIONAL if national else style.INTERNATIONAL)


# -- the coordinator's side --------------------------------------------------------------------


def _link(runtime: Runtime, token: str | None) -> str | None:
    return f"{runtime.settings.public_base}/join/{token}" if token else None


@router.get("/bins/{bin_id}/signups")
def signups_page(request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    with runtime.store.session() as db:
        bin_row, found = signup.options(db, caller, bin_id)
        waiting = signup.waiting(db, caller, bin_id)
    return page(
        request,
        "signups.html",
        bin=bin_row,
        options=found,
        chosen=signup.page_languages(found),
        link=_link(runtime, found.token),
        waiting=waiting,
    )


@router.post("/bins/{bin_id}/signups/link", dependencies=[Csrf])
def renew_link(request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    with runtime.store.session() as db:
        signup.renew_link(db, caller, bin_id)
    return redirect(request, f"/bins/{bin_id}/signups")


@router.post("/bins/{bin_id}/signups/options", dependencies=[Csrf])
def save_options(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    bin_id: Id,
    languages: Annotated[list[str], Form()],
    contact: Annotated[str, Form(max_length=300)] = "",
    auto_accept: Annotated[bool, Form()] = False,
) -> Response:
    with runtime.store.session() as db:
        signup.set_options(
            db, caller, bin_id, auto_accept=auto_accept, languages=languages, contact=contact
        )
    return redirect(request, f"/bins/{bin_id}/signups")


@router.post("/signups/{signup_id}/approve", dependencies=[Csrf])
def approve(request: Request, caller: WebCaller, runtime: RuntimeDep, signup_id: Id) -> Response:
    welcome = signup.WelcomeSender(sms_configured(runtime.settings))
    with runtime.store.session() as db:
        bin_id = signup.bin_of(db, signup_id)
        signup.approve(db, caller, signup_id, runtime.settings.member_policy(), welcome)
    return redirect(request, f"/bins/{bin_id}/members")


@router.post("/signups/{signup_id}/refuse", dependencies=[Csrf])
def refuse(request: Request, caller: WebCaller, runtime: RuntimeDep, signup_id: Id) -> Response:
    with runtime.store.session() as db:
        bin_id = signup.bin_of(db, signup_id)
        signup.refuse(db, caller, signup_id)
    return redirect(request, f"/bins/{bin_id}/members")


@router.get("/bins/{bin_id}/flyer")
def flyer(request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    """One printable page: the BIN's name, why join, the link and its QR code, in the page's
    languages."""
    with runtime.store.session() as db:
        bin_row, found = signup.options(db, caller, bin_id)
    link = _link(runtime, found.token)
    qr = None
    if link:
        svg = segno.make(link, error="m").svg_inline(scale=6, border=2, dark="#000")
        qr = Markup(svg)  # segno's own markup: the link is ours (public URL and token)
    texts = {
        lang: [i18n.translator(lang)(text) for text in FLYER_TEXTS]
        for lang in signup.page_languages(found)
    }
    return page(request, "flyer.html", bin=bin_row, link=link, qr=qr, texts=texts)
