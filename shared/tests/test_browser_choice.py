"""Which Chromium the browser tests start: the headless shell where it is installed (the
same engine for a good deal less CPU per page), the full browser otherwise, or what
``ONTOUR_CHROMIUM`` names."""

from __future__ import annotations

from pathlib import Path

import pytest
from ontour.testing.browser import chromium_path


def installed(folder: Path, *names: str) -> None:
    folder.mkdir(exist_ok=True)
    for name in names:
        program = folder / name
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)


@pytest.fixture
def path_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH of one folder, with no ONTOUR_CHROMIUM set."""
    folder = tmp_path / "bin"
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("ONTOUR_CHROMIUM", raising=False)
    return folder


def test_the_headless_shell_is_preferred_to_the_full_browser(path_of: Path) -> None:
    installed(path_of, "chromium", "chromium-headless-shell")
    assert chromium_path() == path_of / "chromium-headless-shell"


def test_the_full_browser_when_the_shell_is_missing(path_of: Path) -> None:
    installed(path_of, "chromium")
    assert chromium_path() == path_of / "chromium"


def test_none_when_neither_is_installed(path_of: Path) -> None:
    installed(path_of)
    assert chromium_path() is None


def test_ontour_chromium_names_the_one_to_use(
    path_of: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed(path_of, "chromium-headless-shell")
    installed(tmp_path / "elsewhere", "chrome")
    monkeypatch.setenv("ONTOUR_CHROMIUM", str(tmp_path / "elsewhere" / "chrome"))
    assert chromium_path() == tmp_path / "elsewhere" / "chrome"
