"""Chain sync: the event log, the files applied, the conflicts for the owner, the node id.

Every change another shop must see is written to ``sync_event`` in the change's transaction.
Each database gets a random node id here, so two shops never take each other's events for
their own.

Revision ID: 0005_sync
"""

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.store.types import UTCDateTime

revision = "0005_sync"
down_revision = "0004_search_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("node", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("store_code", sa.String(3), nullable=False),
        sa.Column("till", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("exported_file", sa.String(120)),
        sa.Column("applied_at", UTCDateTime()),
    )
    # Export reads this node's events not yet in a file, in order.
    op.create_index("ix_sync_event_export", "sync_event", ["node", "exported_file", "id"])
    op.create_table(
        "sync_file",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("node", sa.String(36), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("deferred", sa.Integer(), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("member_uuid", sa.String(36)),
        sa.Column("event_uuid", sa.String(36)),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("needs_owner", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime()),
        sa.Column("resolved_by", sa.String(80)),
        sa.Column("resolution", sa.Text()),
    )
    op.create_index("ix_sync_conflict_open", "sync_conflict", ["needs_owner", "resolved_at"])
    with op.batch_alter_table("member") as batch:
        # The store whose edit the profile holds: last-writer-wins breaks timestamp ties on it.
        batch.add_column(
            sa.Column("updated_store", sa.String(3), nullable=False, server_default="")
        )
    setting = sa.table(
        "setting",
        sa.column("key", sa.String),
        sa.column("value", sa.Text),
        sa.column("updated_at", UTCDateTime()),
    )
    op.bulk_insert(
        setting,
        [
            {
                "key": "sync.node_id",
                "value": json.dumps(str(uuid.uuid4())),
                "updated_at": datetime.now(UTC),
            }
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.drop_column("updated_store")
    op.execute("DELETE FROM setting WHERE key = 'sync.node_id'")
    op.drop_table("sync_conflict")
    op.drop_table("sync_file")
    op.drop_index("ix_sync_event_export", "sync_event")
    op.drop_table("sync_event")
