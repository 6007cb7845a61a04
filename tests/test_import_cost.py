"""A service process loads at start only what every request needs.

Libraries that only some requests use (the planner's solver, the PDF and spreadsheet
writers, the assignment solver) are imported where they are used. Each is several tenths of a
second of CPU that every process start, every replica and every rolling restart pays."""

from __future__ import annotations

import json
import subprocess
import sys

from ontour.devstack.stack import service_names

# Loaded by a request that needs it, never at start.
ON_DEMAND = ("scipy", "ortools", "pandas", "fpdf", "fontTools", "openpyxl")
PROCESSES = [f"{name}.app" for name in service_names()] + ["ontour.frontdoor"]


def test_a_service_starts_without_the_libraries_of_some_requests():
    # One interpreter for all (each start costs seconds): each app is built in turn, and
    # what it newly loaded is charged to it, so a library names the first app that loads it.
    script = (
        "import importlib, json, sys\n"
        "loaded = {}\n"
        f"for target in {PROCESSES!r}:\n"
        "    importlib.import_module(target).create_app()\n"
        f"    tops = {{m.split('.')[0] for m in sys.modules}} & set({ON_DEMAND!r})\n"
        "    loaded[target] = sorted(tops - set().union(*loaded.values()))\n"
        "print(json.dumps(loaded))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = json.loads(run.stdout.splitlines()[-1])
    assert loaded == {target: [] for target in PROCESSES}
