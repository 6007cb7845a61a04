"""A service process loads at start only what every request needs.

Libraries that only some requests use (the planner's solver, the PDF and spreadsheet
writers, the assignment solver) are imported where they are used. Each is several tenths of a
second of CPU that every process start, every replica and every rolling restart pays."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ontour.devstack.stack import service_names

# Loaded by a request that needs it, never at start.
ON_DEMAND = ("scipy", "ortools", "pandas", "fpdf", "fontTools", "openpyxl")


PROCESSES = [f"{name}.app" for name in service_names()] + ["ontour.frontdoor"]


@pytest.mark.parametrize("target", PROCESSES)
def test_a_service_starts_without_the_libraries_of_some_requests(target):
    script = (
        "import sys\n"
        f"from {target} import create_app\n"
        "create_app()\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({ON_DEMAND!r}))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == [], f"{target} loads at start: {loaded}"
