"""The pages' catalogues (api/locale/<lang>/LC_MESSAGES/binalert.po): every English text the
templates and api/ code mark (t, _, gettext, ngettext, pgettext, N_), found with Babel's own
extraction and babel.cfg, has a translation in nl, fr and de; fuzzy or empty counts as missing.
A text someone adds without translating it fails here, with where it is used."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import nodes
from starlette.requests import Request

from api.web import i18n
from api.web.render import TEMPLATES
from binalert.models import AlertStatus, CallOutcome, DeliveryStatus, Language, Role, SmsStatus

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE]
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None}  # as `make messages`: pybabel extract -k t
LABEL = re.compile(r"[A-Z][a-z]")  # an English text as a label starts (not "BIN", "nl", "/x")
PLURAL_FORMS = {"nl": 2, "fr": 2, "de": 2}  # gettext's rules (French: n > 1), not CLDR's three


def _in_api(path: str) -> bool:
    parts = Path(path).relative_to(ROOT).parts
    return parts[:1] == ("api",) and not any(p.startswith((".", "_")) for p in parts)


Key = tuple[str | tuple[str, ...], str | None]  # (message id, or a plural's forms; context)


def extracted() -> dict[Key, list[str]]:
    """Every marked message with its context, and where it is used."""
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    found: dict[Key, list[str]] = defaultdict(list)
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_in_api
    ):
        found[(message, context)].append(f"{filename}:{lineno}")
    return found


MESSAGES = extracted()
IDS = {m if isinstance(m, str) else m[0] for m, _context in MESSAGES}


def catalogue(lang: str) -> Catalog:
    with i18n.catalogue_path(lang).open("rb") as source:
        return read_po(source, locale=lang, domain=i18n.DOMAIN)


def test_extraction_finds_the_pages_texts() -> None:
    assert {"Sign in", "Send an alert", "to call", "Suspect vehicle", "Dark blue"} <= IDS
    assert "%(num)d member imported." in IDS  # ngettext in members.html
    assert len(IDS) > 150


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_text_is_translated(lang: str) -> None:
    found = catalogue(lang)
    missing = []
    for (msgid, context), where in sorted(MESSAGES.items(), key=lambda item: str(item[0])):
        if isinstance(msgid, str) and i18n.STORE_VALUES.get(msgid, msgid) != msgid:
            continue  # t("pending") shows "to call", whose translation is checked
        message = found.get(msgid, context)
        if message is None or not i18n.is_complete(message):
            shown = msgid if context is None else (context, msgid)
            missing.append(f"{shown!r} ({', '.join(sorted(set(where)))})")
    assert not missing, (
        f"{len(missing)} text(s) without a {lang} translation in "
        f"{i18n.catalogue_path(lang).relative_to(ROOT)} (run `make messages`, then translate):\n"
        + "\n".join(missing)
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogue_is_well_formed(lang: str) -> None:
    """Its language, gettext's plural rule, and the same placeholders as the English text."""
    found = catalogue(lang)
    assert str(found.locale) == lang
    assert found.num_plurals == PLURAL_FORMS.get(lang, found.num_plurals)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in found.check()]
    assert not problems
    plurals = [m for m in found if m.id and isinstance(m.id, tuple)]
    assert all(len(m.string) == found.num_plurals for m in plurals)


def test_english_is_the_source_and_needs_no_catalogue() -> None:
    assert not i18n.catalogue_path("en").exists()
    t = i18n.translator("en")
    assert (t("Sign in"), t("pending"), t("no_answer")) == ("Sign in", "to call", "no answer")


def _unmarked(node: nodes.Node, marked: bool = False) -> Iterator[nodes.Const]:
    """Text constants in a template's expressions outside t(), _(), N_()... calls."""
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
        marked = marked or node.node.name in KEYWORDS
    if isinstance(node, nodes.Const) and isinstance(node.value, str) and not marked:
        yield node
    for child in node.iter_child_nodes():
        yield from _unmarked(child, marked)


def test_labels_written_in_templates_are_marked() -> None:
    """A label a template keeps in a list or hands to a macro, shown with t(label), is
    extracted only when marked: `N_("Kind of vehicle")` there, or TEMPLATE_LABELS."""
    unmarked = []
    for path in sorted((ROOT / "api" / "templates").rglob("*.html")):
        tree = TEMPLATES.env.parse(path.read_text(encoding="utf-8"))
        for const in _unmarked(tree):
            if LABEL.match(const.value) and const.value not in IDS:
                unmarked.append(f"{const.value!r} ({path.relative_to(ROOT)}:{const.lineno})")
    assert not unmarked, "texts to mark with N_():\n" + "\n".join(unmarked)


def test_every_value_the_store_keeps_has_a_text() -> None:
    """A status, call outcome or role shown with t(value) is a marked English text."""
    enums = (AlertStatus, DeliveryStatus, CallOutcome, Role, SmsStatus)
    values = [v.value for enum in enums for v in enum]
    assert [v for v in values if v not in i18n.STORE_VALUES] == []
    assert [v for v in values if i18n.STORE_VALUES[v] not in IDS] == []
    de = i18n.translator("de")
    assert [v for v in values if de(v) == i18n.STORE_VALUES[v]] == []


def test_the_pages_speak_the_members_languages() -> None:
    assert {lang.value for lang in Language} <= set(i18n.LANGUAGES)
    assert set(i18n.LANGUAGE_NAMES) >= set(i18n.LANGUAGES)
    assert all(i18n.catalogue_path(lang).is_file() for lang in TRANSLATED)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", ("Aanmelden", "te bellen", "Uw BIN's")),
        ("fr", ("Se connecter", "à appeler", "Vos PLP")),
        ("de", ("Anmelden", "anzurufen", "Ihre NIN")),
        ("en", ("Sign in", "to call", "Your BINs")),
    ],
)
def test_translator(lang: str, expected: tuple[str, str, str]) -> None:
    t = i18n.translator(lang)
    assert (t("Sign in"), t("pending"), t("Your BINs")) == expected
    assert t("A text nobody translated") == "A text nobody translated"
    assert t("100% <b>") == "100% <b>"  # plain text: never formatted (escaped when shown)


def _request(accept_language: str | None) -> Request:
    headers = [] if accept_language is None else [(b"accept-language", accept_language.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


@pytest.mark.parametrize(
    ("chosen", "accept", "expected"),
    [
        ("de", "fr-BE,fr;q=0.9", "de"),  # the switch in the header wins
        (None, "de-BE,de;q=0.9,fr;q=0.8", "de"),
        (None, "DE", "de"),
        (None, "es-ES,fr;q=0.5", "fr"),
        (None, "nl-BE", "nl"),
        ("xx", "es", "en"),
        (None, None, "en"),
    ],
)
def test_language_choice(chosen: str | None, accept: str | None, expected: str) -> None:
    assert i18n.pick(_request(accept), chosen) == expected


def _render(source: str, lang: str, **context: object) -> str:
    return TEMPLATES.env.from_string(source).render(lang=lang, t=i18n.translator(lang), **context)


def test_jinja_i18n_extension_speaks_the_pages_language() -> None:
    source = (
        '{{ _("Home") }}|{{ gettext("Sign out") }}|{% trans %}Members{% endtrans %}|'
        '{{ ngettext("%(num)d member imported.", "%(num)d members imported.", n) }}'
    )
    assert _render(source, "de", n=1) == "Startseite|Abmelden|Mitglieder|1 Mitglied importiert."
    assert _render(source, "fr", n=0).endswith("|0 membre importé.")  # French: 0 is singular
    assert _render(source, "nl", n=3).endswith("|3 leden geïmporteerd.")
    assert _render(source, "en", n=2) == "Home|Sign out|Members|2 members imported."


def test_translations_are_escaped_like_any_value() -> None:
    assert _render("{{ t(x) }}", "de", x="<b>calling</b>") == "&lt;b&gt;calling&lt;/b&gt;"
    assert _render("{{ t(x) }}", "de", x="calling") == "wird angerufen"
    source = '{{ _("Hello %(name)s", name=x) }}'
    assert _render(source, "de", x="<i>") == "Hello &lt;i&gt;"


def test_fuzzy_and_empty_translations_show_the_english_text() -> None:
    catalog = Catalog(locale="de", domain=i18n.DOMAIN)
    catalog.add("Home", "Startseite")
    catalog.add("Members", "Mitglieder (ungeprüft)", flags=["fuzzy"])
    catalog.add("Alerts", "")
    catalog.add(("%(num)d row", "%(num)d rows"), ("%(num)d Zeile", ""))
    found = i18n.compile_catalogue(catalog)
    assert found.gettext("Home") == "Startseite"
    assert found.gettext("Members") == "Members"
    assert found.gettext("Alerts") == "Alerts"
    assert found.ngettext("%(num)d row", "%(num)d rows", 2) == "%(num)d rows"


def test_the_old_hand_written_catalogue_survived() -> None:
    """A sample of the nl and fr texts that lived in api/web/i18n.py before the catalogues."""
    samples = {
        "nl": {"waiting_retry": "wacht op nieuwe poging", "Accounts": "Accounts"},
        "fr": {"invalid_number": "numéro inexistant : à corriger", "BINs": "PLP"},
    }
    for lang, texts in samples.items():
        t = i18n.translator(lang)
        assert {text: t(text) for text in texts} == texts
