"""`binalert tts say|voices`: speak a text into a WAV, list voices.

The service comes from whoever mounts these commands (binalert builds it from its settings).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import typer

from tts.service import SpeechService


def build_tts_app(make_service: Callable[[], SpeechService]) -> typer.Typer:
    tts_app = typer.Typer(
        help="Speech synthesis for alert calls (espeak-ng + MBROLA, gTTS, Piper)."
    )
    tts_app.command()(_say(make_service))
    tts_app.command()(_voices(make_service))
    return tts_app


def _say(make_service: Callable[[], SpeechService]) -> Callable[..., None]:
    def say(
        text: str = typer.Argument(..., help="Text to speak (normalised for the language first)."),
        lang: str = typer.Option("nl", "--lang", "-l", help="nl, fr, de or en."),
        output: Path = typer.Option(..., "--output", "-o", help="WAV file to write (8 kHz mono)."),
        rate: int | None = typer.Option(None, "--rate", help="Words per minute (default: config)."),
    ) -> None:
        """Synthesise TEXT into an 8 kHz telephone WAV (and a .sln16 sibling)."""
        svc = make_service()
        path = svc.synthesize(text, lang, rate_wpm=rate)
        shutil.copyfile(path, output)
        shutil.copyfile(path.sln16, output.with_suffix(".sln16"))
        for fb in svc.last_fallbacks:
            typer.echo(f"fallback: {fb.wanted} -> {fb.used}: {fb.reason}", err=True)
        typer.echo(str(output))

    return say


def _voices(make_service: Callable[[], SpeechService]) -> Callable[[], None]:
    def voices() -> None:
        """Show the voice used per language and whether it is a fallback."""
        for row in make_service().voices():
            note = "  (fallback: plain espeak-ng)" if row.is_fallback else ""
            typer.echo(f"{row.language}  {row.voice:<10} {row.engine}{note}")

    return voices
