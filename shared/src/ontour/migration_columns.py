"""Column shapes the services' Alembic migrations share (a text list, a moment).

Kept stable on purpose: a migration that ran must mean the same thing forever.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY


def text_list(name: str) -> sa.Column:
    """``text[]``, never null, empty by default."""
    return sa.Column(name, ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'"))


def moment(name: str, *, nullable: bool = True, default_now: bool = False) -> sa.Column:
    """A ``timestamptz`` column (optionally ``now()`` by default)."""
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=sa.func.now() if default_now else None,
    )
