"""The supervisor stops the entry point first and the servers last, and the replicas of the
services as one group: all are told at once and waited for together, since each may keep
serving for seconds after its SIGTERM (ontour.web.drain). One by one, a stack of ten
replicas took ten drains to stop."""

from __future__ import annotations

import json
import sys
from functools import partial
from pathlib import Path

from ontour.devstack.servers import spawn
from ontour.devstack.supervisor import Supervisor
from ontour.testing.plugin import wait_for

# On SIGTERM: note it, wait until every name in `waits_for` has noted theirs (a replica
# stopped one at a time would wait forever, and be killed), note the exit, exit 0.
CHILD = """
import json, signal, sys, time
from pathlib import Path
folder, name, waits_for = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])

def stop(signum, frame):
    (folder / f"{name}.told").write_text(str(time.monotonic()))
    deadline = time.monotonic() + 10
    while not all((folder / f"{other}.told").exists() for other in waits_for):
        if time.monotonic() > deadline:
            sys.exit(3)
        time.sleep(0.01)
    (folder / f"{name}.exited").write_text(str(time.monotonic()))
    sys.exit(0)

signal.signal(signal.SIGTERM, stop)
print("started", flush=True)
while True:
    time.sleep(1)
"""


def test_a_group_is_told_at_once_after_the_entry_point_and_before_the_servers(
    tmp_path: Path,
) -> None:
    supervisor = Supervisor(tmp_path / "supervisor.log")
    replicas = ["intake", "intake-2", "reporting"]
    children = {}

    def add(name: str, waits_for: list[str], group: str | None = None) -> None:
        def start() -> object:
            args = [sys.executable, "-c", CHILD, str(tmp_path), name, json.dumps(waits_for)]
            return spawn(name, args, tmp_path / f"{name}.log")

        children[name] = supervisor.add(start, group=group)  # type: ignore[arg-type]

    add("nats", [])
    for name in replicas:
        add(name, [other for other in replicas if other != name], group="parts")
    add("caddy", [])

    def started(log: Path) -> bool:
        return log.exists() and "started" in log.read_text()

    for child in children.values():  # each has its handler before the first signal
        wait_for(partial(started, child.process.log_path), within=60)

    supervisor.stop()

    assert {name: child.process.child.poll() for name, child in children.items()} == dict.fromkeys(
        children, 0
    )
    told = {name: float((tmp_path / f"{name}.told").read_text()) for name in children}
    exited = {name: float((tmp_path / f"{name}.exited").read_text()) for name in children}
    assert exited["caddy"] < min(told[name] for name in replicas)
    assert max(exited[name] for name in replicas) < told["nats"]
