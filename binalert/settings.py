"""One settings model for the whole service, read from BINALERT_* variables (and .env)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SAMPLE_AMI_SECRET = "binalert-lab-secret"
SAMPLE_WEBHOOK_KEY = "binalert-dev-session-key"

DEFAULT_VAR = Path("var")


class PbxSettings(BaseModel):
    """One Asterisk server: its AMI login, its trunk's limits, how it reaches members and audio."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_username: str = "binalert"
    ami_secret: SecretStr = SecretStr(SAMPLE_AMI_SECRET)
    max_channels: int = Field(default=20, ge=1, le=2000)
    max_cps: float = Field(default=10.0, gt=0, le=1000)
    dial_template: str = "PJSIP/{e164}@trunk"
    media_base_url: str | None = None
    pbx_sounds_dir: Path | None = None


class Settings(BaseSettings):
    """Everything binalert reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="BINALERT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(default=f"sqlite:///{DEFAULT_VAR / 'binalert.db'}")

    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_username: str = "binalert"
    ami_secret: SecretStr = SecretStr(SAMPLE_AMI_SECRET)
    pbx_name: str = "pbx1"

    dial_template: str = "PJSIP/{e164}@trunk"
    caller_id: str = '"BIN" <+3250000000>'
    call_context: str = "binalert-alert"

    sounds_dir: Path = DEFAULT_VAR / "sounds"
    pbx_sounds_dir: Path | None = None
    media_base_url: str | None = None

    pbxes: list[PbxSettings] = Field(default_factory=list)
    """Several PBXes (BINALERT_PBXES, a JSON list); empty: the one PBX of the flat settings."""
    max_channels: int = Field(default=20, ge=1, le=2000)
    max_cps: float = Field(default=10.0, gt=0, le=1000)
    max_attempts: int = Field(default=3, ge=1, le=10)
    retry_delays: str = "120,300"
    ring_timeout: int = Field(default=30, ge=5, le=120)
    call_deadline: int = Field(default=300, ge=30, le=3600)
    amd_enabled: bool = True
    digit_timeout: int = Field(default=6, ge=2, le=30)
    max_plays: int = Field(default=3, ge=1, le=5)
    worker_id: str = Field(default_factory=lambda: f"{socket.gethostname()}-worker")
    shutdown_grace: float = Field(default=30.0, ge=0, le=600)

    session_secret: SecretStr = SecretStr(SAMPLE_WEBHOOK_KEY)
    host: str = "127.0.0.1"
    port: int = 8000

    tts_engine: Literal["espeak", "gtts", "piper"] = "espeak"
    tts_voices: str = ""
    tts_rate: int = Field(default=140, ge=80, le=250)
    tts_cache_dir: Path | None = None
    retention_days: int = 90

    @field_validator("retry_delays")
    @classmethod
    def _delays_are_seconds(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not parts or not all(p.isdigit() for p in parts):
            raise ValueError("BINALERT_RETRY_DELAYS must be comma-separated whole seconds")
        return ",".join(parts)

    @field_validator("dial_template")
    @classmethod
    def _template_has_number(cls, value: str) -> str:
        if "{e164}" not in value and "{national}" not in value:
            raise ValueError("BINALERT_DIAL_TEMPLATE must contain {e164} or {national}")
        return value

    @model_validator(mode="after")
    def _no_sample_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            if self.ami_secret.get_secret_value() == SAMPLE_AMI_SECRET:
                raise ValueError("refusing to start in production with the sample AMI secret")
            if self.session_secret.get_secret_value() == SAMPLE_WEBHOOK_KEY:
                raise ValueError("refusing to start in production with the sample session secret")
        return self

    @property
    def retry_delay_seconds(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.retry_delays.split(","))

    @property
    def pbx_list(self) -> list[PbxSettings]:
        if self.pbxes:
            return list(self.pbxes)
        return [
            PbxSettings(
                name=self.pbx_name,
                ami_host=self.ami_host,
                ami_port=self.ami_port,
                ami_username=self.ami_username,
                ami_secret=self.ami_secret,
                max_channels=self.max_channels,
                max_cps=self.max_cps,
                dial_template=self.dial_template,
                media_base_url=self.media_base_url,
                pbx_sounds_dir=self.pbx_sounds_dir,
            )
        ]

    @property
    def pbx_sounds_path(self) -> Path:
        """The sounds folder as the PBX sees it (inside a chroot or container)."""
        return self.pbx_sounds_dir or self.sounds_dir.resolve()


def get_settings(**overrides: object) -> Settings:
    """Build the settings from the environment; keyword overrides win (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
