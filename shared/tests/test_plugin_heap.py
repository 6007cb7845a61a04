"""The suite's plugin keeps a worker's heap small: spans only for the test that asks for them,
and what lives all run frozen out of the garbage collector's way (ontour.testing.plugin)."""

from __future__ import annotations

pytest_plugins = ["pytester"]

MAKE_SPAN = (
    "from opentelemetry import trace\n"
    "def make_span():\n"
    "    with trace.get_tracer('test').start_as_current_span('work'):\n"
    "        pass\n"
)


def test_spans_are_kept_only_for_the_test_that_asks_for_them(pytester):
    pytester.makepyfile(
        test_spans=MAKE_SPAN + "from ontour.testing.plugin import _SPANS\n"
        "def test_without(request):\n"
        "    make_span()\n"
        "    assert request.config.stash[_SPANS].exporter.get_finished_spans() == ()\n"
        "def test_with(finished_spans):\n"
        "    make_span()\n"
        "    assert [s.name for s in finished_spans.get_finished_spans()] == ['work']\n"
        "def test_after(request):\n"
        "    make_span()\n"
        "    assert request.config.stash[_SPANS].exporter.get_finished_spans() == ()\n"
    )
    result = pytester.runpytest_subprocess("-p", "ontour.testing.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_what_exists_after_collection_is_frozen(pytester):
    pytester.makepyfile(
        test_frozen="import gc\ndef test_frozen():\n    assert gc.get_freeze_count() > 10_000\n"
    )
    result = pytester.runpytest_subprocess("-p", "ontour.testing.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
