"""What the lab's simulated members say when they pick up, spoken by espeak-ng in Dutch:
a short "hallo?" and a long personal greeting (long enough to sound like a machine's)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

GREETINGS = {
    "hallo": "Hallo?",
    "greeting-long": "Hallo, met Jan Peeters. Wie is daar?",
}


def write_greetings(folder: Path) -> None:
    """8 kHz mono 16-bit WAV files (what Asterisk plays without transcoding), made once."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in GREETINGS.items():
        target = folder / f"{name}.wav"
        if target.exists():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw.wav"
            subprocess.run(
                ["espeak-ng", "-v", "nl", "-s", "150", "-w", str(raw), text],
                check=True,
                capture_output=True,
                timeout=30,
            )
            converted = Path(tmp) / "out.wav"
            subprocess.run(
                ["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(converted)],
                check=True,
                capture_output=True,
                timeout=30,
            )
            converted.replace(target)
