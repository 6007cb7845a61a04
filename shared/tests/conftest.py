"""Fixtures of the backbone tests (helpers live in backbone_support.py)."""

from backbone_support import db_url

__all__ = ["db_url"]
