"""deliveries.heard_on_call_back_at: a 1 pressed on a call back, recognised by caller ID only

A caller ID is a claim, not a proof: such a 1 is shown to the police as heard on a call back
(unverified) and never counts as an acknowledgement; binalert calls the member straight back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from binalert.models import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("heard_on_call_back_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("heard_on_call_back_at")
