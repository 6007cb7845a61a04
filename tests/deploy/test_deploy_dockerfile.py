"""The service image: built from the lockfile, non-root, with a health check; the health
check script itself; hadolint and shellcheck on what operators run."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from deploy_support import DEPLOY, REPO, SERVICES, run
from ontour.devstack.servers import free_port, venv_bin

DOCKERFILES = sorted(DEPLOY.rglob("Dockerfile*"))
DOCKERFILES = [p for p in DOCKERFILES if not p.name.endswith(".dockerignore")]
HEALTHCHECK = DEPLOY / "docker" / "healthcheck.py"


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in dockerfile.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or not stripped:
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def final_stage(dockerfile: Path) -> list[tuple[str, str]]:
    steps = instructions(dockerfile)
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


def test_there_is_a_dockerfile() -> None:
    assert DEPLOY / "docker" / "Dockerfile" in DOCKERFILES


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_dockerfile_installs_exactly_the_lockfile(dockerfile: Path) -> None:
    steps = instructions(dockerfile)
    copies = " ".join(args for op, args in steps if op == "COPY")
    assert "uv.lock" in copies, "the lockfile must be in the image build"
    syncs = [args for op, args in steps if op == "RUN" and "uv sync" in args]
    assert syncs, "dependencies come from `uv sync`"
    for command in syncs:
        for sync in re.findall(r"uv sync[^;&|]*", command):
            assert "--frozen" in sync, f"without --frozen uv may re-resolve: {sync}"
            assert "--no-dev" in sync, sync
            assert '--package "ontour-${SERVICE}"' in sync, sync
    assert not any("pip install" in args for op, args in steps if op == "RUN")


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_image_runs_as_non_root_with_a_healthcheck(dockerfile: Path) -> None:
    stage = final_stage(dockerfile)
    users = [args.split(":")[0] for op, args in stage if op == "USER"]
    assert users, "the final stage must set USER"
    assert users[-1] not in ("root", "0"), f"runs as {users[-1]}"
    checks = [args for op, args in stage if op == "HEALTHCHECK"]
    assert len(checks) == 1 and "NONE" not in checks[0]
    assert "healthcheck.py" in checks[0] and "live" in checks[0]
    assert any(op == "STOPSIGNAL" and args == "SIGTERM" for op, args in stage)


def test_the_service_and_its_metrics_listen_on_the_container_network() -> None:
    # Prometheus reaches the metrics port from another container; only the network it is
    # on (never a published port or the entry point) gets there.
    env = dict(
        item.split("=", 1)
        for op, args in final_stage(DEPLOY / "docker" / "Dockerfile")
        if op == "ENV"
        for item in args.split()
    )
    assert env["ONTOUR_HTTP_HOST"] == env["ONTOUR_METRICS_HOST"] == "0.0.0.0"


def test_dockerfile_copies_every_workspace_member() -> None:
    # `uv sync --frozen` reads the whole workspace: every member's pyproject.toml must be
    # in the build, so a new service breaks this test until the Dockerfile knows it.
    dockerfile = (DEPLOY / "docker" / "Dockerfile").read_text(encoding="utf-8")
    members = [
        "shared/pyproject.toml",
        *(
            f"services/{p.parent.name}/pyproject.toml"
            for p in sorted((REPO / "services").glob("*/pyproject.toml"))
        ),
    ]
    assert {p.split("/")[1] for p in members[1:]} == set(SERVICES)
    for member in members:
        assert f"COPY {member} " in dockerfile, member


def test_dockerignore_lets_through_what_the_build_copies() -> None:
    ignore = (DEPLOY / "docker" / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    allowed = {line[1:] for line in ignore.splitlines() if line.startswith("!")}
    assert "*" in ignore.splitlines()
    for needed in (
        "pyproject.toml",
        "uv.lock",
        "shared/pyproject.toml",
        "shared/src/",
        "services/*/pyproject.toml",
        "services/*/src/",
        "deploy/docker/healthcheck.py",
    ):
        assert needed in allowed, needed


def test_hadolint_finds_nothing() -> None:
    for dockerfile in DOCKERFILES:
        result = run([venv_bin("hadolint"), str(dockerfile)])
        assert result.returncode == 0, result.stdout + result.stderr


def test_shell_scripts_pass_shellcheck() -> None:
    # Our scripts: not those of the API linter's npm packages (deploy/api-linter/node_modules).
    scripts = sorted(p for p in DEPLOY.rglob("*.sh") if "node_modules" not in p.parts)
    assert {p.name for p in scripts} >= {
        "backup.sh",
        "restore-drill.sh",
        "lib.sh",
        "10-ontour-databases.sh",
        "new-env.sh",
    }
    result = run([venv_bin("shellcheck"), "--external-sources", *map(str, scripts)])
    assert result.returncode == 0, result.stdout + result.stderr
    for script in scripts:
        if script.name != "lib.sh":  # sourced, not run
            assert script.stat().st_mode & 0o111, f"{script.name} is not executable"


# --- healthcheck.py ---------------------------------------------------------------------------


class _Health(BaseHTTPRequestHandler):
    statuses: ClassVar[dict[str, int]] = {
        "/intake/health/live": 200,
        "/intake/health/ready": 503,
        "/health/live": 200,
    }

    def do_GET(self) -> None:
        self.send_response(self.statuses.get(self.path, 404))
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[int]:
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()


def healthcheck(*args: str, **env: str) -> int:
    return run([sys.executable, str(HEALTHCHECK), *args], env=env, timeout=30).returncode


def test_healthcheck_reports_the_service_endpoints(health_server: int) -> None:
    port = str(health_server)
    assert healthcheck(ONTOUR_SERVICE="intake", ONTOUR_HTTP_PORT=port) == 0
    assert healthcheck("live", ONTOUR_SERVICE="intake", ONTOUR_HTTP_PORT=port) == 0
    assert healthcheck("ready", ONTOUR_SERVICE="intake", ONTOUR_HTTP_PORT=port) == 1
    # The front door has no /<service> prefix.
    assert (
        healthcheck(
            "live", ONTOUR_SERVICE="frontdoor", ONTOUR_HEALTH_PREFIX="", ONTOUR_HTTP_PORT=port
        )
        == 0
    )
    assert healthcheck("sideways", ONTOUR_SERVICE="intake", ONTOUR_HTTP_PORT=port) == 2


def test_healthcheck_fails_when_nothing_listens() -> None:
    assert healthcheck(ONTOUR_SERVICE="intake", ONTOUR_HTTP_PORT=str(free_port())) == 1
