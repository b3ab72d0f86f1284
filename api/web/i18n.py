"""The pages' languages: gettext catalogues (Babel), English texts as message ids.

Translators work in `api/locale/<lang>/LC_MESSAGES/binalert.po` (nl, fr, de); English is the
source language and needs no catalogue. The `.po` files are compiled in memory when the pages
start (no `.mo` files, no build step); a fuzzy or empty translation is left out, so the page
shows the English text. `make messages` extracts the texts and updates the catalogues
(README, "Translations"); tests/web/test_translations.py fails on a text left untranslated.

In templates:
- `t(text)`: the translation of an English text or of a value the store keeps (a status, a call
  outcome, a role: see STORE_VALUES); plain text, escaped like any value, never formatted.
  It is the one to use for values (`t(alert.status)`, `t(label)`).
- `_()`, `gettext()`, `ngettext()`, `pgettext()` (Jinja2's i18n extension, new style): for
  literal texts only, with named placeholders, e.g.
  `ngettext("%(num)d member imported.", "%(num)d members imported.", n)`; a literal `%` is `%%`.
A text that reaches a template only as a value (a label in a list, a macro's argument) is
marked with `N_()` where it is written (`N_` exists in templates too), or listed in
`value_texts()`: babel.cfg extracts this module with `extract_values`, which yields them all.

The language comes from the session (the switch in the header), else Accept-Language, else English.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from starlette.requests import Request

from binalert.alerts.words import LABELS as WORD_LABELS

LANGUAGES = ("nl", "fr", "de", "en")
SOURCE = "en"
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}
DOMAIN = "binalert"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def N_(text: str) -> str:  # gettext's name for "mark for translation, translate later"
    """Marks a text for extraction; it is translated where it is shown (with `t`)."""
    return text


# Values the store keeps, shown with t(value): the English text of each (its message id).
STORE_VALUES: dict[str, str] = {
    # Alert statuses.
    "awaiting_approval": N_("awaiting approval"),
    "active": N_("active"),
    "completed": N_("completed"),
    "cancelled": N_("cancelled"),
    "expired": N_("expired"),
    "rejected": N_("rejected"),
    # Delivery statuses.
    "pending": N_("to call"),
    "calling": N_("calling"),
    "waiting_retry": N_("waiting for retry"),
    "acknowledged": N_("acknowledged"),
    "unacknowledged": N_("not acknowledged"),
    "unreachable": N_("unreachable"),
    # SMS statuses (#22; expired, rejected, failed, cancelled as above): "sent" is never
    # "delivered", only a receipt makes it so.
    "queued": N_("to send"),
    "submitting": N_("being sent"),
    "sent": N_("sent, no receipt yet"),
    "delivered": N_("delivered"),
    "undeliverable": N_("undeliverable"),
    "no_receipt": N_("sent, no receipt came"),
    "unknown": N_("perhaps sent, not confirmed"),
    # Call outcomes.
    "answered": N_("answered"),
    "no_answer": N_("no answer"),
    "busy": N_("busy"),
    "congestion": N_("network congestion"),
    "failed": N_("failed"),
    "machine": N_("answering machine"),
    "hangup_no_ack": N_("hung up without acknowledging"),
    "invalid_number": N_("number does not exist: to correct"),
    "transferred": N_("put through to the police"),
    "callback_unverified": N_("heard on call-back (unverified)"),
    "stopped_by_member": N_("stopped: asked by phone not to be called any more"),
    # Roles.
    "admin": N_("admin"),
    "police": N_("police"),
    "coordinator": N_("coordinator"),
}

# Labels the templates hold in lists or pass to macros and show with t(label) (alert_form.html,
# member_form.html); tests/web/test_translations.py finds any such label left unmarked.
TEMPLATE_LABELS = (
    N_("Suspect vehicle"),
    N_("Suspect person"),
    N_("All clear"),
    N_("Free text per language"),
    N_("Kind of vehicle"),
    N_("Make"),
    N_("Colour"),
    N_("Number plate"),
    N_("Who was seen"),
    N_("Clothing"),
    N_("Colour of the clothing"),
    N_("Description"),
    N_("Direction"),
    N_("Name"),
    N_("Phone"),
    N_("Second phone"),
)


def value_texts() -> list[tuple[str, str]]:
    """Every English text the pages translate although no template or code holds it as a
    literal in a t() call, with a note for translators: the store's values, the templates'
    labels, the send page's words."""
    found = [
        (text, f"A status, call outcome or role ({value})") for value, text in STORE_VALUES.items()
    ]
    found += [(text, "A label on a page (a form field, a choice)") for text in TEMPLATE_LABELS]
    for name, choices in WORD_LABELS.items():
        note = f"On the send page, one of the choices for: {name}"
        found += [(text, note) for text in choices.values()]
    return found


def extract_values(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> list[tuple[int, str, str, list[str]]]:
    """Babel's extraction method for this module (babel.cfg): value_texts() as messages."""
    return [(1, "N_", text, [note]) for text, note in value_texts()]


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def is_complete(message: Any) -> bool:
    """A translation that counts: not fuzzy, no empty form (a plural's forms all present)."""
    if message.fuzzy:
        return False
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(forms) and all(forms)


def compile_catalogue(catalog: Catalog) -> Translations:
    """The catalogue as gettext translations, compiled in memory (complete translations only)."""
    for message in list(catalog)[1:]:
        if not is_complete(message):
            catalog.delete(message.id, message.context)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The language's translations (English, or a language without a catalogue: the texts)."""
    path = catalogue_path(lang)
    if lang == SOURCE or lang not in LANGUAGES or not path.is_file():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=lang, domain=DOMAIN)
    return compile_catalogue(catalog)


def load() -> None:
    """Compiles every catalogue now, so a broken `.po` stops the start, not a page."""
    for lang in LANGUAGES:
        translations(lang)


def pick(request: Request, chosen: str | None) -> str:
    if chosen in LANGUAGES:
        return chosen
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return SOURCE


def translator(lang: str) -> Callable[[str], str]:
    """`t`: an English text or a store value (STORE_VALUES) in this language."""
    found = translations(lang)

    def translate(text: str) -> str:
        return found.gettext(STORE_VALUES.get(text, text))

    return translate


def _lang(context: Context) -> str:
    lang = context.get("lang")
    return lang if isinstance(lang, str) else SOURCE


@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(_lang(context)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(_lang(context)).ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, ctx: str, message: str) -> str:
    return translations(_lang(context)).pgettext(ctx, message)


@pass_context
def _npgettext(context: Context, ctx: str, singular: str, plural: str, n: int) -> str:
    return translations(_lang(context)).npgettext(ctx, singular, plural, n)


def install(env: Environment) -> None:
    """Jinja2's i18n extension on the pages' environment: `_`, `gettext`, `ngettext`,
    `pgettext`, `npgettext` and `{% trans %}` translate into the language of the page being
    rendered (its `lang`), so one environment serves every language at once."""
    env.add_extension("jinja2.ext.i18n")
    env.globals["N_"] = N_
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
        newstyle=True,
    )
