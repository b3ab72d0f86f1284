"""One settings model for the whole service, read from BINALERT_* variables (and .env)."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from binalert import secretfile
from binalert.members.policy import MemberPolicy
from binalert.phones import InvalidPhone, dispatch_allow_list, sms_countries
from binalert.sms.text import MAX_PARTS
from tts import SpeechConfig

SAMPLE_AMI_SECRET = "binalert-lab-secret"
SAMPLE_WEBHOOK_KEY = "binalert-dev-session-key"
MIN_SECRET_LENGTH = 32
EXAMPLE_SECRETS = frozenset(
    {SAMPLE_AMI_SECRET, SAMPLE_WEBHOOK_KEY, "change-me-ami", "change-me-session", "change-me"}
)
"""Secrets shown in this project's defaults and examples (docker/binalert.env.example): known
to anyone, so refused in production whatever their length."""

DEFAULT_VAR = Path("var")
_TEST_SECRET = secrets.token_urlsafe(48)
"""The server secret of a test process that set none: random, and gone with the process."""


class PbxSettings(BaseModel):
    """One Asterisk server: its AMI login, its trunk's limits, how it reaches members and audio."""

    name: str = Field(default="pbx1", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_username: str = "binalert"
    ami_secret: SecretStr = SecretStr(SAMPLE_AMI_SECRET)
    max_channels: int = Field(default=20, ge=1, le=2000)
    max_cps: float = Field(default=10.0, gt=0, le=1000)
    dial_template: str = "PJSIP/{e164}@trunk"
    max_inbound: int | None = Field(default=None, ge=0, le=2000)
    """Calls coming in at once (members calling back, or anyone) this PBX answers; more are
    answered busy, so strangers cannot take the trunk. Unset: a quarter of max_channels
    (at least 1). They count against max_channels while they last."""
    max_transfers: int = Field(default=2, ge=0, le=100)
    """Members put through to one dispatch line at once (press 3); the next hears that the
    line is busy and to call 101 themselves."""
    media_base_url: str | None = None
    pbx_sounds_dir: Path | None = None  # the sounds folder as this PBX sees it; unset: the same

    @property
    def inbound_cap(self) -> int:
        """max_inbound, or a quarter of the channels; never more than the channels."""
        if self.max_inbound is not None:
            return min(self.max_inbound, self.max_channels)
        return max(1, self.max_channels // 4)

    @field_validator("dial_template")
    @classmethod
    def _template_has_number(cls, value: str) -> str:
        if "{e164}" not in value and "{national}" not in value:
            raise ValueError("the dial template must contain {e164} or {national}")
        return value


class SmscSettings(BaseModel):
    """The SMSC binalert texts through (SMPP 3.4), from the BINALERT_SMSC_* settings."""

    host: str
    port: int = Field(default=2775, ge=1, le=65535)
    system_id: str = Field(pattern=r"^[\x21-\x7e]{1,15}$")  # SMPP: 16 octets with the NUL
    password: SecretStr
    system_type: str = Field(default="", pattern=r"^[\x21-\x7e]{0,12}$")
    source: str = Field(pattern=r"^\+[1-9][0-9]{6,14}$")
    """binalert's number, which members' replies go to (E.164)."""
    mps: float = Field(default=10.0, gt=0, le=1000)
    window: int = Field(default=10, ge=1, le=100)
    enquire_seconds: float = Field(default=30.0, ge=0.5, le=600)
    receipt_timeout: int = Field(default=900, ge=10, le=7 * 86400)

    @field_validator("password")
    @classmethod
    def _password_fits(cls, value: SecretStr) -> SecretStr:
        if not 1 <= len(value.get_secret_value()) <= 8:  # SMPP: 9 octets with the NUL
            raise ValueError("the SMSC password must be 1 to 8 characters (SMPP 3.4)")
        return value


def _flat_key(field: str) -> str:
    """The flat setting of a PbxSettings field: BINALERT_PBX_NAME, BINALERT_AMI_HOST, ..."""
    return "pbx_name" if field == "name" else field


FLAT_PBX_KEYS = {field: _flat_key(field) for field in PbxSettings.model_fields}
_FLAT_ENV = "_flat_pbx_env"  # where the source below hands the flat variables on


class _FlatPbxVariables(PydanticBaseSettingsSource):
    """BINALERT_AMI_HOST, BINALERT_MAX_CHANNELS, ... (environment, then .env): the default
    PBX, and the defaults of every entry of BINALERT_PBXES."""

    def __init__(self, settings_cls: type[BaseSettings], env_file: Any) -> None:
        super().__init__(settings_cls)
        self.env_file = env_file

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        files = [self.env_file] if isinstance(self.env_file, str | Path) else self.env_file or []
        found: dict[str, Any] = {}
        for path in files:
            found |= {k.upper(): v for k, v in dotenv_values(path).items()}
        found |= {k.upper(): v for k, v in os.environ.items()}
        prefix = self.config.get("env_prefix", "").upper()
        flat = {f: found.get(prefix + k.upper()) for f, k in FLAT_PBX_KEYS.items()}
        return {_FLAT_ENV: {f: v for f, v in flat.items() if v is not None}}


class Settings(BaseSettings):
    """Everything binalert reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="BINALERT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(default=f"sqlite:///{DEFAULT_VAR / 'binalert.db'}")

    caller_id: str = '"BIN" <+3250000000>'
    call_context: str = "binalert-alert"

    sounds_dir: Path = DEFAULT_VAR / "sounds"

    pbxes: list[PbxSettings] = Field(min_length=1)
    """The PBXes (BINALERT_PBXES, a JSON list); unset: one PBX from the flat variables
    (BINALERT_AMI_HOST, BINALERT_MAX_CHANNELS, ...), which are also each entry's defaults."""
    max_attempts: int = Field(default=3, ge=1, le=10)
    retry_delays: str = "120,300"
    ring_timeout: int = Field(default=30, ge=5, le=120)
    call_deadline: int = Field(default=300, ge=30, le=3600)
    amd_enabled: bool = True
    digit_timeout: int = Field(default=6, ge=2, le=30)
    max_plays: int = Field(default=3, ge=1, le=5)
    worker_id: str = Field(
        default_factory=lambda: f"{socket.gethostname()}-worker", min_length=1, max_length=100
    )
    heartbeat_seconds: float = Field(default=5.0, ge=0.2, le=60)
    """How often each dialing process writes its heartbeat (binalert.workers); a process
    silent for three of them counts as dead, and its PBX as not dialled."""
    shutdown_grace: float = Field(default=30.0, ge=0, le=600)
    sms_submit_lease: float = Field(default=60.0, ge=1, le=3600)
    """Seconds an SMS may stay recorded as submitting (#22): past it, its worker is taken as
    gone, and the SMS as unknown (never sent again; a later receipt reconciles it)."""
    sms_reply_window: float = Field(default=600.0, ge=1, le=86400)
    """Seconds an SMS-only delivery waits for a reply 1 after its SMS was delivered (or
    submitted, when no receipt told), before it ends unacknowledged (deliveries.sms_rules)."""

    session_secret: SecretStr | None = None
    """The server secret: signs cookies and /media URLs, and is the key TOTP secrets are
    encrypted with. Required in production; unset elsewhere, a random one is made at the first
    start and kept in BINALERT_SECRET_FILE (read `server_secret()`, never this field)."""
    secret_file: Path = DEFAULT_VAR / "secret"
    previous_session_secret: SecretStr | None = None
    """The secret before a rotation: TOTP secrets encrypted with it are still read, and
    re-encrypted with the new one at the next start (docs/decisions.md)."""
    session_idle_minutes: int = Field(default=30, ge=1, le=720)
    """A page session unused this long ends (besides the 12 h limit of every session)."""
    signin_hash_slots: int = Field(default=2, ge=1, le=32)
    """Password hashes (Argon2id, 64 MiB each) at once in one process; more sign-ins are
    answered 429 at once, without hashing."""
    host: str = "127.0.0.1"
    port: int = 8000
    forwarded_allow_ips: str = ""
    """The TLS proxy whose X-Forwarded-For/-Proto binalert believes (its addresses or networks,
    comma-separated; default nobody): then the session cookie is Secure and the audit log,
    /metrics and /media see the real client address. The proxy must overwrite both headers
    (a client writes its own); never "*", which lets any client choose its address."""
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    """The address people open the pages at (https://binalert.example.be): invitation and reset
    links start with it, never with the Host a request names (a forged Host would send the
    link's secret to someone else's server). Required in production; unset elsewhere, links
    start with http://HOST:PORT."""
    map_tiles_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        pattern=r"^(https://[A-Za-z0-9.{}:-]+/[^\s\"'<>;]*)?$",
    )
    """The map's background tiles ({z}/{x}/{y}, {s} for subdomains); empty: no tiles, the BIN
    areas are still drawn (offline deployments). The pages' CSP allows images from its host."""
    map_tiles_attribution: str = Field(
        default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
        "contributors",
        max_length=500,
    )
    """Shown on the map under the tiles (HTML, as the tile provider asks for it)."""
    phone_countries: str = "BE,NL,FR,DE,LU"
    """Countries whose numbers members may have (ISO codes); others are never called."""
    sms_countries: str = "BE,NL,FR,DE,LU"
    """Countries whose mobile numbers binalert may text (#22; binalert.phones.sms_number): a
    member's number elsewhere is called, never texted."""
    sms_max_parts: int = Field(default=MAX_PARTS, ge=1, le=10)
    """At most this many parts per SMS (each part is paid for): a longer text is refused at
    the preview (binalert.sms.text)."""
    dispatch_allow: str = ""
    """Dispatch lines allowed besides Belgian geographic landlines (comma-separated numbers):
    a police zone whose line is not one (binalert.phones.dispatch_line)."""
    max_import_rows: int = Field(default=20_000, ge=1, le=100_000)
    max_members_per_bin: int = Field(default=20_000, ge=1, le=1_000_000)
    metrics_allow: str = "127.0.0.1/32,::1/128"
    """Networks that may read /metrics without a token (else an admin token is needed)."""
    webhook_allow_networks: str = ""
    """Private networks webhooks may be sent to (comma-separated CIDRs; default none): else
    a webhook URL whose host is or resolves to a loopback, private, link-local or other
    non-public address is refused. Cloud metadata addresses are refused always."""
    media_allow: str = ""
    """Networks that may fetch /media (the PBXes that use BINALERT_MEDIA_BASE_URL); unset: any
    address. A request needs the signed URL binalert handed the PBX either way."""

    smsc_host: str | None = None
    """The SMSC that binalert sends SMS through (SMPP 3.4, bound as a transceiver); unset: no
    SMS, and everything else runs as without it. With it: BINALERT_SMSC_SYSTEM_ID,
    BINALERT_SMSC_PASSWORD and BINALERT_SMSC_SOURCE (the number replies reach, E.164)."""
    smsc_port: int = 2775
    smsc_system_id: str = ""
    smsc_password: SecretStr | None = None
    smsc_system_type: str = ""
    smsc_source: str = ""
    smsc_mps: float = 10.0
    """The provider's limit of messages (parts) per second; binalert keeps under it."""
    smsc_window: int = 10
    """Submits awaiting their answer at once (the provider's window)."""
    smsc_enquire_seconds: float = 30.0
    """Keep-alive (enquire_link) after this long without traffic; no answer: reconnect."""
    smsc_receipt_timeout: int = 900
    """Seconds after which an SMS without a delivery receipt ends as "sent, no receipt" (15
    minutes, the lifecycle's own default: deliveries.sms_rules says why)."""

    tts_engine: Literal["espeak", "gtts", "piper"] = "espeak"
    tts_voices: str = ""
    tts_rate: str = "140"  # words per minute, or per language: "nl=140,fr=130"
    tts_piper_models: str = ""  # "nl=/models/nl_BE-nathalie-medium.onnx"
    tts_plate_style: str = ""
    """How plates are said: "" (letters and digits by name, said twice), "spelled" (with a
    spelling word after the letters that blur on a phone line; about 3 s longer a call), per
    language "nl=spelled,fr=spelled" (docs/tts.md)."""
    tts_voices_dir: Path | None = None
    """Where `binalert tts install-voice` puts Piper voices and `piper:NAME` finds them
    (default ~/.local/share/binalert/voices)."""
    retention_days: int = 90
    signup_calls_per_number_hour: int = Field(default=1, ge=0, le=10)
    """Verification calls to one number within an hour (a sign-up page's, #24); with the next
    two, nobody can use the page to make binalert ring a stranger again and again."""
    signup_calls_per_number_day: int = Field(default=3, ge=0, le=20)
    signup_per_client_hour: int = Field(default=5, ge=0, le=100)
    """Sign-ups from one client address within an hour (more are answered 429)."""
    signup_calls_per_hour: int = Field(default=60, ge=0, le=10_000)
    """Verification calls within an hour, all BINs and addresses together."""
    service_calls_at_once: int = Field(default=2, ge=0, le=100)
    """Service calls (verification, "you are in", a code read out) at once on one PBX; they
    also count against its max_channels, and never take its last free line."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        flat = _FlatPbxVariables(settings_cls, getattr(dotenv_settings, "env_file", None))
        return init_settings, env_settings, dotenv_settings, flat, file_secret_settings

    @model_validator(mode="before")
    @classmethod
    def _pbx_list(cls, data: Any) -> Any:
        """Flat PBX values (keyword arguments over variables) make the default PBX, or fill
        in what each BINALERT_PBXES entry leaves out."""
        if not isinstance(data, dict):
            return data
        defaults = data.pop(_FLAT_ENV, {})
        defaults |= {f: data.pop(k) for f, k in FLAT_PBX_KEYS.items() if k in data}
        entries = data.get("pbxes") or [{}]
        data["pbxes"] = [defaults | _explicit(entry) for entry in entries]
        return data

    @field_validator("retry_delays")
    @classmethod
    def _delays_are_seconds(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not parts or not all(p.isdigit() for p in parts):
            raise ValueError("BINALERT_RETRY_DELAYS must be comma-separated whole seconds")
        return ",".join(parts)

    @field_validator("sms_countries")
    @classmethod
    def _sms_countries(cls, value: str) -> str:
        try:
            sms_countries(value)
        except InvalidPhone as error:
            raise ValueError(f"BINALERT_SMS_COUNTRIES: {error}") from error
        return value

    @field_validator("dispatch_allow")
    @classmethod
    def _dispatch_numbers(cls, value: str) -> str:
        try:
            dispatch_allow_list(value)
        except InvalidPhone as error:
            raise ValueError(f"BINALERT_DISPATCH_ALLOW: {error}") from error
        return value

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in (p.strip() for p in value.split(",") if p.strip()):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as error:
                raise ValueError(f"BINALERT_METRICS_ALLOW: {part!r} is not a network") from error
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for part in (p.strip() for p in value.split(",") if p.strip()):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as error:
                raise ValueError(
                    f"BINALERT_FORWARDED_ALLOW_IPS: {part!r} is not the proxy's address or "
                    'network ("*" would believe any client\'s X-Forwarded-For)'
                ) from error
        return value

    @field_validator("media_allow")
    @classmethod
    def _media_networks(cls, value: str) -> str:
        for part in (p.strip() for p in value.split(",") if p.strip()):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as error:
                raise ValueError(f"BINALERT_MEDIA_ALLOW: {part!r} is not a network") from error
        return value

    @field_validator("webhook_allow_networks")
    @classmethod
    def _webhook_networks(cls, value: str) -> str:
        for part in (p.strip() for p in value.split(",") if p.strip()):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as error:
                raise ValueError(
                    f"BINALERT_WEBHOOK_ALLOW_NETWORKS: {part!r} is not a network"
                ) from error
        return value

    @model_validator(mode="after")
    def _pbx_names_unique(self) -> Settings:
        names = [pbx.name for pbx in self.pbxes]
        if len(set(names)) != len(names):
            raise ValueError(f"PBX names must be unique: {names}")
        return self

    @model_validator(mode="after")
    def _speech_config_valid(self) -> Settings:
        self.speech_config()  # refuses an unknown engine or a rate out of range at start
        return self

    @model_validator(mode="after")
    def _no_weak_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            for pbx in self.pbxes:
                _refuse_weak(pbx.ami_secret, f"the AMI secret of {pbx.name}")
            if self.session_secret is None:
                raise ValueError("BINALERT_SESSION_SECRET is required in production")
            _refuse_weak(self.session_secret, "the session secret")
            if self.public_url is None:
                raise ValueError(
                    "refusing to start in production without BINALERT_PUBLIC_URL (the https "
                    "address people open the pages at: invitation and reset links start with it)"
                )
        elif self.environment == "development" and self.session_secret is not None:
            _refuse_example(self.session_secret, "the session secret")
        return self

    @model_validator(mode="after")
    def _smsc_complete(self) -> Settings:
        self.smsc()  # an SMSC half configured is refused at start, not at the first alert
        return self

    def smsc(self) -> SmscSettings | None:
        """The SMSC to bind to, or None: SMS is not configured."""
        if not self.smsc_host:
            return None
        if self.smsc_password is None or not self.smsc_system_id or not self.smsc_source:
            raise ValueError(
                "BINALERT_SMSC_HOST needs BINALERT_SMSC_SYSTEM_ID, BINALERT_SMSC_PASSWORD and "
                "BINALERT_SMSC_SOURCE (the number replies reach)"
            )
        return SmscSettings(
            host=self.smsc_host,
            port=self.smsc_port,
            system_id=self.smsc_system_id,
            password=self.smsc_password,
            system_type=self.smsc_system_type,
            source=self.smsc_source,
            mps=self.smsc_mps,
            window=self.smsc_window,
            enquire_seconds=self.smsc_enquire_seconds,
            receipt_timeout=self.smsc_receipt_timeout,
        )

    def server_secret(self) -> str:
        """The server secret: the one set, else (tests) one random per process, else the one
        kept in the secret file (made at the first start). Never a value known to others."""
        if self.session_secret is not None:
            return self.session_secret.get_secret_value()
        if self.environment == "test":
            return _TEST_SECRET
        return secretfile.load_or_create(self.secret_file)

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def https(self) -> bool:
        """Whether people reach the pages over https (then cookies are Secure and __Host-)."""
        return self.environment == "production" or (self.public_url or "").startswith("https:")

    @property
    def public_base(self) -> str:
        """Where one-time links point: BINALERT_PUBLIC_URL, else this server's own address."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def retry_delay_seconds(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.retry_delays.split(","))

    def member_policy(self) -> MemberPolicy:
        countries = {c.strip().upper() for c in self.phone_countries.split(",") if c.strip()}
        return MemberPolicy(frozenset(countries), self.max_import_rows, self.max_members_per_bin)

    def sms_allowed(self) -> frozenset[str]:
        """The countries whose mobiles may be texted (BINALERT_SMS_COUNTRIES)."""
        return sms_countries(self.sms_countries)

    def dispatch_allow_list(self) -> frozenset[str]:
        return dispatch_allow_list(self.dispatch_allow)

    def speech_config(self) -> SpeechConfig:
        """What the one speech service of a process is built from (dialers and previews)."""
        return SpeechConfig.parse(
            cache_dir=self.sounds_dir,
            engine=self.tts_engine,
            voices=self.tts_voices,
            rate=self.tts_rate,
            piper_models=self.tts_piper_models,
            voices_dir=self.tts_voices_dir,
            plate_style=self.tts_plate_style,
        )


def _refuse_example(secret: SecretStr, what: str) -> None:
    value = secret.get_secret_value()
    if value in EXAMPLE_SECRETS or "change-me" in value:
        raise ValueError(f"refusing to start with an example value as {what}")


def _refuse_weak(secret: SecretStr, what: str) -> None:
    _refuse_example(secret, what)
    value = secret.get_secret_value()
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"refusing to start in production: {what} is shorter than {MIN_SECRET_LENGTH} "
            "characters (make one with `openssl rand -hex 24`)"
        )


def _explicit(entry: Any) -> Any:
    """A PBX entry as the values it sets (a PbxSettings keeps only what was given)."""
    return entry.model_dump(exclude_unset=True) if isinstance(entry, PbxSettings) else entry


def sms_configured(settings: Settings) -> bool:
    """Whether this installation sends SMS (#22: an SMSC configured, BINALERT_SMSC_*): only
    then may people choose SMS on a sign-up page, and hear about it as an option."""
    return bool(getattr(settings, "smsc_host", None))


def get_settings(**overrides: object) -> Settings:
    """Build the settings from the environment; keyword overrides win (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
