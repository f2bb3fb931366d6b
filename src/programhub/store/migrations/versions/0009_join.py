"""Join the four lines that grew side by side (Sunbird's reference model, bounds, credentials,
renderings) into one, so every later migration has a single parent.

Revision ID: 0009_join
Revises: 0004_sunbird_reference, 0005_bounded, 0007_credentials, 0008_renderings
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0009_join"
down_revision: str | Sequence[str] | None = (
    "0004_sunbird_reference",
    "0005_bounded",
    "0007_credentials",
    "0008_renderings",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the revision only joins the heads."""


def downgrade() -> None:
    """Nothing to undo."""
