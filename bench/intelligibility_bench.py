"""Intelligibility over a phone line: which voice does a listener understand the first time?

Each candidate voice speaks the bench's own alert sentences (`intelligibility_corpus.py`, 30+
per language) the way binalert does (normalised text, telephone audio at 8 kHz) or raw (the
voice alone, no normalisation). The audio goes through a G.711 A-law and µ-law round trip and is
transcribed by Whisper base (faster-whisper, offline, int8, greedy). Printed per voice and
setting: word error rate and how many plates, phone numbers and clock times came back exact in
the transcript (`intelligibility_score.py` says how), and how many a closed-set listener got
exact, picking each character, digit, hour and minute from its set (`intelligibility_facts.py`).
The default voices' figures are printed beside issue 15's targets. It informs the choice of
default voices (tts/voices.py); it asserts nothing.

A plain run measures the defaults (A-law and µ-law) and the main alternatives (A-law): about
ten minutes on two cores. Environment: BENCH_VOICE_QUICK=1 runs the default voices only, A-law
only (about three minutes); BENCH_VOICE_ALL=1 adds every setting compared once for docs/tts.md
(about twenty-five minutes); BENCH_VOICE_LANGS=nl,fr limits the languages; BENCH_VOICE_ONLY=pico
runs the candidates whose label contains that text; BENCH_VOICE_VERBOSE=1 prints what was said
and heard; BENCH_WHISPER_MODEL names another CTranslate2 Whisper folder. BENCH_VOICE_FACTS=1
measures only the key facts (closed set, no open transcript) of the default voices in every plate
style, and the 101/112 prompts (about a quarter of a plain run). BENCH_SPELLING_JUDGE (entry, word
or letter) says how the closed set judges a letter said with its spelling word
(intelligibility_line.Listener.picks).

Every voice the operator configured (BINALERT_TTS_VOICES) or installed with `binalert tts
install-voice` (in BINALERT_TTS_VOICES_DIR) is measured the same way as the defaults, so an
operator sees what a better voice gains before switching.

After the corpus, the prompts that say 101 or 112 (`intelligibility_corpus.prompts()`: the
two-way calls' pieces, the alert templates' sentences) are spoken by each default (and
operator's) voice in each way tts.normalise can say these numbers (EMERGENCY_STYLES), and heard
both ways: how many came back exact.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from bench.intelligibility_corpus import CORPUS, prompts
from bench.intelligibility_facts import exact, fact_tests, spelling_words_of
from bench.intelligibility_line import Listener, ensure_installed, g711
from bench.intelligibility_score import Score, canonical, facts_in, score
from tts import SpeechConfig, SpeechService, audio, normalise
from tts.config import DEFAULT_VOICES_DIR
from tts.lexicon import EMERGENCY_STYLES
from tts.normalise import EMERGENCY_STYLE, plain, plate_style
from tts.piper_voices import installed_voices
from tts.voices import LANGUAGES, PREFERRED, voice_available

CHUNK_S = float(
    os.environ.get("BENCH_CHUNK_S", "24")
)  # Whisper hears 30 s windows; sentences are grouped up to this length
GAP_S = 0.8
LAWS = ("alaw", "ulaw")


@dataclass(frozen=True)
class Candidate:
    language: str
    voice: str
    setting: str = "binalert"  # binalert: normalised, as calls are; raw: the voice alone
    rate: int = 140
    options: dict[str, object] = field(default_factory=dict, hash=False, compare=False)
    core: bool = False  # measured by a plain `make bench`; the others with BENCH_VOICE_ALL=1

    @property
    def label(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.options.items())
        return f"{self.voice} {self.setting} {self.rate}{extra}"


# the plate styles compared with each default voice's own (tts.normalise.DEFAULT_PLATE_STYLES):
# by letter names only (a plain run too), with spelling words twice or in the first reading
PLATE_VARIANTS = ("pauses", "spelled", "spelled_once")
PLAIN_FACTS: dict[str, object] = {"plate": "plain"}
SLOWER_FACTS: dict[str, object] = {"fact_rate": 0.7}


def voices_dir() -> Path:
    """The operator's Piper voices folder (BINALERT_TTS_VOICES_DIR, as binalert's settings)."""
    configured = os.environ.get("BINALERT_TTS_VOICES_DIR", "").strip()
    return Path(configured) if configured else DEFAULT_VOICES_DIR


def operator_voices() -> list[tuple[str, str]]:
    """(language, voice) the operator configured (BINALERT_TTS_VOICES) or installed (Piper
    voices in the voices folder): measured the same way as the defaults."""
    raw = os.environ.get("BINALERT_TTS_VOICES", "")
    configured = SpeechConfig.parse(Path("."), "espeak", raw, "140").voices
    out = [(lang, voice) for lang, voice in configured.items() if lang in LANGUAGES]
    for v in installed_voices(voices_dir()):
        lang = v.name.split("_")[0]
        if lang in LANGUAGES:
            out.append((lang, f"piper:{v.name}"))
    return list(dict.fromkeys(out))


def candidates() -> list[Candidate]:
    """Every voice and setting `make bench` measures; voices not installed here are skipped."""
    c = Candidate
    listed = [
        # Dutch: no offline voice is good enough; nl2 with settings, Piper wherever installed
        c("nl", "mb-nl2", core=True),
        c("nl", "mb-nl2", rate=125, core=True),
        c("nl", "mb-nl2", rate=120),
        c("nl", "mb-nl2", options=PLAIN_FACTS),
        c("nl", "mb-nl2", options=SLOWER_FACTS),
        c("nl", "mb-nl2", "raw"),
        c("nl", "mb-nl3"),
        c("nl", "nl"),
        c("nl", "piper:nl_BE-nathalie-medium", core=True),
        c("nl", "piper:nl_BE-rdh-medium", core=True),
        # French: MBROLA fr1 and Pico fr-FR against the Belgian fr5 (the old default) / fr7
        c("fr", "mb-fr1", core=True),
        c("fr", "mb-fr1", options=PLAIN_FACTS),
        c("fr", "mb-fr1", options=SLOWER_FACTS),
        c("fr", "pico:fr-FR", core=True),
        c("fr", "pico:fr-FR", options=PLAIN_FACTS),
        c("fr", "mb-fr5", core=True),
        c("fr", "mb-fr7"),
        c("fr", "piper:fr_FR-siwis-medium", core=True),
        # German: Pico de-DE against MBROLA de6 (the old default) / de2
        c("de", "pico:de-DE", core=True),
        c("de", "pico:de-DE", options=PLAIN_FACTS),
        c("de", "pico:de-DE", options=SLOWER_FACTS),
        c("de", "mb-de6", core=True),
        c("de", "mb-de2"),
        c("de", "piper:de_DE-thorsten-medium", core=True),
        # English
        c("en", "pico:en-GB", core=True),
        c("en", "pico:en-GB", options=SLOWER_FACTS),
        c("en", "mb-en1"),
        c("en", "piper:en_US-joe-medium", core=True),
    ]
    known = {(x.language, x.voice) for x in listed}
    extra = [c(lang, v, core=True) for lang, v in operator_voices() if (lang, v) not in known]
    variants = [
        c(lang, PREFERRED[lang], options={"plate": style}, core=style == "pauses")
        for lang in LANGUAGES
        for style in PLATE_VARIANTS
        if style != plate_style(lang)
    ]
    return listed + variants + extra


def is_default(cand: Candidate) -> bool:
    """A default voice, or one the operator configured or installed, in binalert's own way."""
    return (
        (cand.voice == PREFERRED[cand.language] or (cand.language, cand.voice) in _operator())
        and cand.setting == "binalert"
        and (cand.rate == 140 and not cand.options)
    )


def _operator() -> set[tuple[str, str]]:
    return set(operator_voices())


def plate_style_of(cand: Candidate) -> str:
    """The plate style a candidate's calls use (its option, or tts.normalise's default)."""
    return str(cand.options.get("plate") or plate_style(cand.language))


@contextlib.contextmanager
def _applied(options: dict[str, object]) -> Iterator[None]:
    """A setting under test: plate style (tts.normalise), fact rate and pause (tts.service)."""
    targets = {
        "plate": ("tts.normalise", "PLATE_STYLE"),
        "emergency": ("tts.normalise", "EMERGENCY_STYLE"),
        "fact_rate": ("tts.service", "FACT_RATE"),
        "fact_pause": ("tts.service", "FACT_PAUSE_S"),
    }
    saved = []
    for key, value in options.items():
        module = importlib.import_module(targets[key][0])
        saved.append((module, targets[key][1], getattr(module, targets[key][1])))
        setattr(module, targets[key][1], value)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def _facts_only() -> bool:
    return os.environ.get("BENCH_VOICE_FACTS") == "1"


def _in_facts_run(cand: Candidate) -> bool:
    """BENCH_VOICE_FACTS=1: the defaults (and operator's voices) in every plate style."""
    plate = cand.options.get("plate")
    measured = cand.voice == PREFERRED[cand.language] or (cand.language, cand.voice) in _operator()
    return (
        measured
        and cand.setting == "binalert"
        and cand.rate == 140
        and set(cand.options) <= {"plate"}
        and plate != "plain"
    )


def _selected(all_: list[Candidate]) -> list[Candidate]:
    langs = [x for x in os.environ.get("BENCH_VOICE_LANGS", "").split(",") if x]
    only = os.environ.get("BENCH_VOICE_ONLY", "")
    quick = os.environ.get("BENCH_VOICE_QUICK") == "1"
    every = os.environ.get("BENCH_VOICE_ALL") == "1" or bool(only)
    out = []
    for cand in all_:
        if _facts_only():
            if _in_facts_run(cand) and not (langs and cand.language not in langs):
                out.append(cand)
            continue
        if not (cand.core or every):
            continue
        if langs and cand.language not in langs:
            continue
        if only and only not in cand.label:
            continue
        if quick and not is_default(cand):
            continue
        out.append(cand)
    return out


# --- synthesis --------------------------------------------------------------------------------
def _speaker(cand: Candidate, cache: Path) -> Callable[[str], tuple[np.ndarray, str]]:
    """text -> (8 kHz phone audio, the text the voice was given)."""
    svc = SpeechService(
        SpeechConfig(
            cache_dir=cache,
            voices={cand.language: cand.voice},
            rate_wpm=cand.rate,
            voices_dir=voices_dir(),
        )
    )
    if cand.setting == "raw":
        engine = svc.engine_for(cand.voice)

        def raw(text: str) -> tuple[np.ndarray, str]:
            x, rate = engine.render(text, cand.language, cand.voice, cand.rate)
            return audio.telephone(x, rate)[0], text

        return raw

    def spoken(text: str) -> tuple[np.ndarray, str]:
        path = svc.synthesize(text, cand.language)
        x, _ = sf.read(path, dtype="float32")
        return x, plain(normalise(text, cand.language))

    return spoken


@dataclass
class Row:
    cand: Candidate
    law: str
    score: Score
    closed: Score  # closed-set listening for the facts (A-law only)
    seconds: float
    words: int
    synth_s: float


def run_candidate(cand: Candidate, listener: Listener, laws: tuple[str, ...]) -> list[Row]:
    sentences = CORPUS[cand.language]
    with tempfile.TemporaryDirectory() as tmp, _applied(cand.options):
        speak = _speaker(cand, Path(tmp))
        started = time.perf_counter()
        spoken = [speak(s) for s in sentences]
        synth_s = time.perf_counter() - started
    chunks: list[list[int]] = [[]]
    length = 0.0
    for i, (x, _) in enumerate(spoken):
        seconds = len(x) / 8000
        if chunks[-1] and length + seconds > CHUNK_S:
            chunks.append([])
            length = 0.0
        chunks[-1].append(i)
        length += seconds + GAP_S
    gap = np.zeros(int(8000 * GAP_S), dtype=np.float32)
    total_s = sum(len(x) for x, _ in spoken) / 8000
    words = sum(len(canonical(t, cand.language)) for _, t in spoken)
    rows = []
    for law in laws:
        total = Score()
        for chunk in [] if _facts_only() else chunks:
            signal = np.concatenate([p for i in chunk for p in (spoken[i][0], gap)])
            heard = listener.hear(g711(signal, law), cand.language)
            ref = " ".join(spoken[i][1] for i in chunk)
            facts = list(dict.fromkeys(f for i in chunk for f in facts_in(sentences[i])))
            total.merge(score(ref, heard, cand.language, facts))
            if os.environ.get("BENCH_VOICE_VERBOSE"):
                print(f"   REF {ref}\n   HRD {heard}", flush=True)
        closed = _closed_set(cand, sentences, spoken, listener) if law == "alaw" else Score()
        rows.append(Row(cand, law, total, closed, total_s, words, synth_s))
    return rows


def _closed_set(
    cand: Candidate,
    sentences: list[str],
    spoken: list[tuple[np.ndarray, str]],
    listener: Listener,
) -> Score:
    """Each fact of each sentence heard in that sentence's audio, picked from its closed set."""
    out = Score()
    for sentence, (x, _) in zip(sentences, spoken, strict=True):
        line = g711(x, "alaw")
        first, again = spelling_words_of(plate_style_of(cand))
        tests = fact_tests(
            sentence,
            cand.language,
            repeated=cand.setting != "raw",
            spelling_words=first and cand.setting != "raw",
            repeat_words=again and cand.setting != "raw",
        )
        for test in tests:
            picked = listener.picks(line, cand.language, test)
            out.add_facts(test.kind, int(exact(test, picked)), 1)
            if os.environ.get("BENCH_VOICE_VERBOSE") and not exact(test, picked):
                want = "".join(sorted(item.right)[0] for item in test.items)
                print(f"   CLOSED {test.kind} {want!r} picked {''.join(picked)!r}", flush=True)
    return out


def run_prompts(voices: list[tuple[str, str]], listener: Listener) -> None:
    """101 and 112 in the prompts that say them, in each of EMERGENCY_STYLES, per voice: how
    many came back exact in the open transcript and in the closed set (A-law)."""
    said = prompts()
    print(
        f"101 and 112 in the prompts (intelligibility_corpus.prompts(), default "
        f"{EMERGENCY_STYLE}): exact, open transcript / closed set; seconds of audio"
    )
    for lang, voice in voices:
        for style in EMERGENCY_STYLES:
            cand = Candidate(lang, voice, options={"emergency": style})
            with tempfile.TemporaryDirectory() as tmp, _applied(cand.options):
                speak = _speaker(cand, Path(tmp))
                spoken = [speak(t) for t in said[lang]]
            heard_open, closed = Score(), Score()
            for text, (x, ref) in zip(said[lang], spoken, strict=True):
                line = g711(x, "alaw")
                heard = listener.hear(line, lang)
                heard_open.merge(score(ref, heard, lang, facts_in(text)))
                for test in fact_tests(text, lang):
                    picked = listener.picks(line, lang, test)
                    closed.add_facts(test.kind, int(exact(test, picked)), 1)
                if os.environ.get("BENCH_VOICE_VERBOSE"):
                    print(f"   REF {ref}\n   HRD {heard}", flush=True)
            seconds = sum(len(x) for x, _ in spoken) / 8000
            print(
                f"{lang:<5}{voice:<30}{style:<8}{_facts(heard_open, 'phone'):>8}"
                f"{_facts(closed, 'phone'):>8}{seconds:>9.1f}",
                flush=True,
            )


def _facts(s: Score, kind: str) -> str:
    exact, total = s.share(kind)
    return f"{exact}/{total}" if total else "-"


# Issue 15's targets for the default voices: WER, and every plate, phone number and time exact.
WER_TARGET = {"nl": 0.15, "fr": 0.15, "de": 0.10}


def _against_targets(defaults: list[Row]) -> list[str]:
    """Each default voice's A-law figures beside issue 15's targets, met or not."""
    out = []
    for row in defaults:
        lang, s = row.cand.language, row.score
        target = WER_TARGET.get(lang)
        wer = ""
        if target is not None and not _facts_only():
            met = "met" if s.wer <= target else "NOT met"
            wer = f"WER {s.wer:.3f} (target <= {target}: {met}); "
        facts = [(kind, row.closed.share(kind)) for kind in ("plate", "phone", "time")]
        all_exact = all(e == t for _, (e, t) in facts)
        said = ", ".join(f"{kind}s {e}/{t}" for kind, (e, t) in facts)
        out.append(
            f"target {lang} {row.cand.voice}: {wer}"
            f"facts exact, closed set: {said} (target all: {'met' if all_exact else 'NOT met'})"
        )
    return out


def main() -> None:
    chosen = _selected(candidates())
    folder = voices_dir()
    missing = [c for c in chosen if not voice_available(c.voice, folder)]
    chosen = [c for c in chosen if voice_available(c.voice, folder)]
    quick = os.environ.get("BENCH_VOICE_QUICK") == "1" or _facts_only()
    ensure_installed()
    listener = Listener()
    print(
        f"intelligibility: {sum(len(CORPUS[lang]) for lang in {c.language for c in chosen})} "
        "sentences, G.711 A-law round trip (and µ-law for the defaults), Whisper base "
        f"({listener.path.name}, "
        "int8, greedy), WER per voice; plates / phones / times exact"
    )
    head = (
        f"{'lang':<5}{'voice':<30}{'setting':<9}{'wpm':>4}{'law':>6}{'WER':>7}"
        f"{'plates':>8}{'phones':>8}{'times':>7}   closed set:{'plates':>7}{'phones':>8}"
        f"{'times':>7}{'audio s':>9}"
    )
    print(head)
    best: dict[str, tuple[float, str]] = {}
    defaults: list[Row] = []
    for cand in chosen:
        started = time.perf_counter()
        # A-law (Europe's) for every candidate; µ-law too for the defaults (full run)
        laws = LAWS if is_default(cand) and not quick else ("alaw",)
        rows = run_candidate(cand, listener, laws)
        for row in rows:
            s = row.score
            extra = f" plate={plate_style_of(cand)}" + "".join(
                f" {k}={v}" for k, v in cand.options.items() if k != "plate"
            )
            print(
                f"{cand.language:<5}{cand.voice + extra:<30}{cand.setting:<9}{cand.rate:>4}"
                f"{row.law:>6}{'-' if _facts_only() else f'{s.wer:.3f}':>7}"
                f"{_facts(s, 'plate'):>8}{_facts(s, 'phone'):>8}"
                f"{_facts(s, 'time'):>7}{'':>12}{_facts(row.closed, 'plate'):>7}"
                f"{_facts(row.closed, 'phone'):>8}{_facts(row.closed, 'time'):>7}"
                f"{row.seconds:>9.1f}",
                flush=True,
            )
        if is_default(cand):
            defaults.append(rows[0])
        alaw = rows[0].score.wer
        if cand.language not in best or alaw < best[cand.language][0]:
            best[cand.language] = (alaw, cand.label)
        if os.environ.get("BENCH_VOICE_VERBOSE"):
            print(f"   ({time.perf_counter() - started:.1f} s)")
    for cand in missing:
        print(f"{cand.language:<5}{cand.voice:<30}not installed here: skipped")
    print(
        "defaults (tts/voices.py PREFERRED):", ", ".join(f"{k}={v}" for k, v in PREFERRED.items())
    )
    for line in _against_targets(defaults):
        print(line)
    if not _facts_only():
        lowest = ", ".join(f"{k}={v[1]} ({v[0]:.3f})" for k, v in best.items())
        print("lowest A-law WER here:", lowest)
    langs = [x for x in os.environ.get("BENCH_VOICE_LANGS", "").split(",") if x] or LANGUAGES
    voices = [(lang, PREFERRED[lang]) for lang in langs]
    voices += [(lang, v) for lang, v in operator_voices() if lang in langs]
    run_prompts([lv for lv in dict.fromkeys(voices) if voice_available(lv[1], folder)], listener)


if __name__ == "__main__":
    main()
