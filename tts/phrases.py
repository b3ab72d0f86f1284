"""The spoken pieces of an alert call, written once per language."""

from __future__ import annotations

from tts.voices import check_language

PHRASES: dict[str, dict[str, str]] = {
    "nl": {
        "intro": "Dringend bericht van de lokale politie {zone} "
        "voor het buurtinformatienetwerk {bin_name}.",
        "prompt": "Om te bevestigen, druk 1. Om opnieuw te beluisteren, druk 2.",
        "thanks": "Dank u, uw bevestiging is doorgegeven aan de politie.",
        "invalid_key": "Deze toets is niet geldig.",
        "machine": "Dit was een dringend bericht van de lokale politie {zone}. "
        "Om te bevestigen dat u het gehoord hebt, druk nu 1, "
        "of druk 1 wanneer wij u opnieuw bellen.",
    },
    "fr": {
        "intro": "Message urgent de la police locale {zone} "
        "pour le réseau d'information de quartier {bin_name}.",
        "prompt": "Pour confirmer, appuyez sur 1. Pour réécouter, appuyez sur 2.",
        "thanks": "Merci, votre confirmation a été transmise à la police.",
        "invalid_key": "Cette touche n'est pas valable.",
        "machine": "Ceci était un message urgent de la police locale {zone}. "
        "Pour confirmer que vous l'avez entendu, appuyez maintenant sur 1, "
        "ou appuyez sur 1 lorsque nous vous rappellerons.",
    },
    "de": {
        "intro": "Dringende Nachricht der lokalen Polizei {zone} "
        "für das Nachbarschaftsinformationsnetzwerk {bin_name}.",
        "prompt": "Zum Bestätigen drücken Sie 1. Zum erneuten Anhören drücken Sie 2.",
        "thanks": "Danke, Ihre Bestätigung wurde an die Polizei weitergeleitet.",
        "invalid_key": "Diese Taste ist nicht gültig.",
        "machine": "Dies war eine dringende Nachricht der lokalen Polizei {zone}. "
        "Um zu bestätigen, dass Sie sie gehört haben, drücken Sie jetzt 1, "
        "oder drücken Sie 1, wenn wir Sie erneut anrufen.",
    },
    "en": {
        "intro": "Urgent message from the local police {zone} "
        "for the neighbourhood information network {bin_name}.",
        "prompt": "To confirm, press 1. To listen again, press 2.",
        "thanks": "Thank you, your confirmation has been passed on to the police.",
        "invalid_key": "That key is not valid.",
        "machine": "This was an urgent message from the local police {zone}. "
        "To confirm that you heard it, press 1 now, or press 1 when we call you again.",
    },
}
PIECES = ("intro", "prompt", "thanks", "invalid_key", "machine")


def phrase(piece: str, language: str, zone: str = "", bin_name: str = "") -> str:
    """One piece's text; placeholders are filled with plain text (braces in names are safe)."""
    template = PHRASES[check_language(language)][piece]
    return template.replace("{zone}", zone.strip()).replace("{bin_name}", bin_name.strip())
