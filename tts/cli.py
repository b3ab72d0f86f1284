"""`binalert tts say|voices|install-voice`: speak a text into a WAV, list voices, install a
Piper voice from its pinned URL and SHA-256.

The service comes from whoever mounts these commands (binalert builds it from its settings).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import typer

from tts.piper_voices import PIPER_VOICES_BASE, VOICES, InstallError, install_voice
from tts.service import SpeechService


def build_tts_app(make_service: Callable[[], SpeechService]) -> typer.Typer:
    tts_app = typer.Typer(
        help="Speech synthesis for alert calls (espeak-ng + MBROLA, gTTS, Piper)."
    )
    tts_app.command()(_say(make_service))
    tts_app.command()(_voices(make_service))
    tts_app.command("install-voice")(_install_voice(make_service))
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


def _install_voice(make_service: Callable[[], SpeechService]) -> Callable[..., None]:
    def install(
        name: str = typer.Argument(..., help=f"Piper voice: {', '.join(sorted(VOICES))}."),
        directory: Path | None = typer.Option(
            None, "--dir", help="Voices folder (default: the configured BINALERT_TTS_VOICES_DIR)."
        ),
        source: str = typer.Option(
            PIPER_VOICES_BASE, "--from", help="Base URL (a mirror or file://); same checksums."
        ),
        sha256: str | None = typer.Option(
            None, "--sha256", help="Model SHA-256, for a voice whose checksum is not pinned."
        ),
        config_sha256: str | None = typer.Option(
            None, "--config-sha256", help="SHA-256 of its .onnx.json, likewise."
        ),
    ) -> None:
        """Download Piper voice NAME into the voices folder, verified against its SHA-256."""
        folder = directory or make_service().config.voices_dir
        try:
            model = install_voice(name, folder, source, sha256, config_sha256)
        except InstallError as exc:
            typer.echo(f"install-voice: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(str(model))

    return install
