"""When calls start, as people in Belgium read it: Europe/Brussels time, the weekday and the
month in words ("Tuesday 1 December at 09:00"), in nl, fr, de or en."""

from __future__ import annotations

from datetime import datetime

from binalert.calling_hours import BRUSSELS

_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
}
_FORMS = {
    "en": "{day} {d} {month} at {time}",
    "nl": "{day} {d} {month} om {time}",
    "fr": "{day} {d} {month} à {time}",
    "de": "{day}, {d}. {month} um {time}",
}


def day_and_time(moment: datetime, language: str = "en") -> str:
    """`moment` in Brussels time: "Tuesday 1 December at 09:00" (English if `language` is
    not one of nl, fr, de, en)."""
    lang = language if language in _FORMS else "en"
    local = moment.astimezone(BRUSSELS)
    return _FORMS[lang].format(
        day=_DAYS[lang][local.weekday()],
        d=local.day,
        month=_MONTHS[lang].split()[local.month - 1],
        time=local.strftime("%H:%M"),
    )


def calls_start(calls_from: datetime, now: datetime) -> str:
    """The API's sentence: "calls start Tuesday 1 December at 09:00" (Brussels time), or
    "calls started ..." once that time has come."""
    verb = "start" if calls_from > now else "started"
    return f"calls {verb} {day_and_time(calls_from)}"
