"""What every use case shares: the refusals it raises and the version check of a write.

The API maps the refusals to problems (``scheduling.api.problems``), so a use case says what
went wrong, in Dutch, and never how that is answered over HTTP.
"""

from __future__ import annotations

from typing import Protocol, TypeVar


class NotFound(LookupError):
    """The object does not exist (Dutch message)."""


class VersionConflict(Exception):
    def __init__(self, current: int) -> None:
        super().__init__(f"current version is {current}")
        self.current = current


class Refused(Exception):
    """Not possible in the current state (Dutch message)."""


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def as_expected(row: V | None, expected: int, missing: str) -> V:
    """The row read with FOR UPDATE, when it exists (else NotFound with ``missing``) and is
    still the version the caller based the change on (else VersionConflict)."""
    if row is None:
        raise NotFound(missing)
    if row.version != expected:
        raise VersionConflict(row.version)
    return row
