"""deliveries.heard_on_call_back_at (revision 0010): a 1 pressed on a call back.

Such a caller is recognised by caller ID only, which anyone can send: the police see the 1 as
heard on a call back (unverified), it never counts as an acknowledgement, and binalert calls
the member straight back, where a 1 counts.
"""

import sqlalchemy as sa
from alembic import op

from binalert.models import UTCDateTime

revision = "0010"
down_revision = "0009"
COLUMN = "heard_on_call_back_at"


def upgrade() -> None:
    op.add_column("deliveries", sa.Column(COLUMN, UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:  # SQLite drops a column by a copy
        batch.drop_column(COLUMN)
