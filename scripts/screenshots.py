"""Screenshots for the README: the reporting dashboard and a planner result, from the demo.

``make screenshots`` (or ``.venv/bin/python scripts/screenshots.py [DIRECTORY]``) starts the
whole stack on free ports in a temporary directory (its own NATS and PostgreSQL, so a running
``make up`` is left alone), loads the demo data as ``make demo`` does, signs in as the demo
coordinator in Chromium (Debian's, chosen as for the browser tests), starts a planner round
from the page and saves 1280 px wide PNGs (at most 2000 px high) into ``docs/schermafbeeldingen/``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from ontour.devstack.demo import load_demo
from ontour.devstack.idp import SUBJECT_FOR_ROLE
from ontour.devstack.servers import free_port, start_nats, start_postgres
from ontour.devstack.stack import Stack, service_names
from ontour.testing.browser import CHROMIUM_ARGS, DESKTOP, chromium_path
from PIL import Image
from playwright.sync_api import Page, sync_playwright

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_DIRECTORY = REPOSITORY / "docs" / "schermafbeeldingen"
# Long pages are cut off here: the top of a page is what a README reader looks at.
MAX_HEIGHT = 2000
PLANNER_SECONDS = 10


def sign_in(page: Page, base_url: str, role: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_role("link", name="Aanmelden").first.click()
    page.get_by_role("button", name=SUBJECT_FOR_ROLE[role]).click()
    page.wait_for_url(f"{base_url}/")


def save(page: Page, path: Path) -> None:
    height = min(MAX_HEIGHT, int(page.evaluate("document.documentElement.scrollHeight")))
    clip = {"x": 0, "y": 0, "width": DESKTOP["width"], "height": height}
    page.screenshot(path=str(path), full_page=True, clip=clip)  # type: ignore[arg-type]
    # A page is a few flat colours: a 256-colour palette keeps the text sharp at a third of
    # the size (Pillow comes with fpdf2, reporting's PDF library).
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=256)
    small.save(path, optimize=True)
    print(f"{path}: {path.stat().st_size // 1024} kB", flush=True)


def planner_result(page: Page, base_url: str, seconds: int) -> None:
    """A fresh planner round, started and followed on the pages as a coordinator does."""
    page.goto(f"{base_url}/scheduling/")
    page.get_by_label("Tijdslimiet in seconden").fill(str(seconds))
    page.get_by_role("button", name="Start de planning").click()
    for _ in range(4 * seconds + 60):
        if page.get_by_role("heading", name="Resultaat").count():
            return
        page.wait_for_timeout(500)
        page.get_by_role("link", name="Vernieuwen").click()
    raise TimeoutError("de planningsronde kwam niet klaar")


def take(base_url: str, directory: Path, planner_seconds: int = PLANNER_SECONDS) -> None:
    """Sign in as the coordinator at ``base_url`` and save both screenshots in ``directory``."""
    browser_path = chromium_path()
    if browser_path is None:
        raise SystemExit(
            "Chromium niet gevonden: installeer het Debian-pakket chromium-headless-shell."
        )
    directory.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(browser_path), args=CHROMIUM_ARGS)
        options: dict[str, Any] = {
            "viewport": DESKTOP,
            "locale": "nl-NL",
            "timezone_id": "Europe/Amsterdam",
        }
        page = browser.new_context(**options).new_page()
        sign_in(page, base_url, "coordinator")
        page.goto(f"{base_url}/reporting/")
        save(page, directory / "rapportage.png")
        planner_result(page, base_url, planner_seconds)
        save(page, directory / "planner.png")
        browser.close()


def main(directory: Path = DEFAULT_DIRECTORY) -> None:
    with tempfile.TemporaryDirectory(prefix="ontour-screenshots-") as temporary:
        home = Path(temporary)
        nats_port, postgres_port = free_port(), free_port()
        servers = [
            start_nats(home / "nats", nats_port, home / "logs" / "nats.log"),
            start_postgres(home / "postgres", postgres_port, home / "logs" / "postgres.log",
                           durable=False),
        ]  # fmt: skip
        stack = Stack(
            home=home,
            http_port=free_port(),
            nats_url=f"nats://127.0.0.1:{nats_port}",
            database_server_url=f"postgresql+asyncpg://postgres@127.0.0.1:{postgres_port}/postgres",
            service_ports={name: free_port() for name in service_names()},
            metrics_ports={name: free_port() for name in service_names()},
            idp_port=free_port(),
            frontdoor_port=free_port(),
        )
        try:
            print("Het systeem start (met demodata)…", flush=True)
            stack.start()
            base_url = f"http://127.0.0.1:{stack.http_port}"
            for line in load_demo(home, base_url, stack.issuer):
                print(f"Demo — {line}", flush=True)
            take(base_url, directory)
        finally:
            stack.stop()
            for server in reversed(servers):
                server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DEFAULT_DIRECTORY)
