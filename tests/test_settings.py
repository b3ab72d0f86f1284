"""Settings: always a list of PBXes; the flat variables make the default one and fill in
what a BINALERT_PBXES entry leaves out."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from binalert.alerts.stats import estimate
from binalert.clock import utcnow
from binalert.models import Alert, AlertStatus
from binalert.settings import SAMPLE_AMI_SECRET, SAMPLE_WEBHOOK_KEY, PbxSettings, Settings
from store.db import Store


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("BINALERT_"):
            monkeypatch.delenv(name)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_flat_variables_make_the_one_pbx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINALERT_PBX_NAME", "zone-pbx")
    monkeypatch.setenv("BINALERT_AMI_HOST", "10.1.2.3")
    monkeypatch.setenv("BINALERT_MAX_CHANNELS", "60")
    monkeypatch.setenv("BINALERT_DIAL_TEMPLATE", "PJSIP/{national}@trunk")
    [pbx] = settings().pbxes
    assert (pbx.name, pbx.ami_host, pbx.max_channels) == ("zone-pbx", "10.1.2.3", 60)
    assert pbx.dial_template == "PJSIP/{national}@trunk" and pbx.max_cps == 10.0


def test_pbxes_entries_take_the_flat_values_as_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINALERT_AMI_SECRET", "the-zone-secret")
    monkeypatch.setenv("BINALERT_MAX_CPS", "4")
    entries = [{"name": "a", "ami_host": "10.0.0.5"}, {"name": "b", "max_cps": 20}]
    monkeypatch.setenv("BINALERT_PBXES", json.dumps(entries))
    a, b = settings().pbxes
    assert a.ami_secret.get_secret_value() == b.ami_secret.get_secret_value() == "the-zone-secret"
    assert (a.ami_host, a.max_cps, b.max_cps) == ("10.0.0.5", 4.0, 20.0)


def test_keyword_values_win_over_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINALERT_AMI_PORT", "5039")
    assert settings(ami_port=6000).pbxes[0].ami_port == 6000
    given = settings(pbxes=[PbxSettings(name="x", ami_port=7000)], max_channels=3).pbxes
    assert [(p.name, p.ami_port, p.max_channels) for p in given] == [("x", 7000, 3)]


def test_pbx_names_must_differ() -> None:
    with pytest.raises(ValueError, match="unique"):
        settings(pbxes=[{"name": "a"}, {"name": "a"}])


def test_a_bad_dial_template_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINALERT_DIAL_TEMPLATE", "PJSIP/trunk")
    with pytest.raises(ValueError, match="dial template"):
        settings()


def test_production_refuses_the_sample_ami_secret_on_any_pbx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BINALERT_ENVIRONMENT", "production")
    monkeypatch.setenv("BINALERT_PUBLIC_URL", "https://binalert.example.be")
    monkeypatch.setenv("BINALERT_SESSION_SECRET", "s" * 40)
    monkeypatch.setenv("BINALERT_AMI_SECRET", "zone-secret-" + "x" * 30)
    entries = [{"name": "a"}, {"name": "b", "ami_secret": SAMPLE_AMI_SECRET}]
    monkeypatch.setenv("BINALERT_PBXES", json.dumps(entries))
    with pytest.raises(ValueError, match="example value as the AMI secret of b"):
        settings()
    entries[1]["ami_secret"] = "x" * 40
    monkeypatch.setenv("BINALERT_PBXES", json.dumps(entries))
    assert [p.name for p in settings().pbxes] == ["a", "b"]


@pytest.mark.parametrize(
    ("session", "ami", "refused"),
    [
        ("change-me-session", "a" * 40, "example value as the session secret"),
        ("s" * 31, "a" * 40, "session secret is shorter than 32"),
        ("s" * 40, "change-me-ami", "example value as the AMI secret"),
        ("s" * 40, "a" * 31, "AMI secret of pbx1 is shorter than 32"),
    ],
)
def test_production_refuses_short_or_example_secrets(
    monkeypatch: pytest.MonkeyPatch, session: str, ami: str, refused: str
) -> None:
    monkeypatch.setenv("BINALERT_ENVIRONMENT", "production")
    monkeypatch.setenv("BINALERT_SESSION_SECRET", session)
    monkeypatch.setenv("BINALERT_AMI_SECRET", ami)
    with pytest.raises(ValueError, match=refused):
        settings()


def test_the_alert_eta_counts_every_pbx(sqlite_store: Store) -> None:
    two = settings(
        pbxes=[
            {"name": "a", "max_channels": 90, "max_cps": 10},  # 90 lines / 45 s: 2 calls/s
            {"name": "b", "max_channels": 900, "max_cps": 12},  # its set-up rate: 12 calls/s
        ]
    )
    now = utcnow()
    alert = Alert(
        id=1,
        bin_ids=[1],
        messages={"nl": "x"},
        status=AlertStatus.ACTIVE.value,
        created_at=now,
        valid_until=now + timedelta(hours=1),
    )
    with sqlite_store.session() as session:
        assert estimate(session, alert, two, open_deliveries=1).calls_per_second == 14.0


def test_without_a_session_secret_development_makes_a_random_one_and_keeps_it(
    tmp_path: Path,
) -> None:
    kept = tmp_path / "var" / "secret"
    first = settings(secret_file=kept).server_secret()
    assert first != SAMPLE_WEBHOOK_KEY and len(first) >= 32
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert settings(secret_file=kept).server_secret() == first  # the next start: the same
    assert settings(secret_file=tmp_path / "other").server_secret() != first  # never a constant


def test_a_secret_file_others_may_read_is_refused(tmp_path: Path) -> None:
    kept = tmp_path / "secret"
    kept.write_text("r" * 40)
    kept.chmod(0o644)
    with pytest.raises(ValueError, match="others may read"):
        settings(secret_file=kept).server_secret()


def test_the_example_session_secret_is_refused_outside_tests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BINALERT_SESSION_SECRET", SAMPLE_WEBHOOK_KEY)
    with pytest.raises(ValueError, match="example value as the session secret"):
        settings()
    monkeypatch.delenv("BINALERT_SESSION_SECRET")
    monkeypatch.setenv("BINALERT_ENVIRONMENT", "production")
    monkeypatch.setenv("BINALERT_AMI_SECRET", "a" * 40)
    with pytest.raises(ValueError, match="BINALERT_SESSION_SECRET is required in production"):
        settings()
