"""Browser tests: Debian's Chromium driven by Playwright, checked with axe-core.

Use it from a test module::

    pytest_plugins = ["ontour.testing.browser"]
    pytestmark = pytest.mark.browser

    def test_start_page(page, live_app):
        base = live_app(app)                      # uvicorn on a free port, in a thread
        page.goto(base + "/")
        assert_accessible(page)                   # axe: WCAG 2.1 A/AA, zero violations

The browser is never downloaded: it is Debian's ``chromium-headless-shell`` where that is
installed, else Debian's ``chromium`` (``ONTOUR_CHROMIUM`` to use another). The headless
shell is the same Chromium (Blink, V8, the same version) without the desktop browser around
it, and what Playwright itself runs headless: the browser tests took 295 s of CPU with the
full browser and 176 s with the shell, all passing on both. Without either, every test
marked ``browser`` (or using these fixtures) is skipped with a clear reason, and the end of
the run says so.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pytest
import uvicorn

from ontour.devstack.servers import free_port

CHROMIUM_ARGS = [  # Playwright adds --headless itself
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
SKIP_REASON = (
    "Chromium niet gevonden: browsertests overgeslagen "
    "(installeer het Debian-pakket chromium-headless-shell of chromium)"
)
# In order of preference: the headless shell costs less CPU per page than the full browser.
INSTALLED = ("chromium-headless-shell", "chromium")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def chromium_path() -> Path | None:
    """``ONTOUR_CHROMIUM``, else the first of ``INSTALLED`` on the PATH, if there is one."""
    given = os.environ.get("ONTOUR_CHROMIUM")
    candidates = [given] if given else [shutil.which(name) for name in INSTALLED]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


# --------------------------------------------------------------------------- pytest hooks


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: needs Chromium (skipped with a clear reason when it is missing)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_path() is not None:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if SKIP_REASON in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_sep("=", "browsertests overgeslagen", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} browsertest(s) niet uitgevoerd: Chromium ontbreekt "
            f"(gezocht: {os.environ.get('ONTOUR_CHROMIUM') or ', '.join(INSTALLED)})."
        )
        terminalreporter.write_line(
            "Installeer het Debian-pakket: sudo apt-get install chromium-headless-shell "
            "(.ci/run doet dit in CI); er wordt nooit een browser gedownload."
        )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for one test module (skipped with a reason when it is missing).

    Per module, not per session: while Playwright's sync API is started it holds an event
    loop that counts as running, so async tests (pytest-asyncio) cannot run next to it.
    Keep browser tests in modules of their own, without async tests.
    """
    path = chromium_path()
    if path is None:
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Factory for a page in a fresh context (Dutch, Amsterdam time); closed after the test.

    ``new_page(java_script_enabled=False, viewport=PHONE)`` takes any context option.
    """
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        settings: dict[str, Any] = {
            "locale": "nl-NL",
            "timezone_id": "Europe/Amsterdam",
            "viewport": DESKTOP,
        }
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A page with JavaScript on (axe needs it)."""
    return new_page()


@pytest.fixture
def page_without_js(new_page: Callable[..., Any]) -> Any:
    """A page with JavaScript switched off: the product must work fully without it."""
    return new_page(java_script_enabled=False)


@contextmanager
def serve(
    app: Any, host: str = "127.0.0.1", lifespan: Literal["auto", "on", "off"] = "auto"
) -> Iterator[str]:
    """Run an ASGI app with uvicorn on a free port in a background thread; yields its URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan=lifespan
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"uvicorn did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def live_app() -> Iterator[Callable[[Any], str]]:
    """Factory: ``live_app(app)`` serves ``app`` for this test and returns its base URL."""
    stack: list[Any] = []

    def start(app: Any) -> str:
        manager = serve(app)
        url = manager.__enter__()
        stack.append(manager)
        return url

    try:
        yield start
    finally:
        for manager in reversed(stack):
            manager.__exit__(None, None, None)


# --------------------------------------------------------------------------- axe


def axe_violations(
    page: Any, tags: Sequence[str] = WCAG_TAGS, context: Any = None
) -> tuple[list[dict[str, Any]], str]:
    """Run axe-core on the page; returns the violations and a readable report."""
    from axe_playwright_python.sync_playwright import Axe

    # Only the violations in full: axe then details one node per passed rule instead of
    # all of them, which halves its time per page; every rule still runs.
    options = {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}
    results = Axe().run(page, context=context, options=options)
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations, results.generate_report() if violations else ""


def assert_accessible(page: Any, tags: Sequence[str] = WCAG_TAGS, context: Any = None) -> None:
    """Fail (and print every violation) unless axe finds none for the WCAG 2.1 A/AA tags."""
    violations, report = axe_violations(page, tags, context)
    if violations:
        print(report)
        pytest.fail(
            f"axe-core: {len(violations)} violation(s) on {page.url}:\n{report}", pytrace=False
        )
