"""Services forked from the preloaded server (``ontour.devstack.preloaded``) behave like the
``python -m uvicorn`` processes they replace: their own command line, environment, log file
and exit status, and they end with the supervisor that started them, also one killed with
SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from ontour.devstack.preloaded import start_frontdoor
from ontour.devstack.servers import free_port, port_in_use, wait_until
from ontour.testing.plugin import wait_for

# Bounds for something that is stuck, not performance targets.
WITHIN_SECONDS = 60


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_forked_service_is_the_process_its_command_line_says(
    tmp_path: Path, nats_url: str, idp_url: str
) -> None:
    port, log = free_port(), tmp_path / "logs" / "frontdoor.log"
    env = {"ONTOUR_NATS_URL": nats_url, "ONTOUR_OIDC_ISSUER": idp_url}
    process = start_frontdoor(port, log, env)
    try:

        def ready() -> bool:
            url = f"http://127.0.0.1:{port}/health/ready"
            return port_in_use(port) and httpx.get(url).status_code == 200

        wait_until(ready, process, "not ready", WITHIN_SECONDS)
        pid = process.child.pid
        command = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        assert [part.decode() for part in command[1:5]] == [
            "-m",
            "uvicorn",
            "ontour.frontdoor:create_app",
            "--factory",
        ]
        assert str(port) in [part.decode() for part in command]
        # A session of its own, like the processes `make up` started before.
        assert os.getsid(pid) == pid
        assert os.getsid(pid) != os.getsid(0)
    finally:
        process.stop()
    # SIGTERM: uvicorn shuts down and ends with that signal, as a started process did.
    assert process.child.poll() == -signal.SIGTERM
    written = log.read_text()
    assert f"Uvicorn running on http://127.0.0.1:{port}" in written, written
    assert "Shutting down" in written, written


SUPERVISOR = """
import json, sys, time
from pathlib import Path
from ontour.devstack.preloaded import start_frontdoor
settings = json.loads(sys.argv[1])
process = start_frontdoor(settings["port"], Path(settings["log"]), settings["env"])
print(process.child.pid, flush=True)
time.sleep(600)
"""


def test_a_service_ends_with_its_supervisor_killed(
    tmp_path: Path, nats_url: str, idp_url: str
) -> None:
    port = free_port()
    settings = {
        "port": port,
        "log": str(tmp_path / "frontdoor.log"),
        "env": {"ONTOUR_NATS_URL": nats_url, "ONTOUR_OIDC_ISSUER": idp_url},
    }
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, json.dumps(settings)], stdout=subprocess.PIPE
    )
    try:
        assert supervisor.stdout is not None
        service = int(supervisor.stdout.readline())
        wait_for(lambda: port_in_use(port), WITHIN_SECONDS, lambda: f"port {port} never listened")
        assert alive(service)
        supervisor.kill()
        supervisor.wait()
        wait_for(
            lambda: not alive(service), WITHIN_SECONDS, lambda: f"service {service} outlived it"
        )
    finally:
        supervisor.kill()
        supervisor.wait()
