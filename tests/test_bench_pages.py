"""The load model of the pages benchmark (bench/bench_pages.py): signed-in users think
between clicks (seeded, so every run asks in the same rhythm), and a saturation run without
pause gives the throughput and CPU per request, read with Little's law."""

from __future__ import annotations

from itertools import islice

import pytest

from bench.bench_pages import THINK_CAP, figures, think_times


def test_a_users_think_times_are_exponential_around_the_mean_capped_and_seeded():
    pauses = list(islice(think_times(1.0, seed=1, user=3), 20_000))
    assert pauses == list(islice(think_times(1.0, seed=1, user=3), 20_000))  # same rhythm
    assert pauses[:50] != list(islice(think_times(1.0, seed=1, user=4), 50))  # not in step
    assert pauses[:50] != list(islice(think_times(1.0, seed=2, user=3), 50))
    assert 0.95 < sum(pauses) / len(pauses) < 1.05
    assert max(pauses) == pytest.approx(THINK_CAP * 1.0)  # bounded: the cap is reached
    assert min(pauses) > 0
    assert sorted(pauses)[len(pauses) // 2] == pytest.approx(0.69, abs=0.05)  # ln 2: exponential


def test_no_think_time_is_the_old_loop_without_pause():
    assert list(islice(think_times(0.0, seed=1, user=0), 100)) == [0.0] * 100


def test_a_run_reads_throughput_cpu_per_request_and_littles_law():
    targets = {"a": ("cookie", "/intake/"), "b": ("bearer", "/aftercare/api/v1/verzoeken")}
    measured = {
        "seconds": 10.0,
        "samples": {"a": [0.1] * 150, "b": [0.3] * 149 + [None]},
        "load_generator_cpu_seconds": 1.5,
        "cpu_seconds": {"intake": 3.0, "aftercare": 6.0, "postgres": 3.0},
    }
    found = figures(measured, {"users": 20, "targets": targets})
    assert found["requests"] == 300 and found["throughput_per_s"] == 30.0
    assert found["pages"]["b"]["errors"] == 1
    assert found["cpu_ms_per_request"] == {"intake": 20.0, "aftercare": 40.0}
    assert found["system_cpu_ms_per_request"] == 40.0  # every process, PostgreSQL too
    assert found["load_generator_cpu_ms_per_request"] == 5.0
    assert found["little_mean_ms"] == pytest.approx(20 / 30 * 1000, abs=0.1)  # N / X
    assert found["mean_ms"] == pytest.approx((150 * 100 + 149 * 300) / 299, abs=0.1)
