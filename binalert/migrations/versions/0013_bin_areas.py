"""BIN areas on the map, the place or route an alert was sent to, and the further zones of a
dispatch centre's (CIC) tokens and accounts (#23)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from binalert.models import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOX = ("area_x_min", "area_y_min", "area_x_max", "area_y_max", "area_km2")


def upgrade() -> None:
    with op.batch_alter_table("bins") as batch:
        batch.add_column(sa.Column("area", sa.Text(), nullable=True))
        for name in BOX:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
        batch.add_column(sa.Column("area_updated_at", UTCDateTime(), nullable=True))
    op.create_index("ix_bins_area_x_min", "bins", ["area_x_min"])
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("place", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("route", sa.JSON(), nullable=True))
    for table in ("api_tokens", "accounts"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("extra_zones", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("accounts", "api_tokens"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("extra_zones")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("route")
        batch.drop_column("place")
    op.drop_index("ix_bins_area_x_min", table_name="bins")
    with op.batch_alter_table("bins") as batch:
        batch.drop_column("area_updated_at")
        for name in reversed(BOX):
            batch.drop_column(name)
        batch.drop_column("area")
