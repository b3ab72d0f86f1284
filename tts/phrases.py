"""The spoken pieces of an alert call, written once per language."""

from __future__ import annotations

from tts.voices import check_language

# Re-read for an elderly listener: short sentences, who calls first, the goal before the key,
# "the key 1" (a key with a number on it, as on any keypad), the prompt spoken slower
# (PROMPT_RATE) and, in the call, after a pause (SpeechService.section_pause_s).
PHRASES: dict[str, dict[str, str]] = {
    "nl": {
        "intro_notice": "Bericht van de lokale politie {zone}. "
        "Voor het buurtinformatienetwerk {bin_name}.",
        "machine_notice": "Dit was een bericht van de lokale politie {zone}. "
        "Hebt u het gehoord? Druk dan nu op de toets 1. "
        "Of druk op 1 wanneer wij u opnieuw bellen.",
        "intro": "Dringend bericht van de lokale politie {zone}. "
        "Voor het buurtinformatienetwerk {bin_name}.",
        "prompt": "Om te bevestigen: druk op de toets 1. Om opnieuw te luisteren: druk op 2.",
        "thanks": "Dank u. De politie weet nu dat u het bericht gehoord hebt.",
        "invalid_key": "Dat is niet de juiste toets.",
        "machine": "Dit was een dringend bericht van de lokale politie {zone}. "
        "Hebt u het gehoord? Druk dan nu op de toets 1. "
        "Of druk op 1 wanneer wij u opnieuw bellen.",
    },
    "fr": {
        "intro_notice": "Message de la police locale {zone}. "
        "Pour le réseau d'information de quartier {bin_name}.",
        "machine_notice": "C'était un message de la police locale {zone}. "
        "Vous l'avez entendu ? Alors appuyez maintenant sur la touche 1. "
        "Ou appuyez sur 1 quand nous vous rappellerons.",
        "intro": "Message urgent de la police locale {zone}. "
        "Pour le réseau d'information de quartier {bin_name}.",
        "prompt": "Pour confirmer : appuyez sur la touche 1. Pour réécouter : appuyez sur 2.",
        "thanks": "Merci. La police sait maintenant que vous avez entendu le message.",
        "invalid_key": "Ce n'est pas la bonne touche.",
        "machine": "C'était un message urgent de la police locale {zone}. "
        "Vous l'avez entendu ? Alors appuyez maintenant sur la touche 1. "
        "Ou appuyez sur 1 quand nous vous rappellerons.",
    },
    "de": {
        "intro_notice": "Nachricht der lokalen Polizei {zone}. "
        "Für das Nachbarschaftsinformationsnetzwerk {bin_name}.",
        "machine_notice": "Das war eine Nachricht der lokalen Polizei {zone}. "
        "Haben Sie sie gehört? Dann drücken Sie jetzt die Taste 1. "
        "Oder drücken Sie die 1, wenn wir Sie wieder anrufen.",
        "intro": "Dringende Nachricht der lokalen Polizei {zone}. "
        "Für das Nachbarschaftsinformationsnetzwerk {bin_name}.",
        "prompt": "Zum Bestätigen: Drücken Sie die Taste 1. "
        "Zum erneuten Anhören: Drücken Sie die 2.",
        "thanks": "Danke. Die Polizei weiß jetzt, dass Sie die Nachricht gehört haben.",
        "invalid_key": "Das ist nicht die richtige Taste.",
        "machine": "Das war eine dringende Nachricht der lokalen Polizei {zone}. "
        "Haben Sie sie gehört? Dann drücken Sie jetzt die Taste 1. "
        "Oder drücken Sie die 1, wenn wir Sie wieder anrufen.",
    },
    "en": {
        "intro_notice": "A message from the local police {zone}. "
        "For the neighbourhood information network {bin_name}.",
        "machine_notice": "This was a message from the local police {zone}. "
        "Did you hear it? Then press the number 1 now. "
        "Or press 1 when we call you again.",
        "intro": "Urgent message from the local police {zone}. "
        "For the neighbourhood information network {bin_name}.",
        "prompt": "To confirm: press the number 1. To listen again: press 2.",
        "thanks": "Thank you. The police now know that you heard the message.",
        "invalid_key": "That is not the right key.",
        "machine": "This was an urgent message from the local police {zone}. "
        "Did you hear it? Then press the number 1 now. "
        "Or press 1 when we call you again.",
    },
}
PROMPT_RATE = 0.85  # the keys prompt (and "not the right key") at this share of the rate
PIECES = ("intro", "prompt", "thanks", "invalid_key", "machine")
NOTICE_PIECES = ("intro_notice", "machine_notice")  # a non-urgent message: not "urgent"


def phrase(piece: str, language: str, zone: str = "", bin_name: str = "") -> str:
    """One piece's text; placeholders are filled with plain text (braces in names are safe)."""
    template = PHRASES[check_language(language)][piece]
    return template.replace("{zone}", zone.strip()).replace("{bin_name}", bin_name.strip())
