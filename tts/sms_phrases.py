"""What binalert texts a member on its own (#22), written once per language, beside the
spoken phrases (tts/phrases.py): the answer to STOP, the one answer to any other reply, and the
line before a fallback SMS. Written out in full, no abbreviations (the Dutch Burgernet's lesson),
each within one GSM 03.38 part where the language allows it (fr needs UCS-2 for "ç"/"ê": kept
short enough for one UCS-2 part of 70 characters where possible).

And the words a member replies with: 1 and yes in the four languages acknowledge, STOP (the
norm in Belgium, also what people type in French and German) stops SMS. Compared after
lower-casing and dropping spaces and punctuation (binalert.deliveries.sms_rules.reply_word).
"""

from __future__ import annotations

from tts.voices import check_language

SMS_PHRASES: dict[str, dict[str, str]] = {
    "nl": {
        "stop_confirmation": "U krijgt geen sms meer van het buurtinformatienetwerk. "
        "Oproepen blijven komen. Toch weer sms? Vraag het aan uw coördinator.",
        "cannot_read": "Dit nummer kan geen berichten lezen. "
        "Voor de politie: bel 101. Bij nood: bel 112.",
        "fallback_intro": "We konden u niet bereiken per telefoon.",
        "me_link": "Buurtinformatienetwerk: uw eigen pagina, 15 minuten geldig: {link} "
        "Niet zelf gevraagd? Negeer dit bericht.",
        "number_code": "Buurtinformatienetwerk: uw code om dit nummer te bevestigen is {code}.",
    },
    "fr": {
        "stop_confirmation": "Vous ne recevrez plus de SMS du réseau d'information de "
        "quartier. Les appels continuent. Pour les SMS, voyez votre coordinateur.",
        "cannot_read": "Ce numéro ne lit pas les messages. "
        "Pour la police : appelez le 101. En cas d'urgence : le 112.",
        "fallback_intro": "Nous n'avons pas pu vous joindre par téléphone.",
        "me_link": "Réseau d'information de quartier : votre page, valable 15 minutes : "
        "{link} Pas demandé ? Ignorez ce message.",
        "number_code": "Réseau d'information de quartier : votre code pour confirmer ce "
        "numéro est {code}.",
    },
    "de": {
        "stop_confirmation": "Sie erhalten keine SMS mehr vom Nachbarschaftsnetzwerk. "
        "Anrufe kommen weiter. SMS wieder? Fragen Sie Ihren Koordinator.",
        "cannot_read": "Diese Nummer kann keine Nachrichten lesen. "
        "Für die Polizei: 101 anrufen. Im Notfall: 112.",
        "fallback_intro": "Wir konnten Sie telefonisch nicht erreichen.",
        "me_link": "Nachbarschaftsnetzwerk: Ihre eigene Seite, 15 Minuten gültig: {link} "
        "Nicht angefordert? Ignorieren Sie diese Nachricht.",
        "number_code": "Nachbarschaftsnetzwerk: Ihr Code zur Bestätigung dieser Nummer ist {code}.",
    },
    "en": {
        "stop_confirmation": "You will get no more text messages from the neighbourhood "
        "network. Calls go on. Texts again? Ask your coordinator.",
        "cannot_read": "This number cannot read replies. "
        "For the police: call 101. In an emergency: call 112.",
        "fallback_intro": "We could not reach you by phone.",
        "me_link": "Neighbourhood network: your own page, valid for 15 minutes: {link} "
        "Did not ask for it? Ignore this message.",
        "number_code": "Neighbourhood network: your code to confirm this number is {code}.",
    },
}
SMS_PIECES = ("stop_confirmation", "cannot_read", "fallback_intro")
SELF_SERVICE_SMS = ("me_link", "number_code")
"""A member's own page (#24): the single-use link, the code that confirms a new number
({link}, {code}: binalert.members.courier fills them)."""

ACK_WORDS = frozenset({"1", "ja", "oui", "yes", "ok", "okay", "oke", "oké"})
"""A reply that acknowledges: 1, and yes in nl/de (ja), fr (oui), en (yes), and ok."""
STOP_WORDS = frozenset({"stop", "stopp", "stoppen", "arret", "arrêt", "arrêter", "arreter"})
"""A reply that stops SMS: STOP, and how it is written in German and French."""


def sms_phrase(piece: str, language: str) -> str:
    return SMS_PHRASES[check_language(language)][piece]
