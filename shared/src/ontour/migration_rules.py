"""Migrations that a rolling upgrade survives: expand first, contract a release later.

During a rolling upgrade the replicas still running the old code work on a database that
the first new replica has already migrated. So a migration may only *expand* the schema
(a new table, a nullable column or one with a server default, an index, dropping a NOT
NULL): the old code goes on as before. A *contracting* step removes or changes what the old
code uses (drop or rename a table, column, constraint or default, change a column's type,
make a column required that the old code may leave empty) and breaks the old code mid-way.
It belongs in a later release than the expand step it completes, once no replica runs code
that needs what it removes; its migration says so at module level::

    CONTRACT = "what it removes and why; expand released in 0007"

naming the earlier revision that released the expand step (or, for a migration released
before this rule, ``"...; released before the expand/contract rule"``).

The check reads each revision's ``upgrade()`` as the SQL Alembic renders for PostgreSQL
(offline: no database), so it sees through helpers and ``op.execute`` alike. Data changes
(INSERT, UPDATE, DELETE) are not judged.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import Script, ScriptDirectory

MARKER = "CONTRACT"
EXPAND_RELEASED_IN = re.compile(r";\s*expand released in (?P<revision>\S+)\s*$")
RELEASED_BEFORE_THE_RULE = re.compile(r";\s*released before the expand/contract rule\s*$")

_NAME = r'("[^"]+"|[\w.]+)'
_TABLE = re.compile(rf"^ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?{_NAME}", re.I)
# What old code can no longer work with, per statement.
_CONTRACTING = [
    (re.compile(r"^DROP\s+(?:MATERIALIZED\s+)?(\w+)", re.I), "drops a {0}"),
    (re.compile(r"\bDROP\s+COLUMN\b", re.I), "drops a column"),
    (re.compile(r"\bDROP\s+CONSTRAINT\b", re.I), "drops a constraint"),
    (re.compile(r"\bALTER\s+COLUMN\s+\S+\s+DROP\s+DEFAULT\b", re.I), "drops a column default"),
    (re.compile(r"\bRENAME\b", re.I), "renames"),
    (re.compile(r"\bALTER\s+COLUMN\s+\S+\s+(?:SET\s+DATA\s+)?TYPE\b", re.I), "changes a type"),
]
_SET_NOT_NULL = re.compile(rf"\bALTER\s+COLUMN\s+{_NAME}\s+SET\s+NOT\s+NULL\b", re.I)
_SET_DEFAULT = re.compile(rf"\bALTER\s+COLUMN\s+{_NAME}\s+SET\s+DEFAULT\b", re.I)
_ADD_COLUMN = re.compile(rf"\bADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}\s+(.*)$", re.I)
_CREATE_TABLE = re.compile(rf"^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}\s*\(", re.I)
_COLUMN_LINE = re.compile(rf"^\s*{_NAME}\s+(.*?),?\s*$")
_DEFAULT = re.compile(r"\bDEFAULT\b", re.I)
_NOT_NULL = re.compile(r"\bNOT\s+NULL\b", re.I)


@dataclass(frozen=True)
class Contraction:
    """One contracting statement in a revision's upgrade."""

    revision: str
    path: Path
    what: str
    statement: str
    marked: str | None  # the revision's CONTRACT, if it has one


def upgrade_sql(script: Script) -> list[str]:
    """The statements ``script``'s ``upgrade()`` runs, rendered for PostgreSQL offline."""
    output = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": output}
    )
    with Operations.context(context):
        script.module.upgrade()
    return [s.strip() for s in output.getvalue().split(";\n\n") if s.strip()]


def revisions(migrations: Path) -> list[Script]:
    """A service's revisions, oldest first."""
    config = Config()
    config.set_main_option("script_location", str(migrations))
    return list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))


def _name(raw: str) -> str:
    return raw.strip('"').lower()


def _judge(statement: str, defaults: set[tuple[str, str]]) -> Iterator[str]:
    """What in ``statement`` contracts the schema; ``defaults`` (table, column) learns the
    columns that have a server default, so a later SET NOT NULL on them is harmless."""
    one_line = " ".join(statement.split())
    created = _CREATE_TABLE.match(one_line)
    if created:
        table = _name(created.group(1))
        for line in statement.splitlines()[1:]:
            column = _COLUMN_LINE.match(line)
            if column and _DEFAULT.search(column.group(2)):
                defaults.add((table, _name(column.group(1))))
        return
    for pattern, what in _CONTRACTING:
        found = pattern.search(one_line)
        if found:
            yield what.format(*(g.lower() for g in found.groups()))
    altered = _TABLE.match(one_line)
    if not altered:
        return
    table = _name(altered.group(1))
    for given in _SET_DEFAULT.findall(one_line):
        defaults.add((table, _name(given)))
    added = _ADD_COLUMN.search(one_line)
    if added:
        new, definition = _name(added.group(1)), added.group(2)
        if _DEFAULT.search(definition):
            defaults.add((table, new))
        elif _NOT_NULL.search(definition):
            yield "adds a NOT NULL column without a server default"
    for required in _SET_NOT_NULL.findall(one_line):
        if (table, _name(required)) not in defaults:
            yield "sets NOT NULL on a column without a server default"


def contractions(migrations: Path) -> list[Contraction]:
    """Every contracting statement in the upgrades of ``migrations``, oldest first."""
    found: list[Contraction] = []
    defaults: set[tuple[str, str]] = set()
    for script in revisions(migrations):
        marked = getattr(script.module, MARKER, None)
        for statement in upgrade_sql(script):
            for what in _judge(statement, defaults):
                path = Path(script.path)
                found.append(Contraction(script.revision, path, what, statement, marked))
    return found


def refusals(migrations: Path) -> list[str]:
    """Why the migrations in ``migrations`` would break a rolling upgrade (empty: they
    would not): contracting steps without ``CONTRACT``, and markers that name no earlier
    revision."""
    scripts = revisions(migrations)
    order = [script.revision for script in scripts]
    problems: list[str] = []
    for contraction in contractions(migrations):
        where = f"{contraction.path.name} ({contraction.revision})"
        statement = contraction.statement.splitlines()[0]
        if contraction.marked is None:
            problems.append(
                f"{where} {contraction.what} ({statement}) without {MARKER}: during a rolling "
                "upgrade the old code still uses it (ontour.migration_rules)"
            )
    for script in scripts:
        marked = getattr(script.module, MARKER, None)
        if marked is None:
            continue
        where = f"{Path(script.path).name} ({script.revision})"
        expand = EXPAND_RELEASED_IN.search(marked) if isinstance(marked, str) else None
        if expand:
            earlier = order[: order.index(script.revision)]
            if expand.group("revision") not in earlier:
                problems.append(
                    f"{where}: {MARKER} names {expand.group('revision')}, "
                    "which is no earlier revision"
                )
        elif not (isinstance(marked, str) and RELEASED_BEFORE_THE_RULE.search(marked)):
            problems.append(f"{where}: {MARKER} must read '<why>; expand released in <revision>'")
    return problems
