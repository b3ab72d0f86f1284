"""The store's tables as typed SQLAlchemy 2 models; binalert/migrations builds them."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from binalert.clock import utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class Language(enum.StrEnum):
    NL = "nl"
    FR = "fr"
    DE = "de"
    EN = "en"


class Role(enum.StrEnum):
    ADMIN = "admin"
    POLICE = "police"
    COORDINATOR = "coordinator"


class AlertStatus(enum.StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  # a coordinator's message where the zone requires it
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"  # a message the zone's police did not approve: nobody was called


class Audience(enum.StrEnum):
    """Who a follow-up (feedback) on an alert is for."""

    ALL = "all"  # every member the first alert was for
    ACKNOWLEDGED = "acknowledged"  # only those who pressed 1 (or were put through)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    CALLING = "calling"
    WAITING_RETRY = "waiting_retry"
    ACKNOWLEDGED = "acknowledged"
    UNACKNOWLEDGED = "unacknowledged"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


OPEN_DELIVERY_STATUSES = (
    DeliveryStatus.PENDING,
    DeliveryStatus.CALLING,
    DeliveryStatus.WAITING_RETRY,
)


class CallOutcome(enum.StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CONGESTION = "congestion"
    FAILED = "failed"
    MACHINE = "machine"
    HANGUP_NO_ACK = "hangup_no_ack"
    INVALID_NUMBER = "invalid_number"  # the network says the number does not exist
    TRANSFERRED = "transferred"  # the member pressed 3 and was put through to the police
    # A 1 on a call back: the caller ID says it is the member, which anyone can claim. Shown
    # to the police as such, never counted as acknowledged (lifecycle.acknowledge).
    CALLBACK_UNVERIFIED = "callback_unverified"
    # A confirmed 9 (#24): the member asked not to be called any more. They heard the
    # message (9 is offered after it) but did not confirm it: never counted as acknowledged.
    STOPPED_BY_MEMBER = "stopped_by_member"


class CallDirection(enum.StrEnum):
    OUTBOUND = "outbound"  # binalert called the member
    INBOUND = "inbound"  # the member called back the number the alert came from


class Channels(enum.StrEnum):
    """How a member wants alerts (#22): called, texted, or both. Kept apart for urgent alerts
    and non-urgent messages; a member's None means their BIN's default."""

    CALL = "call"
    SMS = "sms"
    BOTH = "both"


class RecordChannel(enum.StrEnum):
    """Where a member's consent, confirmation or change came from (member_records, #24)."""

    WEB = "web"  # the member on a page (sign-up, their own settings)
    PHONE = "phone"  # keys on a call (press 9, the call-in menu, a verification call)
    SMS = "sms"  # a reply by SMS (STOP)
    COORDINATOR = "coordinator"  # a coordinator or admin on the pages or the API
    IMPORT = "import"  # a CSV import
    SYSTEM = "system"  # binalert itself (an unconfirmed sign-up forgotten after 48 hours)


class Bin(Base):
    __tablename__ = "bins"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str] = mapped_column(String(200))
    police_zone: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When non-urgent messages may ring, in Europe/Brussels time (binalert.calling_hours);
    # urgent alerts ring at any hour.
    calling_start: Mapped[str] = mapped_column(String(5), default="09:00")
    calling_end: Mapped[str] = mapped_column(String(5), default="20:00")
    call_on_sundays: Mapped[bool] = mapped_column(Boolean, default=False)
    call_on_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    # Its members' default channels (#22; a member's own choice wins): Channels values
    urgent_channels: Mapped[str] = mapped_column(String(10), default=Channels.CALL.value)
    message_channels: Mapped[str] = mapped_column(String(10), default=Channels.CALL.value)
    # At the end of an urgent alert, an SMS to the members its calls did not reach (#22)
    sms_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    # Its area on the map (#23): checked GeoJSON in WGS84 (binalert.bins.geo), and its bounding
    # box in Lambert 2008 metres, which every database filters fast before shapely decides.
    area: Mapped[str | None] = mapped_column(Text)
    area_x_min: Mapped[float | None] = mapped_column(Float, index=True)
    area_y_min: Mapped[float | None] = mapped_column(Float)
    area_x_max: Mapped[float | None] = mapped_column(Float)
    area_y_max: Mapped[float | None] = mapped_column(Float)
    area_km2: Mapped[float | None] = mapped_column(Float)
    area_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(back_populates="bin")


class Zone(Base):
    """A police zone's own settings; a zone without a row has the defaults."""

    __tablename__ = "zones"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # bins.police_zone
    # The zone's dispatch line (E.164): members may press 3 to be put through. None: no 3.
    dispatch_number: Mapped[str | None] = mapped_column(String(20))
    # Coordinators' non-urgent messages wait for a police officer's approval.
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Press 3 is offered on urgent alerts only; with this on, on the zone's non-urgent
    # messages and follow-ups too.
    press3_on_messages: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    phone_kind: Mapped[str] = mapped_column(String(20), default="landline")
    second_phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default=Language.NL.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # How they want urgent alerts and non-urgent messages (#22): Channels values; None = the
    # BIN's default
    urgent_channels: Mapped[str | None] = mapped_column(String(10))
    message_channels: Mapped[str | None] = mapped_column(String(10))
    # Replied STOP (or left SMS on their page): never texted again until they say otherwise
    sms_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optional (#24 sign-up): shared with buddies they agree to, never with anyone else
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    opt_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Quiet hours for non-urgent messages (#24), "HH:MM" Europe/Brussels, the span may cross
    # midnight (22:00-08:00); both None: none. Urgent alerts ring at any hour.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("bin_id", "member_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)

    bin: Mapped[Bin] = relationship(back_populates="memberships")
    member: Mapped[Member] = relationship(back_populates="memberships")


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    incident_ref: Mapped[str] = mapped_column(String(100))
    bin_ids: Mapped[list[int]] = mapped_column(JSON)
    messages: Mapped[dict[str, str]] = mapped_column(JSON)
    template: Mapped[str | None] = mapped_column(String(50))
    urgent: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=AlertStatus.ACTIVE.value, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # A follow-up (feedback) names the alert it follows, and whom it is for.
    # (No foreign keys on parent_id and deliveries.bin_id: SQLite could only add them by
    # rebuilding its largest tables. Alerts are never deleted; a deleted BIN's deliveries fall
    # back to the default calling hours.)
    parent_id: Mapped[int | None] = mapped_column(BigId, index=True)
    audience: Mapped[str] = mapped_column(String(20), default=Audience.ALL.value)
    # The police's own voice: language -> sound key (tts.recorded), played instead of the
    # synthesised message in that language.
    recordings: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # A non-urgent message: when its first calls may go out (the BINs' calling hours).
    calls_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))  # approved or rejected by
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sent by the map (#23): the place {"lat","lon","radius_m"} and the route {"line","width_m"}
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    route: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The SMS text per language (#22): written out from the message, or typed in the form
    # for a recorded-voice alert
    sms_texts: Mapped[dict[str, str] | None] = mapped_column(JSON)


class MessageApproval(Base):
    """One zone's part of a coordinator's message where that zone requires approval: its
    BINs' members are called only once the zone's police approve it (#21 point 4)."""

    __tablename__ = "message_approvals"
    __table_args__ = (UniqueConstraint("alert_id", "police_zone"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    police_zone: Mapped[str] = mapped_column(String(200))
    # awaiting_approval, active (approved) or rejected: AlertStatus values, per zone
    status: Mapped[str] = mapped_column(String(20), default=AlertStatus.AWAITING_APPROVAL.value)
    validity_seconds: Mapped[int] = mapped_column(Integer)  # the calls' validity once approved
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(200))


_WAITING = "status IN ('pending', 'waiting_retry')"
# Waiting deliveries the dialer calls (#22: an SMS-only delivery waits for its SMS, not for a
# dialer; migration 0017)
_DIALABLE_SQLITE = text(_WAITING + " AND call = 1")
_DIALABLE_PG = text(_WAITING + " AND call = true")


class Delivery(Base):
    """One member for one alert: the unit the dialer drives to a final state."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "member_id"),
        Index("ix_deliveries_alert_status", "alert_id", "status"),
        # The claim queue: waiting deliveries in the order they are dialled (migration 0004).
        Index(
            "ix_deliveries_queue",
            text("urgent DESC"),
            "attempts",
            "next_attempt_at",
            "id",
            sqlite_where=_DIALABLE_SQLITE,
            postgresql_where=_DIALABLE_PG,
        ),
        Index(
            "ix_deliveries_next",
            "next_attempt_at",
            sqlite_where=_DIALABLE_SQLITE,
            postgresql_where=_DIALABLE_PG,
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING.value)
    urgent: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(2))
    phones: Mapped[list[str]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[bool] = mapped_column(Boolean, default=False)
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_phone_index: Mapped[int] = mapped_column(Integer, default=0)
    # The PBX whose network failed on the last call (congestion, a call it could not place):
    # another PBX takes the retry if there is one, this one only once it is a minute overdue.
    avoid_pbx: Mapped[str | None] = mapped_column(String(40))
    # The BIN whose calling hours a non-urgent delivery keeps (one of the alert's BINs that
    # the member is in).
    bin_id: Mapped[int | None] = mapped_column(BigId)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # pressed 3
    # The first 1 pressed on a call back (a caller ID, unverified: not an acknowledgement).
    heard_on_call_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digit: Mapped[str | None] = mapped_column(String(1))
    # The channels, decided once when the delivery opens (#22): whether the dialer calls
    # (`call`), and the mobile number to text (None: no SMS)
    call: Mapped[bool] = mapped_column(Boolean, default=True)
    sms_phone: Mapped[str | None] = mapped_column(String(20))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CallAttempt(Base):
    """One Originate. Its channel_id is what Asterisk reports back as Uniqueid."""

    __tablename__ = "call_attempts"
    __table_args__ = (Index("ix_call_attempts_open", "pbx", "ended_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    phone_index: Mapped[int] = mapped_column(Integer, default=0)
    channel_id: Mapped[str] = mapped_column(String(40), unique=True)
    pbx: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))
    digit: Mapped[str | None] = mapped_column(String(1))
    hangup_cause: Mapped[int | None] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(10), default=CallDirection.OUTBOUND.value)


class DeliveryEvent(Base):
    """Every delivery change, in order: the source of the live stream (SSE ids)."""

    __tablename__ = "delivery_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    police_zone: Mapped[str | None] = mapped_column(String(200))
    # A dispatch centre (CIC) acting for several zones: the zones besides police_zone (#23)
    extra_zones: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    bin_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Account(Base):
    """A person who signs in to the pages with an e-mail and a password (machines use tokens)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # normalised lowercase
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    police_zone: Mapped[str | None] = mapped_column(String(200))
    extra_zones: Mapped[list[str] | None] = mapped_column(JSON, default=list)  # a CIC (#23)
    bin_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # argon2; None until set
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # encrypted (auth/totpkeys)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # no code used twice
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccountLink(Base):
    """A one-time invitation or reset link: its random token is stored only as a hash."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))  # invite | reset
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser: the cookie holds the random id, the store only its hash."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's id
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SigninStep(Base):
    """A second step pending after a right password (the code, or enrolling the app): kept
    here, never in the browser; the browser holds only its random ticket. Single use, for the
    browser that passed the password, for a few minutes."""

    __tablename__ = "signin_steps"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the ticket
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    browser_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the browser's CSRF token
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # to enrol; encrypted
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SigninThrottle(Base):
    """Wrong sign-ins of one client address, or of one e-mail address from one client
    address (the key says which, hashed): how many in a row, and until when it waits."""

    __tablename__ = "signin_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    waits_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RolePolicy(Base):
    """What a role's accounts must do to sign in (set by an admin)."""

    __tablename__ = "role_policies"

    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    totp_required: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    police_zone: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_try_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertStats(Base):
    """Anonymous aggregates of one finished alert, kept after its per-member details are purged."""

    __tablename__ = "alert_stats"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged: Mapped[int] = mapped_column(Integer, default=0)
    call_attempts: Mapped[int] = mapped_column(Integer, default=0)
    status_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    outcome_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    last_outcome_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    language_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    seconds_to_first_ack: Mapped[float | None] = mapped_column(Float)
    median_seconds_to_ack: Mapped[float | None] = mapped_column(Float)
    p90_seconds_to_ack: Mapped[float | None] = mapped_column(Float)


class WorkerHeartbeat(Base):
    """What a dialing process (`binalert worker`, or `serve` with its dispatcher) last said
    about one PBX it dials through; written every few seconds, read by /ready, /metrics and
    the police's alert page (binalert.workers). A row not renewed for three of its intervals
    is a dead worker's."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    pbx: Mapped[str] = mapped_column(String(40), primary_key=True)
    pbx_healthy: Mapped[bool] = mapped_column(Boolean)
    speech_healthy: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(300))
    interval_seconds: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)


class SmsStatus(enum.StrEnum):
    """An SMS's way (#22). Final: delivered, undeliverable, expired, rejected, failed,
    no_receipt (sent, but no receipt came in time: never counted as delivered), unknown (the
    worker died between submit and response and no receipt told us: never sent again)."""

    QUEUED = "queued"  # to be sent (next_try_at: not before)
    SUBMITTING = "submitting"  # recorded before the submit_sm: never submitted twice
    SENT = "sent"  # the SMSC took every part (submit_sm_resp OK); a receipt may follow
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"
    EXPIRED = "expired"
    REJECTED = "rejected"
    FAILED = "failed"  # a permanent error on submit, or not textable
    NO_RECEIPT = "no_receipt"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"  # queued, then no longer wanted (alert cancelled, member erased)


class SmsKind(enum.StrEnum):
    ALERT = "alert"  # an alert's or message's SMS to its member (deliveries.sms_phone)
    FALLBACK = "fallback"  # the BIN's SMS to a member the urgent alert's calls did not reach
    STOP_CONFIRMATION = "stop_confirmation"  # the one reply to STOP
    CANNOT_READ = "cannot_read"  # the one polite reply to anything else
    SERVICE = "service"  # a member's own: a verification code, a settings link, "you are in"


class SmsMessage(Base):
    """One SMS to one number (#22), of one or more parts: written only by the delivery
    lifecycle (binalert.deliveries.lifecycle), sent by the SMS worker (sms/)."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        Index("ix_sms_messages_due", "status", "next_try_at", "id"),  # the claim's order
        Index("ix_sms_messages_phone", "phone", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # SmsKind
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    alert_id: Mapped[int | None] = mapped_column(BigId, index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    bin_id: Mapped[int | None] = mapped_column(BigId)  # for reports: parts per BIN
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164; None once the member is erased
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)  # checked (binalert.sms text rules) before stored
    encoding: Mapped[str] = mapped_column(String(10))  # gsm7 | ucs2
    parts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=SmsStatus.QUEUED.value)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SmsPart(Base):
    """One submit_sm of an SMS: the SMSC's message id its receipt names."""

    __tablename__ = "sms_parts"
    __table_args__ = (UniqueConstraint("sms_id", "part"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sms_id: Mapped[int] = mapped_column(ForeignKey("sms_messages.id", ondelete="CASCADE"))
    part: Mapped[int] = mapped_column(Integer)  # 1..parts
    message_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # SmsStatus
    receipt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SmsReply(Base):
    """An SMS a member (or anyone) sent to binalert's number, stored before the SMSC is told
    it arrived (deliver_sm_resp): a reply that came while the store was down is refused with
    a temporary error, and the SMSC offers it again."""

    __tablename__ = "sms_replies"
    __table_args__ = (
        # The sweep's look for replies not acted on yet: only those rows (migration 0019)
        Index(
            "ix_sms_replies_unhandled",
            "id",
            sqlite_where=text("handled_at IS NULL"),
            postgresql_where=text("handled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    from_phone: Mapped[str | None] = mapped_column(String(20), index=True)  # None once erased
    text: Mapped[str] = mapped_column(String(1000))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    action: Mapped[str | None] = mapped_column(String(20))  # ack, stop, other, stranger
    delivery_id: Mapped[int | None] = mapped_column(BigId)  # the delivery a 1 acknowledged
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MemberRecord(Base):
    """A member's consent, confirmation or change, with its time and channel (#24): written
    only by binalert.members.records (which also writes the audit log); shown to the
    coordinator. It outlives the member (member_id set null on erasure), so the coordinator
    sees who left and how."""

    __tablename__ = "member_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    bin_id: Mapped[int | None] = mapped_column(BigId, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(40))  # consent, confirmed, approved, left, ...
    channel: Mapped[str] = mapped_column(String(20))  # RecordChannel
    actor: Mapped[str] = mapped_column(String(200))  # "member", an account's e-mail, "system"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


_LIVE_LINK = text("ended_at IS NULL")


class BuddyLink(Base):
    """A member (the buddy) who looks in on a neighbour of their BIN after an urgent alert
    that did not reach the neighbour (#24): live once both confirmed, ended by either (or
    by a member leaving or stopping). binalert.buddies is its only writer."""

    __tablename__ = "buddy_links"
    __table_args__ = (
        # One live link per pair; an ended one stays as history (records hold the rest).
        Index(
            "uq_buddy_links_live_pair",
            "buddy_id",
            "neighbour_id",
            unique=True,
            sqlite_where=_LIVE_LINK,
            postgresql_where=_LIVE_LINK,
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id", ondelete="CASCADE"), index=True)
    buddy_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    neighbour_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    proposed_by: Mapped[str] = mapped_column(String(20))  # buddy | coordinator
    buddy_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    neighbour_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(20))  # buddy | neighbour | coordinator


class BuddyRelay(Base):
    """An urgent alert that did not reach a member, passed on to their buddy (#24): the
    unreached delivery and the small child alert (parent_id, audience "buddy") whose one
    delivery calls the buddy. One per unreached delivery, so never two for a member."""

    __tablename__ = "buddy_relays"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), unique=True
    )
    relay_alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    bin_id: Mapped[int] = mapped_column(BigId)  # the link's BIN: whose police see it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignupPage(Base):
    """A BIN's sign-up page (#24): the unguessable link token its coordinator shares (on a
    flyer with a QR code) and renews, whether confirmed sign-ups join at once or wait for the
    coordinator, the page's and flyer's languages, and the contact the consent text names."""

    __tablename__ = "signup_pages"

    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str | None] = mapped_column(String(64), unique=True)  # None: no page
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[str] = mapped_column(String(20), default="nl,fr,de,en")
    contact: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SignupStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # the verification call has not had its 1 yet
    CONFIRMED = "confirmed"  # pressed 1: waiting for the coordinator


class Signup(Base):
    """A person who signed up on a BIN's page (#24), until they are a member. Kept apart from
    members: a number nobody confirmed is in no member query (alerts, call backs, exports,
    counts), and forgetting it is deleting one row. Approved: the member is made and this row
    goes; refused: it goes; unconfirmed: forgotten 48 hours after the sign-up."""

    __tablename__ = "signups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164, the one verified
    second_phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    channels: Mapped[str] = mapped_column(String(10), default=Channels.CALL.value)
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    consent_version: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=SignupStatus.UNCONFIRMED.value)
    client: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of the address
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceCallStatus(enum.StrEnum):
    QUEUED = "queued"
    CALLING = "calling"
    DONE = "done"


class ServiceCall(Base):
    """A short call that says something and may wait for a 1 (#24): a sign-up's verification,
    "you are in", a code read out. Queued by binalert.service_calls, placed by
    ivr/service_calls.py (counted against the PBX's channels), its outcome handed to the
    purpose's handler (binalert.service_outcomes). Forgotten after 48 hours."""

    __tablename__ = "service_calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(30))  # verify, welcome, ...
    subject_id: Mapped[int | None] = mapped_column(BigId)  # the purpose's row (a sign-up's id)
    bin_id: Mapped[int | None] = mapped_column(BigId)
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)  # what is said (then, if wait_for_key, the 1)
    wait_for_key: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=ServiceCallStatus.QUEUED.value)
    outcome: Mapped[str | None] = mapped_column(String(20))  # pressed_1, no_key, no_answer, ...
    pbx: Mapped[str | None] = mapped_column(String(100))
    channel_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_service_calls_open", "status", "pbx"),)


class MemberCode(Base):
    """A single-use proof sent to a member's number (#24): a link by SMS or a short code read
    out in a call, to reach their own page (`sign_in`) or to confirm a new number
    (`confirm_number`). Only HMACs are stored (the server secret's key): a copy of the
    database does not open anyone's page. A request for a number that is no member's is kept
    too (no member, no code), so limits per number and per address count every request
    without telling the requester whether the number is known. binalert.members.access."""

    __tablename__ = "member_codes"
    __table_args__ = (
        Index("ix_member_codes_number", "number_digest", "created_at"),
        Index("ix_member_codes_source", "source", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))  # sign_in | confirm_number
    via: Mapped[str] = mapped_column(String(10))  # sms | call
    number_digest: Mapped[str] = mapped_column(String(64))  # HMAC of the number asked for
    source: Mapped[str | None] = mapped_column(String(64))  # HMAC of the requesting address
    # HMACs of the random ticket (the browser's form or the link names the row by it) and
    # of the ticket with its secret (the code read out, the link's token); None: no code
    ticket_digest: Mapped[str] = mapped_column(String(64), unique=True)
    secret_digest: Mapped[str | None] = mapped_column(String(64))
    slot: Mapped[str | None] = mapped_column(String(20))  # confirm_number: phone | second_phone
    new_phone: Mapped[str | None] = mapped_column(String(20))  # confirm_number: E.164
    tries: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
