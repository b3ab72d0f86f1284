"""The consent a person gives on a BIN's sign-up page (#24), in plain words and four languages:
what binalert is for, who sees what, how long it is kept, how to leave, whom to ask. Each
consent is recorded with VERSION: change a text, change the version (the record then says
which words the person agreed to)."""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "2026-12-07"


@dataclass(frozen=True)
class ConsentText:
    title: str
    paragraphs: tuple[str, ...]


_TEXTS: dict[str, ConsentText] = {
    "nl": ConsentText(
        "Wat u aanvaardt",
        (
            "Waarvoor: het buurtinformatienetwerk {bin_name} belt (of sms't) u wanneer de "
            "lokale politie {zone} iets meldt voor uw buurt, bijvoorbeeld een verdacht voertuig. "
            "Uw nummer wordt voor niets anders gebruikt.",
            "Wie ziet wat: de coördinator van uw BIN ziet uw naam, nummers, taal en (als u ze "
            "geeft) straat en huisnummer. De politie ziet bij een bericht alleen of u bereikt "
            "werd. Niemand anders krijgt uw gegevens.",
            "Hoe lang: zolang u lid bent. Bevestigt u uw nummer niet, dan vergeten wij alles "
            "na 48 uur. Wie vertrekt, wordt gewist.",
            "Vertrekken: wanneer u wilt, op uw eigen pagina, door op het einde van een oproep "
            "op 9 te drukken, of door de coördinator te vragen.",
            "Vragen: de coördinator ({contact}) of de lokale politie {zone} (bel 101; bij nood "
            "112).",
        ),
    ),
    "fr": ConsentText(
        "Ce que vous acceptez",
        (
            "Pourquoi : le réseau d'information de quartier {bin_name} vous appelle (ou vous "
            "envoie un SMS) quand la police locale {zone} signale quelque chose pour votre "
            "quartier, par exemple un véhicule suspect. Votre numéro ne sert à rien d'autre.",
            "Qui voit quoi : le coordinateur de votre réseau voit votre nom, vos numéros, votre "
            "langue et (si vous les donnez) votre rue et numéro. Lors d'un message, la police "
            "voit seulement si vous avez été joint. Personne d'autre ne reçoit vos données.",
            "Combien de temps : tant que vous êtes membre. Si vous ne confirmez pas votre "
            "numéro, nous oublions tout après 48 heures. Qui part est effacé.",
            "Partir : quand vous voulez, sur votre page, en appuyant sur 9 à la fin d'un appel, "
            "ou en le demandant au coordinateur.",
            "Questions : le coordinateur ({contact}) ou la police locale {zone} (appelez le "
            "101 ; en cas d'urgence le 112).",
        ),
    ),
    "de": ConsentText(
        "Was Sie annehmen",
        (
            "Wofür: Das Nachbarschaftsinformationsnetzwerk {bin_name} ruft Sie an (oder "
            "schickt eine SMS), wenn die lokale Polizei {zone} etwas für Ihre Nachbarschaft "
            "meldet, zum Beispiel ein verdächtiges Fahrzeug. Ihre Nummer dient zu nichts "
            "anderem.",
            "Wer sieht was: Der Koordinator Ihres Netzwerks sieht Ihren Namen, Ihre Nummern, "
            "Ihre Sprache und (wenn Sie sie angeben) Straße und Hausnummer. Bei einer "
            "Nachricht sieht die Polizei nur, ob Sie erreicht wurden. Sonst niemand.",
            "Wie lange: solange Sie Mitglied sind. Bestätigen Sie Ihre Nummer nicht, vergessen "
            "wir alles nach 48 Stunden. Wer austritt, wird gelöscht.",
            "Austreten: wann Sie wollen, auf Ihrer eigenen Seite, mit der Taste 9 am Ende eines "
            "Anrufs oder beim Koordinator.",
            "Fragen: der Koordinator ({contact}) oder die lokale Polizei {zone} (rufen Sie die "
            "101 an; im Notfall die 112).",
        ),
    ),
    "en": ConsentText(
        "What you agree to",
        (
            "What for: the neighbourhood information network {bin_name} calls you (or sends "
            "a text) when the local police {zone} report something for your neighbourhood, "
            "for example a suspect vehicle. Your number is used for nothing else.",
            "Who sees what: your network's coordinator sees your name, numbers, language and "
            "(if you give them) street and house number. With a message, the police only see "
            "whether you were reached. Nobody else gets your data.",
            "How long: as long as you are a member. If you do not confirm your number, we "
            "forget everything after 48 hours. Whoever leaves is erased.",
            "Leaving: whenever you like, on your own page, by pressing 9 at the end of a call, "
            "or by asking the coordinator.",
            "Questions: the coordinator ({contact}) or the local police {zone} (call 101; in "
            "an emergency 112).",
        ),
    ),
}


def consent_text(language: str, bin_name: str, zone: str, contact: str) -> ConsentText:
    """The consent in one language, the BIN's names filled in (plain text, escaped where
    shown)."""
    found = _TEXTS[language]
    values = {"{bin_name}": bin_name, "{zone}": zone, "{contact}": contact or "-"}
    paragraphs = []
    for paragraph in found.paragraphs:
        for key, value in values.items():
            paragraph = paragraph.replace(key, value.strip())
        paragraphs.append(paragraph)
    return ConsentText(found.title, tuple(paragraphs))
