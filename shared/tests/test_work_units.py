"""How the suite is cut into work units for pytest-xdist (``--dist loadgroup``)."""

from __future__ import annotations

pytest_plugins = ["pytester"]


def test_a_module_is_one_unit_unless_spread_and_whole_system_modules_come_first(pytester):
    pytester.makepyfile(
        test_a="def test_one(): pass\ndef test_two(): pass\n",
        test_b="import pytest\n"
        "@pytest.fixture\ndef stack(): return 'the whole system'\n"
        "def test_whole(stack): pass\n",
        test_c="import pytest\npytestmark = pytest.mark.spread\n"
        "def test_x(): pass\ndef test_y(): pass\n",
    )
    items, _ = pytester.inline_genitems("-p", "ontour.testing.plugin")

    def unit(item):
        return item.get_closest_marker("xdist_group").args[0]

    by_name = {item.name: unit(item) for item in items}
    assert by_name["test_one"] == by_name["test_two"] == "test_a.py"
    assert by_name["test_x"] == "test_c.py::test_x"
    assert by_name["test_y"] == "test_c.py::test_y"
    assert by_name["test_whole"] == "test_b.py"

    listed = pytester.runpytest("-p", "ontour.testing.plugin", "--collect-only", "-q")
    order = [line for line in listed.outlines if "::" in line]
    assert order[0] == "test_b.py::test_whole"
    assert len(order) == 5


def test_pytest_xdist_keeps_a_modules_tests_on_one_worker(pytester):
    # The markers alone prove nothing: pytest-xdist must also act on them. With pytest 9.2
    # it silently did not (pytest-dev/pytest-xdist#1386), and a module's fixtures (its
    # running services) started again on every worker that got one of its tests.
    report = (
        "pathlib.Path('ran', request.node.name)"
        ".write_text(request.module.__name__ + ' ' + os.environ['PYTEST_XDIST_WORKER'])\n"
    )
    pytester.mkdir("ran")
    pytester.makepyfile(
        test_a="import os, pathlib\n"
        + "".join(f"def test_{n}(request):\n    {report}" for n in range(6)),
        test_b="import os, pathlib\nimport pytest\n@pytest.mark.parametrize('n', range(12))\n"
        f"def test_each(request, n):\n    {report}",
    )
    result = pytester.runpytest_subprocess(
        *("-p", "ontour.testing.plugin", "-p", "no:cacheprovider"),
        *("-n", "2", "--dist", "loadgroup"),
    )
    result.assert_outcomes(passed=18)
    ran = [path.read_text().split() for path in (pytester.path / "ran").iterdir()]
    assert len(ran) == 18
    for module in ("test_a", "test_b"):
        assert len({worker for name, worker in ran if name == module}) == 1, sorted(ran)


def test_the_whole_system_units_start_first_under_xdist(pytester):
    # pytest-xdist orders work units by their number of tests unless told not to (as the
    # Makefile does): a one-test module that starts the whole system then started last.
    record = "open('order', 'a').write(request.node.name + '\\n')\n"
    pytester.makepyfile(
        test_many="".join(f"def test_small_{n}(request):\n    {record}" for n in range(5)),
        test_whole="import pytest\n@pytest.fixture\ndef stack(): return 'the whole system'\n"
        f"def test_whole(request, stack):\n    {record}",
    )
    result = pytester.runpytest_subprocess(
        *("-p", "ontour.testing.plugin", "-p", "no:cacheprovider"),
        *("-n", "1", "--dist", "loadgroup", "--no-loadscope-reorder"),
    )
    result.assert_outcomes(passed=6)
    assert (pytester.path / "order").read_text().split()[0] == "test_whole"


def test_a_workers_whole_system_stops_when_its_other_tests_begin(pytester):
    # Four workers each kept a whole system running (a few seconds of CPU a minute) through
    # the rest of the run, long after their last test that used it.
    pytester.makeconftest(
        "import pytest\n"
        "from ontour.testing.plugin import when_whole_system_tests_end\n"
        "running = []\n"
        "@pytest.fixture\n"
        "def stack(request):\n"
        "    if not running:\n"
        "        running.append('system')\n"
        "        when_whole_system_tests_end(request.config, running.clear)\n"
        "    return running\n"
    )
    pytester.makepyfile(
        test_a_whole="def test_one(stack): assert stack\ndef test_two(stack): assert stack\n",
        test_b_other="import conftest\ndef test_after(): assert conftest.running == []\n",
        test_c_whole_again="def test_again(stack): assert stack\n",
    )
    pytester.runpytest("-p", "ontour.testing.plugin", "-p", "no:cacheprovider").assert_outcomes(
        passed=4
    )
