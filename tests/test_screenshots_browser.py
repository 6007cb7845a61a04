"""``make screenshots`` keeps working: its browser steps run against the test stack."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.browser
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "screenshots.py"


def test_the_screenshot_script_signs_in_plans_and_saves_small_pngs(base_url, tmp_path):
    spec = importlib.util.spec_from_file_location("screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    screenshots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshots)
    screenshots.take(base_url, tmp_path, planner_seconds=2)
    for name in ("rapportage.png", "planner.png"):
        with Image.open(tmp_path / name) as shot:
            assert shot.width == 1280 and shot.height <= screenshots.MAX_HEIGHT
        assert (tmp_path / name).stat().st_size < 200_000
    readme = (SCRIPT.parent.parent / "README.md").read_text(encoding="utf-8")
    for name in ("rapportage.png", "planner.png"):
        assert f"docs/schermafbeeldingen/{name}" in readme
        assert (SCRIPT.parent.parent / "docs" / "schermafbeeldingen" / name).is_file()
