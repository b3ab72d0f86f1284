"""What a buddy hears (the relay alert's message) and reads about a neighbour: the
neighbour's first name and street, nothing else (#24).

The relay call is an alert call like any other: the introduction (police zone, BIN) and the
keys come from the phrase table (tts/phrases.py); this is its message, in the buddy's
language, one sentence per neighbour the alert did not reach.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

MAX_SHOWN = 60  # a first name or a street longer than this is cut: a page, a call, an SMS


class Shared(NamedTuple):
    """What a neighbour agreed to share with their buddy."""

    first_name: str
    street: str | None


def _clean(text: str | None) -> str:
    """Printable characters only, whitespace collapsed, bounded (member data was checked
    when stored; this keeps a call's text and a page's line short and plain all the same)."""
    if not text:
        return ""
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())[:MAX_SHOWN].strip()


def first_name(name: str | None) -> str:
    """The first word of a member's name."""
    words = _clean(name).split()
    return words[0] if words else ""


def shared(name: str | None, street: str | None) -> Shared:
    return Shared(first_name(name), _clean(street) or None)


_NEIGHBOUR = {
    "nl": (
        "Uw buur {name} kon niet bereikt worden voor het dringende bericht van daarnet.",
        "Uw buur {name}, {street}, kon niet bereikt worden voor het dringende bericht van daarnet.",
    ),
    "fr": (
        "Votre voisin ou voisine {name} n'a pas pu être joint pour le message urgent "
        "de tout à l'heure.",
        "Votre voisin ou voisine {name}, {street}, n'a pas pu être joint pour le message "
        "urgent de tout à l'heure.",
    ),
    "de": (
        "Ihr Nachbar oder Ihre Nachbarin {name} war für die dringende Nachricht eben "
        "nicht erreichbar.",
        "Ihr Nachbar oder Ihre Nachbarin {name}, {street}, war für die dringende Nachricht "
        "eben nicht erreichbar.",
    ),
    "en": (
        "Your neighbour {name} could not be reached with the urgent message just now.",
        "Your neighbour {name}, {street}, could not be reached with the urgent message just now.",
    ),
}
_CLOSING = {
    "nl": "Als u kunt, kijk dan even bij hen binnen. Druk op 1 als u dat doet.",
    "fr": "Si vous le pouvez, passez les voir. Appuyez sur 1 si vous le faites.",
    "de": "Wenn Sie können, schauen Sie bitte kurz bei ihnen vorbei. "
    "Drücken Sie die 1, wenn Sie das tun.",
    "en": "If you can, please look in on them. Press 1 if you will.",
}
_CLOSING_SMS = {  # the same, read: a reply of 1 by SMS acknowledges the relay (#22)
    "nl": "Als u kunt, kijk dan even bij hen binnen. Antwoord 1 als u dat doet.",
    "fr": "Si vous le pouvez, passez les voir. Répondez 1 si vous le faites.",
    "de": "Wenn Sie können, schauen Sie bitte kurz bei ihnen vorbei. "
    "Antworten Sie 1, wenn Sie das tun.",
    "en": "If you can, please look in on them. Answer 1 if you will.",
}
_SMS_FROM = {
    "nl": "Buurtinformatienetwerk:",
    "fr": "Réseau d'information de quartier :",
    "de": "Nachbarschaftsinformationsnetzwerk:",
    "en": "Neighbourhood information network:",
}
LANGUAGES = tuple(_CLOSING)


def relay_message(neighbours: Sequence[Shared], language: str) -> str:
    """The relay call's message to a buddy, in their language (Dutch if it has none)."""
    lang = language if language in _CLOSING else "nl"
    sentences = [
        _NEIGHBOUR[lang][1 if n.street else 0].format(name=n.first_name, street=n.street)
        for n in neighbours
    ]
    return " ".join([*sentences, _CLOSING[lang]])


def relay_sms(neighbours: Sequence[Shared], language: str) -> str:
    """The relay as an SMS, for a buddy who wants their alerts texted: who sends it, the
    same sentences, and the reply that says they will."""
    lang = language if language in _CLOSING else "nl"
    sentences = [
        _NEIGHBOUR[lang][1 if n.street else 0].format(name=n.first_name, street=n.street)
        for n in neighbours
    ]
    return " ".join([_SMS_FROM[lang], *sentences, _CLOSING_SMS[lang]])


_CONFIRM_CALL = {
    "nl": "Bericht van het buurtinformatienetwerk. Uw buur {who} biedt aan om even bij u "
    "binnen te kijken wanneer een dringend bericht u niet bereikt. Uw buur hoort dan alleen "
    "uw voornaam en uw straat. Gaat u akkoord? Druk dan op de toets 1.",
    "fr": "Message du réseau d'information de quartier. Votre voisin ou voisine {who} propose "
    "de passer vous voir quand un message urgent ne vous atteint pas. Il ou elle apprend "
    "alors seulement votre prénom et votre rue. Vous êtes d'accord ? Appuyez sur la touche 1.",
    "de": "Nachricht vom Nachbarschaftsinformationsnetzwerk. Ihr Nachbar oder Ihre "
    "Nachbarin {who} bietet an, bei Ihnen vorbeizuschauen, wenn eine dringende Nachricht Sie "
    "nicht erreicht. Dabei erfährt er oder sie nur Ihren Vornamen und Ihre Straße. "
    "Sind Sie einverstanden? Dann drücken Sie die Taste 1.",
    "en": "A message from the neighbourhood information network. Your neighbour {who} offers "
    "to look in on you when an urgent alert does not reach you. They learn only your first "
    "name and your street. Do you agree? Then press the key 1.",
}


def confirm_call(buddy: Shared, language: str) -> str:
    """The service call asking a neighbour to agree to a buddy's offer: the buddy's first
    name and street (they offered, so they share them), the goal before the key."""
    lang = language if language in _CONFIRM_CALL else "nl"
    who = f"{buddy.first_name}, {buddy.street}," if buddy.street else buddy.first_name
    return _CONFIRM_CALL[lang].format(who=who)
