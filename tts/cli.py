"""`binalert tts say|voices|install-voice`: speak a text into a WAV, list voices, install a
Piper voice from its publisher (verified against the publisher's index) or from files the
operator brings (verified against the SHA-256 the operator gives).

The service comes from whoever mounts these commands (binalert builds it from its settings).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import typer

from tts.piper_voices import (
    PIPER_VOICES_BASE,
    PIPER_VOICES_INDEX,
    VOICES,
    InstallError,
    install_voice,
    install_voice_file,
    installed_voices,
)
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
        """Show the voice used per language, whether it is a fallback, and the Piper voices
        installed (where from, how verified, their SHA-256)."""
        svc = make_service()
        for row in svc.voices():
            note = "  (fallback: plain espeak-ng)" if row.is_fallback else ""
            typer.echo(f"{row.language}  {row.voice:<10} {row.engine}{note}")
        for v in installed_voices(svc.config.voices_dir):
            typer.echo(
                f"installed  piper:{v.name}  {v.installed_at}  from {v.source}; verified: "
                f"{v.verified}; sha256 {v.model_sha256} (config {v.config_sha256})"
            )

    return voices


def _install_voice(make_service: Callable[[], SpeechService]) -> Callable[..., None]:
    def install(
        name: str = typer.Argument(..., help=f"Piper voice: {', '.join(sorted(VOICES))}."),
        directory: Path | None = typer.Option(
            None, "--dir", help="Voices folder (default: the configured BINALERT_TTS_VOICES_DIR)."
        ),
        source: str = typer.Option(
            PIPER_VOICES_BASE, "--from", help="Base URL of the voice files (https)."
        ),
        index: str = typer.Option(
            PIPER_VOICES_INDEX, "--index", help="The publisher's voices.json (https)."
        ),
        file: Path | None = typer.Option(
            None, "--file", help="Install from this .onnx (no download); needs --sha256."
        ),
        sha256: str | None = typer.Option(None, "--sha256", help="SHA-256 of the --file."),
        config_file: Path | None = typer.Option(
            None, "--config-file", help="Its .onnx.json (default: beside the --file)."
        ),
        config_sha256: str | None = typer.Option(
            None, "--config-sha256", help="SHA-256 of the .onnx.json."
        ),
    ) -> None:
        """Install Piper voice NAME into the voices folder: downloaded from the publisher and
        checked against its index (size and MD5), or from --file checked against --sha256 and
        --config-sha256. Anything that does not match is refused and nothing is left."""
        folder = directory or make_service().config.voices_dir
        try:
            if file is not None or sha256 or config_sha256 or config_file:
                if file is None or not sha256 or not config_sha256:
                    raise InstallError("--file needs --sha256 and --config-sha256 (both files)")
                model = install_voice_file(
                    name, file, sha256, config_sha256, folder, config_file=config_file
                )
            else:
                model = install_voice(name, folder, base_url=source, index_url=index)
        except InstallError as exc:
            typer.echo(f"install-voice: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(str(model))

    return install
