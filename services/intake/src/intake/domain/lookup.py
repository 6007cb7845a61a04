"""Finding an organisation from what someone typed: a CBS code, a name, an alias or an old name.

Pure: the lookup is built from the register plus two small tables (aliases and former names of
merged municipalities) that ``intake.reference_data`` reads from the packaged data files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from intake.domain.register import Organisation, OrganisationKind, kind_of_code
from intake.domain.text import clean, match_key

# "Hengelo (O.)", "Bergen (NH.)": CBS adds the province to tell equal names apart; people don't.
_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")

# Longest first, so "provinciale staten van" wins over "provincie".
_PREFIXES: tuple[tuple[str, OrganisationKind], ...] = (
    ("provinciale staten van ", OrganisationKind.PROVINCIE),
    ("provinciale staten ", OrganisationKind.PROVINCIE),
    ("gemeenteraad van ", OrganisationKind.GEMEENTE),
    ("gemeenteraad ", OrganisationKind.GEMEENTE),
    ("gemeente ", OrganisationKind.GEMEENTE),
    ("provincie ", OrganisationKind.PROVINCIE),
    ("prov ", OrganisationKind.PROVINCIE),
    ("gem ", OrganisationKind.GEMEENTE),
)


@dataclass(frozen=True, slots=True)
class FormerName:
    """A name no longer in use (a merged municipality) and the organisation it went into."""

    name: str
    successor_code: str
    since: date | None = None


@dataclass(frozen=True, slots=True)
class Alias:
    """Another common name for a current organisation ("Den Bosch" for 's-Hertogenbosch)."""

    name: str
    cbs_code: str


@dataclass(frozen=True, slots=True)
class Match:
    """The organisation found and, when it was not found by its own name or code, how (Dutch)."""

    organisation: Organisation
    note: str | None = None


class OrganisationNotFound(ValueError):
    """No single organisation fits; ``reason`` is a Dutch sentence for the row report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_former_names(rows: Iterable[Mapping[str, str]]) -> list[FormerName]:
    """Rows of ``samenvoegingen.csv``: oude_naam, opvolger_code, opvolger_naam, ingangsdatum."""
    result = []
    for row in rows:
        since = clean(row.get("ingangsdatum"))
        result.append(
            FormerName(
                name=clean(row["oude_naam"]),
                successor_code=clean(row["opvolger_code"]).upper(),
                since=date.fromisoformat(since) if since else None,
            )
        )
    return result


def parse_aliases(rows: Iterable[Mapping[str, str]]) -> list[Alias]:
    """Rows of ``aliassen.csv``: alias, cbs_code, toelichting."""
    return [Alias(clean(row["alias"]), clean(row["cbs_code"]).upper()) for row in rows]


def _label(organisation: Organisation) -> str:
    kind = "Gemeente" if organisation.kind is OrganisationKind.GEMEENTE else "Provincie"
    return f"{kind} {organisation.name} ({organisation.cbs_code})"


class OrganisationLookup:
    """Finds the current organisation for a code or a loosely written name."""

    def __init__(
        self,
        organisations: Sequence[Organisation],
        *,
        aliases: Iterable[Alias] = (),
        former_names: Iterable[FormerName] = (),
    ) -> None:
        self._by_code = {o.cbs_code: o for o in organisations}
        self._by_key: dict[str, list[Match]] = {}
        for organisation in organisations:
            if organisation.valid_until is None:
                self._add(organisation.name, Match(organisation))
                bare = _SUFFIX.sub("", organisation.name)
                if bare != organisation.name:
                    self._add(bare, Match(organisation))
            else:
                # Ended organisations in the register itself are former names too, so a
                # future yearly import makes its mergers findable without editing any table.
                successor = self._current(organisation.cbs_code)
                if successor is not None:
                    self._add(organisation.name, self._former(organisation.name, successor, None))
        for alias in aliases:
            target = self._by_code.get(alias.cbs_code)
            if target is not None and target.valid_until is None:
                self._add(alias.name, Match(target, f"'{alias.name}' gelezen als {_label(target)}"))
        for former in former_names:
            successor = self._current(former.successor_code)
            if successor is not None:
                self._add(former.name, self._former(former.name, successor, former.since))

    def _add(self, name: str, match: Match) -> None:
        self._by_key.setdefault(match_key(name), []).append(match)

    @staticmethod
    def _former(name: str, successor: Organisation, since: date | None) -> Match:
        when = f" per {since.strftime('%d-%m-%Y')}" if since else ""
        return Match(successor, f"oude naam '{name}': opgegaan in {_label(successor)}{when}")

    def _current(self, code: str) -> Organisation | None:
        """Follow successor links (a merger of a merger) to the organisation that exists now."""
        seen: set[str] = set()
        organisation = self._by_code.get(code)
        while organisation is not None and organisation.valid_until is not None:
            if organisation.successor_code is None or organisation.cbs_code in seen:
                return None
            seen.add(organisation.cbs_code)
            organisation = self._by_code.get(organisation.successor_code)
        return organisation

    def find(self, text: str | None) -> Match:
        """The organisation meant by ``text``; raises ``OrganisationNotFound`` (Dutch reason)."""
        value = clean(text)
        if not value:
            raise OrganisationNotFound("ontbreekt")
        code = value.upper().replace(" ", "")
        if kind_of_code(code) is not None:
            return self._find_code(code)

        key = match_key(value)
        wanted: OrganisationKind | None = None
        for prefix, kind in _PREFIXES:
            if key.startswith(prefix):
                key, wanted = key[len(prefix) :], kind
                break
        candidates = [
            m for m in self._by_key.get(key, []) if wanted is None or m.organisation.kind is wanted
        ]
        # Several routes (name and alias) to one organisation are one answer; prefer the
        # route without a note, i.e. the organisation's own name.
        by_code: dict[str, Match] = {}
        for match in sorted(candidates, key=lambda m: m.note is not None):
            by_code.setdefault(match.organisation.cbs_code, match)
        if len(by_code) == 1:
            return next(iter(by_code.values()))
        if len(by_code) > 1:
            ordered = sorted(
                by_code.values(), key=lambda m: (m.organisation.kind, m.organisation.cbs_code)
            )
            options = ", ".join(_label(m.organisation) for m in ordered)
            raise OrganisationNotFound(
                f"'{value}' is niet eenduidig: {options}; "
                "gebruik de CBS-code of schrijf 'Gemeente …' of 'Provincie …'"
            )
        raise OrganisationNotFound(f"onbekende organisatie '{value}' (geen CBS-code of naam)")

    def _find_code(self, code: str) -> Match:
        organisation = self._by_code.get(code)
        if organisation is None:
            raise OrganisationNotFound(f"onbekende CBS-code {code}")
        if organisation.valid_until is None:
            return Match(organisation)
        successor = self._current(code)
        if successor is None:
            raise OrganisationNotFound(
                f"{code} ({organisation.name}) bestaat niet meer sinds "
                f"{organisation.valid_until} en heeft geen opvolger"
            )
        return Match(
            successor,
            f"{code} ({organisation.name}) is opgegaan in {_label(successor)}",
        )
