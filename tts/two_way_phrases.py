"""The spoken pieces of two-way calls (#14), written once per language: data only.

Re-read for an elderly listener, as tts/phrases.py: short sentences, the goal before the key,
numbers people know (101, 112) said on their own. A BIN never does police work: the press-3
offer is for reporting to the police what one has seen, nothing more.

- transfer_offer: after the keys prompt, only when the police zone has a dispatch line;
- transferring / transfer_failed: after a 3 (the police line does not answer: call yourself);
- transfer_busy: after a 3 when as many members as allowed talk to that line already;
- callback / callback_confirmed: a member calling the BIN number back, before their newest
  alert (confirmed: they pressed 1 already, the alert is played again all the same);
- callback_thanks: after a 1 on a call back, instead of the alert's thanks: a caller ID proves
  nothing, so binalert calls the member straight back, and the 1 on that call confirms;
- no_alert: a member calling back without an alert of the last hours;
- unknown: anyone else (spoken in every language of UNKNOWN_LANGUAGES, one after the other).
"""

from __future__ import annotations

TWO_WAY_PHRASES: dict[str, dict[str, str]] = {
    "nl": {
        "transfer_offer": "Hebt u iets gezien? Om het aan de politie te melden: druk op 3.",
        "transferring": "Een ogenblik. U wordt doorverbonden met de politie.",
        "transfer_failed": "De politie neemt nu niet op. Bel zelf 101. Bij nood: bel 112.",
        "transfer_busy": "De lijn van de politie is nu bezet. Bel zelf 101. Bij nood: bel 112.",
        "callback": "U belt het nummer van het buurtinformatienetwerk. "
        "Dit is het laatste bericht voor u.",
        "callback_confirmed": "U belt het nummer van het buurtinformatienetwerk. "
        "U hebt dit bericht al bevestigd. Dank u. U hoort het nog eens.",
        "callback_thanks": "Dank u. We bellen u nu meteen terug. "
        "Druk in dat gesprek op 1 om te bevestigen.",
        "no_alert": "Dit is het nummer van het buurtinformatienetwerk. "
        "Er is nu geen bericht voor u. Voor de politie: bel 101. Bij nood: bel 112.",
        "unknown": "Dit nummer stuurt alleen berichten van het buurtinformatienetwerk. "
        "Voor de politie: bel 101. Bij nood: bel 112.",
    },
    "fr": {
        "transfer_offer": "Vous avez vu quelque chose ? "
        "Pour le signaler à la police : appuyez sur 3.",
        "transferring": "Un instant. Nous vous mettons en communication avec la police.",
        "transfer_failed": "La police ne répond pas pour le moment. Appelez vous-même le 101. "
        "En cas d'urgence : appelez le 112.",
        "transfer_busy": "La ligne de la police est occupée pour le moment. "
        "Appelez vous-même le 101. En cas d'urgence : appelez le 112.",
        "callback": "Vous appelez le numéro du réseau d'information de quartier. "
        "Voici le dernier message pour vous.",
        "callback_confirmed": "Vous appelez le numéro du réseau d'information de quartier. "
        "Vous avez déjà confirmé ce message. Merci. Le voici encore une fois.",
        "callback_thanks": "Merci. Nous vous rappelons tout de suite. "
        "Pendant cet appel, appuyez sur 1 pour confirmer.",
        "no_alert": "Ici le numéro du réseau d'information de quartier. "
        "Il n'y a pas de message pour vous en ce moment. "
        "Pour la police : appelez le 101. En cas d'urgence : appelez le 112.",
        "unknown": "Ce numéro envoie uniquement les messages du réseau d'information de "
        "quartier. Pour la police : appelez le 101. En cas d'urgence : appelez le 112.",
    },
    "de": {
        "transfer_offer": "Haben Sie etwas gesehen? Um es der Polizei zu melden: "
        "Drücken Sie die 3.",
        "transferring": "Einen Moment bitte. Wir verbinden Sie mit der Polizei.",
        "transfer_failed": "Die Polizei antwortet gerade nicht. Rufen Sie selbst die 101 an. "
        "Im Notfall: Rufen Sie die 112 an.",
        "transfer_busy": "Die Leitung der Polizei ist gerade besetzt. "
        "Rufen Sie selbst die 101 an. Im Notfall: Rufen Sie die 112 an.",
        "callback": "Sie rufen die Nummer des Nachbarschaftsinformationsnetzwerks an. "
        "Hier ist die letzte Nachricht für Sie.",
        "callback_confirmed": "Sie rufen die Nummer des Nachbarschaftsinformationsnetzwerks "
        "an. Sie haben diese Nachricht schon bestätigt. Danke. Sie hören sie noch einmal.",
        "callback_thanks": "Danke. Wir rufen Sie gleich zurück. "
        "Drücken Sie in diesem Anruf die 1, um zu bestätigen.",
        "no_alert": "Hier ist die Nummer des Nachbarschaftsinformationsnetzwerks. "
        "Im Moment gibt es keine Nachricht für Sie. "
        "Für die Polizei: Rufen Sie die 101 an. Im Notfall: Rufen Sie die 112 an.",
        "unknown": "Diese Nummer sendet nur Nachrichten des "
        "Nachbarschaftsinformationsnetzwerks. "
        "Für die Polizei: Rufen Sie die 101 an. Im Notfall: Rufen Sie die 112 an.",
    },
    "en": {
        "transfer_offer": "Have you seen something? To report it to the police: press 3.",
        "transferring": "One moment, please. We are putting you through to the police.",
        "transfer_failed": "The police are not answering right now. Please call 101 yourself. "
        "In an emergency: call 112.",
        "transfer_busy": "The police line is busy right now. Please call 101 yourself. "
        "In an emergency: call 112.",
        "callback": "You are calling the neighbourhood information network. "
        "Here is the latest message for you.",
        "callback_confirmed": "You are calling the neighbourhood information network. "
        "You have already confirmed this message. Thank you. Here it is again.",
        "callback_thanks": "Thank you. We are calling you back right away. "
        "On that call, press 1 to confirm.",
        "no_alert": "This is the number of the neighbourhood information network. "
        "There is no message for you right now. "
        "For the police: call 101. In an emergency: call 112.",
        "unknown": "This number only sends messages from the neighbourhood information "
        "network. For the police: call 101. In an emergency: call 112.",
    },
}
TWO_WAY_PIECES = (
    "transfer_offer",
    "transferring",
    "transfer_failed",
    "transfer_busy",
    "callback",
    "callback_confirmed",
    "callback_thanks",
    "no_alert",
    "unknown",
)
SLOW_PIECES = ("transfer_offer",)
SLOW_RATE = 0.85
"""Pieces that name a key are spoken at this share of the language's rate (as the keys prompt
of an alert call)."""
UNKNOWN_LANGUAGES = ("nl", "fr", "de", "en")
"""The order the unknown-caller message is spoken in, one language after the other."""


def two_way_phrase(piece: str, language: str) -> str:
    """One piece's text in a language (nl, fr, de, en)."""
    return TWO_WAY_PHRASES[language][piece]
