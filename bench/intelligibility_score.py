"""Scoring for the intelligibility bench: one canonical form for what was said and what was heard.

The reference (the text the voice was given) and the recogniser's transcript go through the same
`canonical()`: lower case, no punctuation, number words and numerals both as single digits
("vierhonderdtweeëntachtig", "482" and "vier acht twee" are all "4 8 2"), letter names, their
homophones (fr "cas" for "ka") and capitals all as letters ("ka", "K" -> "k"; "KMT" -> "k m t"),
a spelling word as its letter ("em van Maria" -> "m"), clock times as their digits
("21u30", "21:30", "21 uur 30", "vingt et une heures trente" -> "2 1 3 0"). Because both sides
get the same mapping, a word that is also a letter name (nl "en", de "es") costs nothing.

WER is the word-level edit distance over the reference length. A fact (plate, phone number,
time) is exact when every one of its tokens in the reference is aligned to the same token in
the transcript with nothing inserted inside it; a plate said twice is two occurrences, and the
bench reports the share of occurrences that were exact.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from tts.lexicon import ALPHABET
from tts.normalise import _EMERGENCY, _PHONE, _PLATE, _TIME

# --- number words -------------------------------------------------------------------------
_NL_UNITS = ["nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"]
_NL_TEENS = "tien elf twaalf dertien veertien vijftien zestien zeventien achttien negentien"
_NL_TENS = ["twintig", "dertig", "veertig", "vijftig", "zestig", "zeventig", "tachtig", "negentig"]
_DE_UNITS = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_DE_TEENS = "zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn"
_DE_TENS = ["zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]
_FR_UNITS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
_FR_TEENS = ["dix", "onze", "douze", "treize", "quatorze", "quinze", "seize"]
_FR_TENS = [
    *("vingt", "trente", "quarante", "cinquante"),
    *("soixante", "septante", "huitante", "nonante"),
]
_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _table(units: list[str], teens: str | list[str], tens: list[str]) -> dict[str, int]:
    out = {w: i for i, w in enumerate(units)}
    out |= {w: 10 + i for i, w in enumerate(teens.split() if isinstance(teens, str) else teens)}
    out |= {w: 20 + 10 * i for i, w in enumerate(tens)}
    return out


WORDS: dict[str, dict[str, int]] = {
    "nl": _table(_NL_UNITS, _NL_TEENS, _NL_TENS)
    | {"één": 1, "eén": 1, "éen": 1, "honderd": 100, "duizend": 1000},
    "de": _table(_DE_UNITS, _DE_TEENS, _DE_TENS)
    | {"ein": 1, "zwo": 2, "hundert": 100, "tausend": 1000},
    "fr": _table(_FR_UNITS, _FR_TEENS, _FR_TENS)
    | {"une": 1, "octante": 80, "cent": 100, "cents": 100, "mille": 1000, "vingts": 20},
    "en": _table(_EN_UNITS, _EN_TEENS, _EN_TENS) | {"hundred": 100, "thousand": 1000},
}
_CONNECT = {"nl": ("en", "ën"), "de": ("und",)}
_SCALE = {"nl": (("duizend", 1000), ("honderd", 100)), "de": (("tausend", 1000), ("hundert", 100))}


def compound(word: str, lang: str) -> int | None:
    """A Dutch or German number written as one word: 'vierhonderdtweeëntachtig' -> 482."""
    table = WORDS[lang]
    if word in table:
        return table[word]
    if lang not in _SCALE or len(word) < 6:
        return None
    for scale_word, scale in _SCALE[lang]:
        at = word.find(scale_word)
        if at >= 0:
            left, right = word[:at], word[at + len(scale_word) :]
            head = 1 if not left else compound(left, lang)
            tail = 0 if not right else compound(right, lang)
            if head is not None and tail is not None and 0 < head < 1000 and tail < scale:
                return head * scale + tail
            return None
    for joint in _CONNECT[lang]:
        for at in range(1, len(word)):
            if word.startswith(joint, at):
                unit, ten = word[:at], word[at + len(joint) :]
                u, t = table.get(unit), table.get(ten)
                if u is not None and t is not None and 1 <= u <= 9 and t in range(20, 100, 10):
                    return t + u
    return None


@dataclass
class _Number:
    total: int = 0
    cur: int = 0
    last: str = ""  # kind of the last word: unit, teen, ten, hundred, thousand, whole

    def empty(self) -> bool:
        return not self.last


def _kind(value: int) -> str:
    if value < 10:
        return "unit"
    if value < 20:
        return "teen"
    if value < 100:
        return "ten"
    return "hundred" if value == 100 else "thousand"


def _accepts(n: _Number, value: int, kind: str) -> bool:
    """Whether `value` continues the number being read (else it starts a new one)."""
    if n.empty():
        return True
    last, low = n.last, n.cur % 100
    if n.last == "whole" or value == 0:
        return False
    if kind == "unit":  # vingt-deux, cent deux; dix-sept, soixante-dix-sept
        if last == "teen":
            return low in (10, 70, 90) and value >= 7
        return last in ("ten", "hundred", "thousand") and low % 10 == 0
    if kind == "teen":  # soixante-dix, quatre-vingt-douze, cent douze
        return last in ("hundred", "thousand") or (last == "ten" and low in (60, 80))
    if kind == "ten":  # quatre-vingt: a 4 just before 20
        return last in ("hundred", "thousand") or (last == "unit" and low == 4 and value == 20)
    if kind == "hundred":
        return last == "unit" or last == "thousand"
    return n.total == 0 and n.cur < 1000  # thousand


def _add(n: _Number, value: int, kind: str) -> None:
    if kind == "hundred":
        unit = n.cur % 100
        n.cur = n.cur - unit + (unit or 1) * 100
    elif kind == "thousand":
        n.total, n.cur = (n.cur or 1) * 1000, 0
    elif kind == "ten" and n.last == "unit" and n.cur % 100 == 4:
        n.cur += 76  # quatre-vingt
    else:
        n.cur += value
    n.last = kind


def _digits(value: int) -> list[str]:
    return list(str(value))


BOUNDARY = "|"  # a punctuation mark: numbers on either side are separate


def numbers_to_digits(tokens: list[str], lang: str) -> list[str]:
    """Every number (words or numerals) as its single digits, in order."""
    out: list[str] = []
    n = _Number()

    def flush() -> None:
        nonlocal n
        if not n.empty():
            out.extend(_digits(n.total + n.cur))
        n = _Number()

    for i, tok in enumerate(tokens):
        if tok == BOUNDARY:
            flush()
            continue
        if tok == "and" and lang == "en" and n.last == "hundred":
            continue
        if tok.isdigit():
            flush()
            out.extend(tok)
            continue
        if tok == "et" and lang == "fr" and not n.empty() and n.last == "ten":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt in ("un", "une", "onze"):
                continue
        value = compound(tok, lang)
        if value is None:
            flush()
            out.append(tok)
            continue
        kind = "whole" if tok not in WORDS[lang] and value >= 20 else _kind(value)
        if kind == "whole":
            flush()
            out.extend(_digits(value))
            continue
        if not _accepts(n, value, kind):
            flush()
        _add(n, value, kind)
    flush()
    return out


# --- letters ------------------------------------------------------------------------------
_LETTER_WORDS: dict[str, str] = {
    "nl": "a:aa b:bee c:cee,see d:dee e:ee f:ef,eff g:gee h:ha,haa i:ie j:jee,jé k:ka,kaa "
    "l:el m:em n:en o:oo p:pee q:kuu,ku r:er s:es t:tee u:uu v:vee w:wee x:iks y:ypsilon,ij "
    "z:zet",
    "fr": "b:bé c:cé d:dé e:eu f:effe,ef g:gé h:hache j:ji k:ka l:elle m:emme,em n:enne,en "
    "p:pé q:ku r:erre s:esse t:té v:vé x:iks,ixe z:zède,zed",
    "de": "b:beh c:zeh,ce d:deh e:eh f:eff g:geh h:hah,ha i:ih j:jott,jot k:kah,ka l:ell,el "
    "m:emm,em n:enn,en o:oh p:peh q:kuh,ku r:err,er s:ess,es t:teh u:uh v:vau,fau w:we,weh "
    "x:iks,ix y:ypsilon z:zett,zet",
    "en": "a:ay b:bee c:see,cee d:dee e:ee f:ef g:gee h:aitch i:eye j:jay k:kay,kaye l:el "
    "m:em n:en o:oh p:pee q:cue r:ar s:ess t:tee u:you v:vee x:ex y:why z:zed,zee",
}
# Words the recogniser writes for a letter name it heard right (a listener hears the letter):
# fr "cas" for "ka", "thé" for "té". Mapped on both sides, like the names themselves.
_HOMOPHONES: dict[str, str] = {
    "nl": "k:kaa m:emm t:thee,tée b:bé d:dé p:pé",
    "fr": "k:cas,kas,caen m:aime,emm,homme t:thé,tes,tés,tee b:bee,bée d:dés,dée p:paix,pée "
    "v:vée f:f n:haine,ènne s:s",
    "de": "k:kar,kaa m:em t:tee,tä b:bä,beh d:dä p:pä f:ef n:enn",
    "en": "k:kay,cay m:em t:tea,tee b:be,bea p:pea,pee d:dee s:es",
}
LETTERS: dict[str, dict[str, str]] = {
    lang: {name: pair.split(":")[0] for pair in spec.split() for name in pair[2:].split(",")}
    for lang, spec in _LETTER_WORDS.items()
}
for _lang, _spec in _HOMOPHONES.items():
    for _pair in _spec.split():
        for _name in _pair[2:].split(","):
            LETTERS[_lang].setdefault(_name, _pair[0])
_PHRASES: dict[str, list[tuple[str, str]]] = {
    "nl": [],
    "fr": [
        (r"\bdouble[ -]v[ée]?\b", " w "),
        (r"\bi[ -]grec\b", " y "),
        (r"\bt'es\b", " té "),
        (r"\bqu'à\b", " ka "),
    ],
    "de": [],
    "en": [(r"\bdouble[ -]you\b", " w ")],
}
_HOUR_WORDS = {"uur", "heure", "heures", "uhr", "o'clock", "oclock", "h"}
SPELLING_WORD_CUTOFF = 0.75
_LIKE = {"nl": "van", "fr": "comme", "de": "wie", "en": "for"}
_SPELLING_WORDS = {
    lang: {w.lower(): letter.lower() for letter, w in table.items()}
    for lang, table in ALPHABET.items()
}


def _spelling_word(word: str, lang: str) -> str | None:
    """The spelling word a listener takes `word` for: itself, or the one it is a near spelling
    of ("maaria", "désirées", "marta"): the recogniser's spelling of a name it heard is not a
    mishearing, and a spelling alphabet is chosen so that a near miss still names one word."""
    words = _SPELLING_WORDS[lang]
    if word in words:
        return word
    near = difflib.get_close_matches(word, words, n=1, cutoff=SPELLING_WORD_CUTOFF)
    return near[0] if near else None


def _spelled(tokens: list[str], lang: str) -> list[str]:
    """'em van Maria' -> 'm': a spelling word gives its letter (the letter name before it, heard
    right or wrong, is the same letter), as a listener would take it."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = tokens[i + 1] if i + 1 < len(tokens) else ""
        known = _spelling_word(word, lang) if tok == _LIKE[lang] else None
        if known:
            if out and len(out[-1]) == 1 and out[-1].isalpha():
                out.pop()
            out.append(_SPELLING_WORDS[lang][known])
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


# --- the canonical form -------------------------------------------------------------------
_TIME_JOINT = re.compile(r"(\d)\s?[:.hu]\s?(\d\d)\b", re.IGNORECASE)
_FULL_HOUR = re.compile(r"(\d)\s?[:.hu]\s?00\b", re.IGNORECASE)
_TIME_END = re.compile(r"(\d)\s?[hu]\b", re.IGNORECASE)
_CAPS = re.compile(r"^[A-Z]{2,4}$")
_CONSONANTS = re.compile(r"^[bcdfghjklmnpqrstvwxz]{2,4}$")  # "km", "bdp": letters heard
_SPLIT = re.compile(r"[^\w'|]+|'")
_PUNCT = re.compile(r"[,.;:!?]+(?=\s|$)")


def canonical(text: str, lang: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).replace("’", "'")
    text = _FULL_HOUR.sub(r"\1", text)  # 18u00, 18:00 are said "18 uur"
    text = _TIME_JOINT.sub(r"\1 \2", text)
    text = _TIME_END.sub(r"\1", text)
    for pattern, repl in _PHRASES[lang]:
        text = re.sub(pattern, repl, text, flags=re.IGNORECASE)
    text = _PUNCT.sub(f" {BOUNDARY} ", text.replace(BOUNDARY, " "))
    tokens: list[str] = []
    for raw in _SPLIT.split(text):
        if raw == BOUNDARY:
            tokens.append(raw)
            continue
        if not raw or raw == "_":
            continue
        # numerals glued to letters (1KMT482) and capitals (KMT) become separate characters
        for part in re.findall(r"\d+|[^\W\d_]+", raw):
            if (_CAPS.match(part) or _CONSONANTS.match(part)) and part.lower() not in WORDS[lang]:
                tokens.extend(part.lower())
            else:
                tokens.append(part.lower())
    tokens = [BOUNDARY if t in _HOUR_WORDS else t for t in tokens]  # quatre | vingt
    tokens = _spelled([LETTERS[lang].get(t, t) for t in tokens], lang)
    return [t for t in numbers_to_digits(tokens, lang) if t != BOUNDARY]


# --- alignment ----------------------------------------------------------------------------
def align(ref: list[str], hyp: list[str]) -> tuple[int, list[bool], list[int]]:
    """(edits, ok per reference token, insertions before each reference position)."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        ri, row, up = ref[i - 1], d[i], d[i - 1]
        for j in range(1, m + 1):
            row[j] = min(up[j] + 1, row[j - 1] + 1, up[j - 1] + (ri != hyp[j - 1]))
    ok = [False] * n
    inserted = [0] * (n + 1)
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            ok[i - 1] = ref[i - 1] == hyp[j - 1]
            i, j = i - 1, j - 1
        elif i > 0 and d[i][j] == d[i - 1][j] + 1:
            i -= 1
        else:
            inserted[i] += 1
            j -= 1
    return d[n][m], ok, inserted


def fact_spans(ref: list[str], fact: list[str]) -> list[tuple[int, int]]:
    spans, k = [], len(fact)
    for i in range(len(ref) - k + 1):
        if ref[i : i + k] == fact:
            spans.append((i, i + k))
    return spans


def facts_in(text: str) -> list[tuple[str, str]]:
    """(kind, written form) of the plates, phone numbers and clock times in a sentence."""
    found = [("plate", m.group(0).rstrip(".,;:")) for m in _PLATE.finditer(text)]
    found += [("phone", m.group(0)) for m in _PHONE.finditer(text)]
    found += [("phone", m.group(1)) for m in _EMERGENCY.finditer(text)]
    found += [("time", m.group(0)) for m in _TIME.finditer(text)]
    return found


@dataclass
class Score:
    words: int = 0
    edits: int = 0
    facts: dict[str, list[int]] | None = None  # kind -> [exact, total]

    def add_facts(self, kind: str, exact: int, total: int) -> None:
        if self.facts is None:
            self.facts = {}
        have = self.facts.setdefault(kind, [0, 0])
        have[0] += exact
        have[1] += total

    @property
    def wer(self) -> float:
        return self.edits / max(self.words, 1)

    def share(self, kind: str) -> tuple[int, int]:
        exact, total = (self.facts or {}).get(kind, [0, 0])
        return exact, total

    def merge(self, other: Score) -> None:
        self.words += other.words
        self.edits += other.edits
        for kind, (e, t) in (other.facts or {}).items():
            self.add_facts(kind, e, t)


def score(ref_text: str, heard: str, lang: str, facts: list[tuple[str, str]]) -> Score:
    ref, hyp = canonical(ref_text, lang), canonical(heard, lang)
    edits, ok, inserted = align(ref, hyp)
    out = Score(len(ref), edits)
    for kind, written in facts:
        want = canonical(written, lang)
        spans = fact_spans(ref, want)
        exact = sum(all(ok[a:b]) and not any(inserted[a + 1 : b]) for a, b in spans)
        out.add_facts(kind, exact, max(len(spans), 1))
    return out
