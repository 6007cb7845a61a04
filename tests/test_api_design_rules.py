"""Every service's OpenAPI document passes the NL API Design Rules linter (Logius) with 0 errors.

The ruleset and Spectral are vendored and pinned in ``deploy/api-linter/`` (see SOURCE.md
there); the documents are written by ``ontour openapi``, as in ``make lint``. Spectral is a
requirement of the test suite like PostgreSQL and NATS: without it the test fails and says
how to install it (a skip would hide that the rules went unchecked).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ontour.devstack.stack import service_names

LINTER = Path(__file__).resolve().parents[1] / "deploy" / "api-linter"
SPECTRAL = LINTER / "node_modules" / ".bin" / "spectral"
WARNING = 1  # Spectral's severities: 0 error, 1 warning, 2 info, 3 hint


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("openapi")
    ontour = Path(sys.executable).parent / "ontour"
    subprocess.run([str(ontour), "openapi", str(directory)], check=True, capture_output=True)
    return directory


@pytest.fixture(scope="module")
def spectral() -> Path:
    if not SPECTRAL.is_file():
        pytest.fail(
            f"Spectral ontbreekt ({SPECTRAL}): run `make test` of "
            "`npm ci --prefix deploy/api-linter` (vereist Node.js 20 en npm).",
            pytrace=False,
        )
    return SPECTRAL


@pytest.mark.parametrize("service", service_names())
def test_openapi_follows_the_api_design_rules(documents, spectral, service):
    linted = subprocess.run(
        [
            str(spectral),
            "lint",
            "--ruleset",
            str(LINTER / "linter.yaml"),
            "--format",
            "json",
            "--quiet",
            "--fail-severity",
            "warn",
            str(documents / f"{service}.json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    results = json.loads(linted.stdout or "[]")
    # Warnings too: a "should" of the rules is kept as well as a "must".
    findings = [
        f"{r['code']} at {'.'.join(map(str, r['path']))}: {r['message']}"
        for r in results
        if r["severity"] <= WARNING
    ]
    assert not findings, f"{len(findings)} finding(s):\n" + "\n".join(findings)
    assert linted.returncode == 0, linted.stderr
