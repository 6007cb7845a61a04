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
