"""While one replica runs the old code and a new one has migrated the database, the old
code must keep working: every service's migrations only expand the schema, unless a
revision is marked as the contract step of an earlier expand (ontour.migration_rules)."""

from __future__ import annotations

import shutil
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from ontour.migration_rules import contractions, refusals

FIXTURES = Path(__file__).parent / "migration_fixtures"
SERVICES = sorted(entry_points(group="ontour.services"), key=lambda ep: ep.name)


def service_with(tmp_path: Path, *fixtures: str) -> Path:
    """A migrations directory holding these fixture revisions."""
    (tmp_path / "versions").mkdir()
    for name in fixtures:
        shutil.copy(FIXTURES / name, tmp_path / "versions" / name)
    return tmp_path


def one_step(migrations: Path, statement: str, contract: str | None = None) -> None:
    """A migrations directory with one revision that runs ``statement``."""
    (migrations / "versions").mkdir()
    marker = f"CONTRACT = {contract!r}\n" if contract else ""
    (migrations / "versions" / "0001_step.py").write_text(
        f'revision = "0001"\ndown_revision = None\n{marker}\n\ndef upgrade():\n'
        f"    from alembic import op\n\n    op.execute({statement!r})\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("service", SERVICES, ids=lambda ep: ep.name)
def test_every_migration_of_a_service_leaves_the_old_code_working(service) -> None:
    assert refusals(service.load().migrations) == []


def test_a_migration_that_drops_a_column_is_refused(tmp_path: Path) -> None:
    problems = refusals(service_with(tmp_path, "0001_expand.py", "0002_drop_note.py"))
    assert len(problems) == 2, problems
    dropped, required = problems
    assert dropped.startswith("0002_drop_note.py (0002) drops a column")
    assert "ALTER TABLE visit DROP COLUMN note" in dropped
    assert required.startswith(
        "0002_drop_note.py (0002) sets NOT NULL on a column without a server default"
    )


def test_a_contract_step_marked_as_such_is_allowed(tmp_path: Path) -> None:
    marked = service_with(tmp_path, "0001_expand.py", "0002_drop_note_marked.py")
    assert [c.what for c in contractions(marked)] == ["drops a column"]
    assert refusals(marked) == []


@pytest.mark.parametrize(
    ("statement", "what"),
    [
        ("DROP TABLE visit", "drops a table"),
        ("ALTER TABLE visit RENAME COLUMN note TO remark", "renames"),
        ("ALTER TABLE visit RENAME TO visits", "renames"),
        ("ALTER TABLE visit ALTER COLUMN kind TYPE INTEGER", "changes a type"),
        ("ALTER TABLE visit DROP CONSTRAINT uq_visit_kind", "drops a constraint"),
        ("ALTER TABLE visit ALTER COLUMN kind DROP DEFAULT", "drops a column default"),
        (
            "ALTER TABLE visit ADD COLUMN due DATE NOT NULL",
            "adds a NOT NULL column without a server default",
        ),
    ],
)
def test_each_contracting_statement_is_recognised(tmp_path: Path, statement, what) -> None:
    one_step(tmp_path, statement)
    assert [c.what for c in contractions(tmp_path)] == [what]


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE visit ADD COLUMN due DATE",
        "ALTER TABLE visit ADD COLUMN seen BOOLEAN DEFAULT false NOT NULL",
        "ALTER TABLE visit ALTER COLUMN kind DROP NOT NULL",
        "CREATE INDEX ix_visit_kind ON visit (kind)",
        "UPDATE visit SET kind = 'bezoek'",
    ],
)
def test_expanding_statements_pass(tmp_path: Path, statement) -> None:
    one_step(tmp_path, statement)
    assert contractions(tmp_path) == []


def test_a_contract_marker_must_name_an_earlier_revision(tmp_path: Path) -> None:
    one_step(tmp_path, "DROP TABLE visit", contract="drops visit; expand released in 0009")
    assert refusals(tmp_path) == [
        "0001_step.py (0001): CONTRACT names 0009, which is no earlier revision"
    ]
