"""What binalert texts a member on its own (#22): the answer to STOP, the one answer to any
other reply, the line before a fallback SMS, a member's own link and code. The texts are in
the one phrase table (tts/phrases.py, the `sms_` pieces), written once per language: in full,
no abbreviations (the Dutch Burgernet's lesson), each within one GSM 03.38 part where the
language allows it (fr needs UCS-2 for "ç"/"ê": kept short enough for one UCS-2 part of 70
characters where possible).

And the words a member replies with: 1 and yes in the four languages acknowledge, STOP (the
norm in Belgium, also what people type in French and German) stops SMS. Compared after
lower-casing and dropping spaces and punctuation (binalert.deliveries.sms_rules.reply_word).
"""

from __future__ import annotations

from tts.phrases import PHRASES
from tts.voices import check_language

ACK_WORDS = frozenset({"1", "ja", "oui", "yes", "ok", "okay", "oke", "oké"})
"""A reply that acknowledges: 1, and yes in nl/de (ja), fr (oui), en (yes), and ok."""
STOP_WORDS = frozenset({"stop", "stopp", "stoppen", "arret", "arrêt", "arrêter", "arreter"})
"""A reply that stops SMS: STOP, and how it is written in German and French."""


def sms_phrase(piece: str, language: str) -> str:
    """What binalert texts on its own: `sms_<piece>` of the one phrase table."""
    return PHRASES[check_language(language)]["sms_" + piece]
