"""The ways a use case says no, each answered the same way by every service's API
(:mod:`ontour.web.refusals`) and pages.

Pure: no database or web, so a service's domain may raise :class:`Refused` (or a subclass).
"""

from __future__ import annotations

from collections.abc import Sequence


class NotFound(LookupError):
    """What the use case was asked to change does not exist (404)."""

    def __init__(self, detail: str = "Deze bron bestaat niet.") -> None:
        super().__init__(detail)
        self.detail = detail


class Forbidden(PermissionError):
    """The caller may not do this to this object (403); ``detail`` says why, in Dutch."""

    def __init__(self, detail: str = "U heeft geen toegang tot dit gegeven.") -> None:
        super().__init__(detail)
        self.detail = detail


class VersionConflict(Exception):
    """The caller based the change on an older version than ``current`` (409 with its ETag)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"current version is {current}")
        self.current = current


class Conflict(Exception):
    """The current state refuses the step, in the use case's own full Dutch sentence (409):
    for answers that are not a "Dit kan niet: …" rule (a run already going, an id taken)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Refused(ValueError):
    """The rules refuse the step; ``detail`` says why, in Dutch, for the user.

    With ``field`` the input is at fault: 422 naming that field (``reasons``: several reasons
    for it, each named, ``detail`` then summing them up). Without, the current state is: 409.
    """

    def __init__(
        self, detail: str, field: str | None = None, *, reasons: Sequence[str] = ()
    ) -> None:
        super().__init__(f"{field}: {detail}" if field and not reasons else detail)
        self.detail = detail
        self.field = field
        self.reasons = tuple(reasons)
