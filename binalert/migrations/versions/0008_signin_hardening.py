"""sign-in hardening (#21): pending second steps and wrong-try counters kept on the server; TOTP
secrets encrypted at rest (the column widened, existing plain secrets marked `plain:` for the
next start to encrypt with the server secret, which a migration does not know)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import binalert.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = binalert.models.UTCDateTime(timezone=True)
PLAIN = "plain:"


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column(
            "totp_secret", type_=sa.String(length=255), existing_type=sa.String(length=64)
        )
    accounts = sa.table("accounts", sa.column("totp_secret", sa.String))
    op.execute(
        accounts.update()
        .where(accounts.c.totp_secret.is_not(None))
        .values(totp_secret=sa.literal(PLAIN) + accounts.c.totp_secret)
    )
    op.create_table(
        "signin_steps",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("totp_secret", sa.String(length=255), nullable=True),
        sa.Column("wrong_codes", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("used_at", When, nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signin_steps_account_id", "signin_steps", ["account_id"])
    op.create_index("ix_signin_steps_expires_at", "signin_steps", ["expires_at"])
    op.create_table(
        "signin_throttle",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", When, nullable=False),
        sa.Column("waits_until", When, nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_signin_throttle_last_failed_at", "signin_throttle", ["last_failed_at"])


def downgrade() -> None:
    op.drop_table("signin_throttle")
    op.drop_table("signin_steps")
    # Encrypted TOTP secrets cannot go back to plain ones without the server secret: those
    # accounts enrol again (an admin resets them); plain ones lose their mark.
    accounts = sa.table("accounts", sa.column("totp_secret", sa.String))
    op.execute(
        accounts.update()
        .where(accounts.c.totp_secret.like(PLAIN + "%"))
        .values(totp_secret=sa.func.substr(accounts.c.totp_secret, len(PLAIN) + 1))
    )
    op.execute(
        accounts.update()
        .where(accounts.c.totp_secret.is_not(None), sa.func.length(accounts.c.totp_secret) > 64)
        .values(totp_secret=None)
    )
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column(
            "totp_secret", type_=sa.String(length=64), existing_type=sa.String(length=255)
        )
