"""The short text a recorded language stands in with in `Alert.messages` (alerts.recorded):
for the record and the reports, never spoken, never texted (alerts.sms)."""

from __future__ import annotations

STAND_IN = {
    "nl": "Ingesproken bericht van de politie.",
    "fr": "Message enregistré par la police.",
    "de": "Von der Polizei aufgenommene Nachricht.",
    "en": "Message recorded by the police.",
}


def is_stand_in(language: str, text: str) -> bool:
    return STAND_IN.get(language) == text
