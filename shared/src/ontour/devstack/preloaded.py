"""Service processes forked from one process that has imported the services already.

Starting a service as ``python -m uvicorn <service>.app:create_app`` spends seconds of CPU on
imports (FastAPI, SQLAlchemy, FastStream, the service itself) before it does anything, and
``make up`` and the tests start dozens of them. Here one server process per supervisor
(multiprocessing's forkserver) imports them once; each service start is a fork of it that
runs the same uvicorn command line, with its own environment, log file, session and command
line (``ps`` and ``/proc/<pid>/cmdline`` show the uvicorn command, as before).

A fork runs the code the server imported when it started: a changed source file takes effect
when ``make up`` starts again, not when the supervisor restarts a service.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import multiprocessing
import multiprocessing.forkserver
import os
import subprocess
import sys
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

from ontour.devstack.servers import ManagedProcess, die_with_parent

# What every service start would import: uvicorn with what it picks at start (event loop,
# HTTP protocol, lifespan), Alembic and the migrations' helpers (each start checks its
# migrations), the front door and the four services.
PRELOAD = [
    "uvicorn.main",
    "uvicorn.loops.auto",
    "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
    "anyio._backends._asyncio",
    "alembic.command",
    "alembic.config",
    "alembic.script",
    "alembic.runtime.migration",
    "ontour.messaging.schema",
    "ontour.migration_columns",
    "ontour.frontdoor",
    "intake.app",
    "scheduling.app",
    "aftercare.app",
    "reporting.app",
]

_context = multiprocessing.get_context("forkserver")

# Longer than Caddy keeps an idle connection to a service (deploy/caddy/Caddyfile, 60 s): the
# proxy, not the service, ends an idle connection, so no request is sent on a closing one.
KEEP_ALIVE_SECONDS = 75


def uvicorn_command(target: str, port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "uvicorn", target, "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
        *("--timeout-graceful-shutdown", "20", "--timeout-keep-alive", str(KEEP_ALIVE_SECONDS)),
        *("--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"),
    ]


def start_service(name: str, port: int, log_path: Path, env: dict[str, str]) -> ManagedProcess:
    command = uvicorn_command(f"{name}.app:create_app", port)
    return fork_uvicorn(name, Uvicorn(command, env, log_path))


def start_frontdoor(port: int, log_path: Path, env: dict[str, str]) -> ManagedProcess:
    env = {**env, "ONTOUR_HTTP_PORT": str(port)}
    command = uvicorn_command("ontour.frontdoor:create_app", port)
    return fork_uvicorn("frontdoor", Uvicorn(command, env, log_path))


@dataclass(frozen=True)
class Uvicorn:
    """One uvicorn process: its command line (``python -m uvicorn`` and uvicorn's own
    arguments), what it adds to the supervisor's environment, and its log file."""

    command: list[str]
    env: dict[str, str]
    log_path: Path


class ForkedChild:
    """A forked process with the part of :class:`subprocess.Popen`'s interface the
    supervisor uses (``pid``, ``poll``, ``wait``, ``send_signal``, ``kill``)."""

    def __init__(self, process: BaseProcess) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        assert self._process.pid is not None  # started
        return self._process.pid

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self._process.name, timeout or 0)
        return self._process.exitcode

    def send_signal(self, sig: int) -> None:
        # Like Popen: a process that has ended (and may be reaped) gets nothing.
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        if self.poll() is None:
            self._process.kill()


def fork_uvicorn(name: str, uvicorn: Uvicorn) -> ManagedProcess:
    uvicorn.log_path.parent.mkdir(parents=True, exist_ok=True)
    # The environment as it is now, as a started process would inherit it.
    uvicorn = Uvicorn(uvicorn.command, {**os.environ, **uvicorn.env}, uvicorn.log_path)
    _context.set_forkserver_preload(PRELOAD)  # used when the server starts (once)
    # Daemonic: a service a test forgot to stop is stopped when the supervisor ends.
    process = _context.Process(target=_run, args=(uvicorn,), name=name, daemon=True)
    process.start()
    return ManagedProcess(name, ForkedChild(process), uvicorn.log_path)


def _run(uvicorn: Uvicorn) -> None:
    """In the forked child: become the service process the command line describes."""
    # The imported modules stay for the life of the process: no collection walks them again,
    # and their memory stays shared with the server's.
    gc.freeze()
    _leave_the_server()
    os.setsid()  # like start_new_session: Ctrl-C reaches the supervisor, which stops us
    die_with_parent()
    log = os.open(uvicorn.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", closefd=False)  # noqa: SIM115
    os.environ.clear()
    os.environ.update(uvicorn.env)
    show_command_line(uvicorn.command)
    from uvicorn.main import main

    try:
        main.main(args=uvicorn.command[3:], prog_name="uvicorn")
    finally:
        atexit._run_exitfuncs()  # the child ends with os._exit


def _leave_the_server() -> None:
    """Close this child's copy of the server's "a client is alive" pipe (multiprocessing
    gives every child one): otherwise the server outlives a killed supervisor as long as a
    service runs, and a service dies with the server (``die_with_parent``), not with the
    supervisor."""
    server = multiprocessing.forkserver._forkserver
    with contextlib.suppress(OSError, TypeError):
        os.close(server._forkserver_alive_fd)  # type: ignore[attr-defined]


def show_command_line(command: list[str]) -> None:
    """Write ``command`` over this process's command line (what ``ps`` and
    ``/proc/<pid>/cmdline`` show), cut to the room the original one had."""
    after_name = Path("/proc/self/stat").read_bytes().rsplit(b")", 1)[1].split()
    # Fields 48 and 49 of /proc/<pid>/stat: where the command line starts and ends.
    start, end = int(after_name[45]), int(after_name[46])
    text = "\0".join(command).encode()[: end - start - 1]
    with open("/proc/self/mem", "r+b", buffering=0) as memory:
        memory.seek(start)
        memory.write(text.ljust(end - start, b"\0"))
