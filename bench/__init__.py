"""Benchmarks: ``python -m bench [name ...]`` (``make bench``).

Every module ``bench/bench_<name>.py`` exposes ``async def run() -> dict``: a JSON-able
result with at least ``summary`` (human-readable lines) and ``goals`` (a list of
``{name, target, measured, met}``). The runner runs them (all, or those named on the
command line), writes ``results/bench/<name>.json`` and prints a summary. Benchmarks report
figures; they do not fail on a missed goal (exit status 1 only when a benchmark crashed).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import pkgutil
import time
import traceback
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PREFIX = "bench_"
RESULTS_DIR = Path(__file__).resolve().parent.parent / "results" / "bench"


def discover() -> list[str]:
    """Names (without the ``bench_`` prefix) of all benchmark modules, sorted."""
    return sorted(
        info.name.removeprefix(PREFIX)
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith(PREFIX)
    )


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    # The services run under uvicorn, which uses uvloop when it is installed: do the same.
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_one(name: str) -> dict[str, Any]:
    module = importlib.import_module(f"{__name__}.{PREFIX}{name}")
    started = datetime.now(UTC)
    clock = time.perf_counter()
    bench: Callable[[], Coroutine[Any, Any, dict[str, Any]]] = module.run
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        result = runner.run(bench())
    return {
        "benchmark": name,
        "started_at": started.isoformat(),
        "duration_seconds": round(time.perf_counter() - clock, 1),
        **result,
    }


def _print_summary(results: list[dict[str, Any]]) -> None:
    rows: list[tuple[str, str, str, str, str]] = []
    for result in results:
        print(f"\n== {result['benchmark']} ({result['duration_seconds']} s)")
        for line in result.get("summary", []):
            print(f"   {line}")
        for goal in result.get("goals", []):
            met = "yes" if goal["met"] else "NO"
            rows.append(
                (result["benchmark"], goal["name"], str(goal["target"]), str(goal["measured"]), met)
            )
    if not rows:
        return
    header = ("benchmark", "goal", "target", "measured", "met")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def main(argv: list[str]) -> int:
    available = discover()
    wanted = [arg.removeprefix(PREFIX) for arg in argv] or available
    unknown = [name for name in wanted if name not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    results, crashed = [], []
    for name in wanted:
        print(f"running benchmark {name} ...", flush=True)
        try:
            result = run_one(name)
        except Exception:
            traceback.print_exc()
            crashed.append(name)
            continue
        path = RESULTS_DIR / f"{name}.json"
        path.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"  -> {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
        results.append(result)
    _print_summary(results)
    if crashed:
        print(f"\ncrashed: {', '.join(crashed)}")
        return 1
    return 0
