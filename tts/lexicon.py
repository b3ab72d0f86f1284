"""Words the normaliser writes out, per language (nl, fr = Belgian French, de, en)."""

from __future__ import annotations

import string

from tts.frnumbers import fr_be_words


def _words(line: str) -> list[str]:
    return line.split()


_LETTERS: dict[str, list[str]] = {
    "nl": _words(
        "a bee cee dee ee ef gee ha ie jee ka el em en oo pee kuu er es tee uu vee wee iks "
        "ypsilon zet"
    ),
    "fr": _words(
        "a bé cé dé eu effe gé hache i ji ka elle emme enne o pé ku erre esse té u vé "
        "double_vé iks i_grec zède"
    ),
    "de": _words(
        "a beh zeh deh eh eff geh hah ih jott kah ell emm enn oh peh kuh err ess teh uh "
        "vau we iks ypsilon zett"
    ),
    "en": _words(
        "ay bee see dee ee ef gee aitch eye jay kay el em en oh pee cue ar ess tee you "
        "vee double_you ex why zed"
    ),
}
LETTER_NAMES: dict[str, dict[str, str]] = {
    lang: {c: n.replace("_", " ") for c, n in zip(string.ascii_uppercase, names, strict=True)}
    for lang, names in _LETTERS.items()
}

# Spelling words, said after letters that blur on a phone line ("em van Maria"), each language's
# own alphabet as its people know it (docs/tts.md "Spelling words"):
# - nl: the Dutch/Flemish telephone alphabet (Anna, Bernard, Cornelis, ... as Onze Taal lists it);
# - fr: the French telephone alphabet (Anatole, Berthe, Célestin, ...);
# - de: DIN 5009:2022, the current German one, of city names (Aachen, Berlin, Chemnitz, ...;
#   C is Cottbus in the table, Chemnitz stands for "Ch");
# - en: the ICAO/NATO alphabet (Alfa, Bravo, ...).
_ALPHABETS = {
    "nl": "Anna Bernard Cornelis Dirk Eduard Ferdinand Gerard Hendrik Izaak Jan Karel Lodewijk "
    "Maria Nico Otto Pieter Quotiënt Rudolf Simon Teunis Utrecht Victor Willem Xantippe "
    "Ypsilon Zaandam",
    "fr": "Anatole Berthe Célestin Désiré Eugène François Gaston Henri Irma Joseph Kléber Louis "
    "Marcel Nicolas Oscar Pierre Quintal Raoul Suzanne Thérèse Ursule Victor William Xavier "
    "Yvonne Zoé",
    "de": "Aachen Berlin Cottbus Düsseldorf Essen Frankfurt Goslar Hamburg Ingelheim Jena Köln "
    "Leipzig München Nürnberg Offenbach Potsdam Quickborn Rostock Salzwedel Tübingen Unna "
    "Völklingen Wuppertal Xanten Ypsilon Zwickau",
    "en": "Alfa Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima Mike "
    "November Oscar Papa Quebec Romeo Sierra Tango Uniform Victor Whiskey X-ray Yankee Zulu",
}
ALPHABET: dict[str, dict[str, str]] = {
    lang: dict(zip(string.ascii_uppercase, words.split(), strict=True))
    for lang, words in _ALPHABETS.items()
}
SPELLING = {
    "nl": "{letter} van {word}",
    "fr": "{letter} comme {word}",
    "de": "{letter} wie {word}",
    "en": "{letter} for {word}",
}
# How a plate can be said (tts.normalise.plates): by name with pauses, with spelling words (both
# readings, or only the first: "spelled_once"), plain.
PLATE_STYLES = ("pauses", "spelled", "spelled_once", "plain")
# How 101 and 112 are said (tts.normalise.emergency): digit by digit ("één nul één"), "paced"
# (with commas, short pauses: "één, nul, één"), or "fact" (paced, and a key fact: slower, with a
# pause before and after, as phone numbers).
EMERGENCY_STYLES = ("digits", "paced", "fact")
BLURRED = frozenset("BDPTMNFSV")  # letters a phone line's band limit makes hard to tell apart

DIGITS: dict[str, list[str]] = {
    "nl": ["nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"],
    "fr": ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"],
    "de": ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"],
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
}

I_REPEAT = {"nl": "ik herhaal", "fr": "je répète", "de": "ich wiederhole", "en": "I repeat"}

# (singular, plural) unit names after a number
UNITS: dict[str, dict[str, tuple[str, str]]] = {
    "nl": {
        "km/u": ("kilometer per uur", "kilometer per uur"),
        "km": ("kilometer", "kilometer"),
        "cm": ("centimeter", "centimeter"),
        "m": ("meter", "meter"),
    },
    "fr": {
        "km/h": ("kilomètre par heure", "kilomètres par heure"),
        "km": ("kilomètre", "kilomètres"),
        "cm": ("centimètre", "centimètres"),
        "m": ("mètre", "mètres"),
    },
    "de": {
        "km/h": ("Kilometer pro Stunde", "Kilometer pro Stunde"),
        "km": ("Kilometer", "Kilometer"),
        "cm": ("Zentimeter", "Zentimeter"),
        "m": ("Meter", "Meter"),
    },
    "en": {
        "km/h": ("kilometre per hour", "kilometres per hour"),
        "km": ("kilometre", "kilometres"),
        "cm": ("centimetre", "centimetres"),
        "m": ("metre", "metres"),
    },
}
# km/u and km/h are both written in Belgium whatever the language
for _lang, _table in UNITS.items():
    _speed = _table.get("km/u") or _table["km/h"]
    _table["km/u"] = _table["km/h"] = _speed

ABBREVIATIONS: dict[str, dict[str, str]] = {
    "nl": {
        "ca.": "circa",
        "ong.": "ongeveer",
        "bv.": "bijvoorbeeld",
        "nr.": "nummer",
        "o.a.": "onder andere",
        "m.a.w.": "met andere woorden",
        "a.u.b.": "alstublieft",
    },
    "fr": {
        "env.": "environ",
        "ca.": "environ",
        "n°": "numéro",
        "av.": "avenue",
        "bd": "boulevard",
        "p.ex.": "par exemple",
        "svp": "s'il vous plaît",
    },
    "de": {
        "ca.": "circa",
        "ungef.": "ungefähr",
        "nr.": "Nummer",
        "z.b.": "zum Beispiel",
        "bzw.": "beziehungsweise",
        "str.": "Straße",
        "u.a.": "unter anderem",
    },
    "en": {
        "approx.": "approximately",
        "ca.": "about",
        "no.": "number",
        "e.g.": "for example",
        "st.": "street",
        "mph": "miles per hour",
    },
}


def hour_phrase(language: str, hours: int, minutes: int) -> str:
    """A clock time with digits left for the voice (fr digits are turned into words later)."""
    if language == "nl":
        return f"{hours} uur" + (f" {minutes}" if minutes else "")
    if language == "fr":  # feminine: une heure, vingt et une heures
        spoken = fr_be_words(hours)
        spoken = spoken[:-2] + "une" if spoken.endswith(" un") or spoken == "un" else spoken
        word = "heure" if hours in (0, 1) else "heures"
        return f"{spoken} {word}" + (f" {minutes}" if minutes else "")
    if language == "de":
        return f"{hours} Uhr" + (f" {minutes}" if minutes else "")
    if minutes == 0:
        return f"{hours} o'clock"
    return f"{hours} oh {minutes}" if minutes < 10 else f"{hours} {minutes}"
