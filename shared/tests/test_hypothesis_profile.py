"""Property tests under the suite's plugin: no deadline per example (ontour.testing.plugin)."""

from __future__ import annotations

pytest_plugins = ["pytester"]


def test_a_slow_example_is_no_failure(pytester):
    # On a busy machine an example of a property test through PostgreSQL took 466 ms, and
    # hypothesis' default deadline of 200 ms failed the test: a timing assertion.
    pytester.makepyfile(
        test_slow="import time\n"
        "from hypothesis import given, settings, strategies as st\n"
        "@settings(max_examples=2, database=None)\n"
        "@given(st.integers())\n"
        "def test_slow(n):\n"
        "    time.sleep(0.25)\n"
    )
    result = pytester.runpytest("-p", "ontour.testing.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
