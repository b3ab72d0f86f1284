"""The lab chroot comes from the Debian archive this machine's apt already uses."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lab.chroot import NoMirror, debian_mirror

ROOT = Path(__file__).resolve().parent.parent


def _apt(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "sources.list.d").mkdir(exist_ok=True)
    return tmp_path


def test_a_deb822_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BINALERT_LAB_MIRROR", raising=False)
    apt = _apt(
        tmp_path,
        {
            "sources.list.d/a.sources": "Types: deb\nURIs: http://mirror.test/debian-security\n"
            "Suites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.test/debian/\n"
            "Suites: bookworm\n",
        },
    )
    assert debian_mirror(apt) == "http://mirror.test/debian"


def test_a_one_line_source_and_the_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BINALERT_LAB_MIRROR", raising=False)
    apt = _apt(tmp_path, {"sources.list": "# x\ndeb [arch=amd64] http://m.test/debian sid main\n"})
    assert debian_mirror(apt) == "http://m.test/debian"
    monkeypatch.setenv("BINALERT_LAB_MIRROR", "http://other.test/debian")
    assert debian_mirror(apt) == "http://other.test/debian"


def test_no_archive_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BINALERT_LAB_MIRROR", raising=False)
    with pytest.raises(NoMirror):
        debian_mirror(_apt(tmp_path, {}))


def test_the_shell_helper_agrees_with_this_machine() -> None:
    script = ROOT / "scripts" / "debian-mirror.sh"
    out = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == debian_mirror()
