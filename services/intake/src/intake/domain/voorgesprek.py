"""Rules for voorgesprekken (pure: no I/O)."""

from __future__ import annotations

from datetime import date


class DomainRuleBroken(ValueError):
    """A business rule refused the input; ``field`` names the offending field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def check_held(held_on: date, today: date) -> None:
    """A voorgesprek recorded as held cannot lie in the future."""
    if held_on > today:
        raise DomainRuleBroken("held_on", "een gehouden voorgesprek kan niet in de toekomst liggen")
