"""Keeps ``ontour up`` running: a child process that dies is started again, after a pause
that doubles with every quick death, and the terminal and the logs say so.

NATS and PostgreSQL come back on their own data directory, so nothing acknowledged is lost;
the services reconnect to them by themselves and answer 503 while they are away.
"""

from __future__ import annotations

import itertools
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ontour.devstack.servers import ManagedProcess

FIRST_PAUSE = 0.5  # seconds before the first restart
LONGEST_PAUSE = 30.0
# A process that ran this long before dying starts again after the first pause.
STABLE_AFTER = 60.0


def exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"signaal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signaal {-returncode}"
    return f"afsluitcode {returncode}"


@dataclass
class Supervised:
    """One child and how to start it again."""

    start: Callable[[], ManagedProcess]
    process: ManagedProcess
    started_at: float
    quick_deaths: int = 0
    restart_at: float | None = None
    # Children of one group next to each other stop together (see Supervisor.stop).
    group: str | None = None

    @property
    def name(self) -> str:
        return self.process.name


@dataclass
class Supervisor:
    """The children of ``ontour up``, started again when they die (see :meth:`check`)."""

    log_path: Path
    children: list[Supervised] = field(default_factory=list)

    def add(self, start: Callable[[], ManagedProcess], group: str | None = None) -> Supervised:
        """Start a child and keep it running."""
        child = Supervised(start, start(), time.monotonic(), group=group)
        self.children.append(child)
        return child

    @property
    def processes(self) -> list[ManagedProcess]:
        return [child.process for child in self.children]

    def say(self, message: str, *also_in: Path) -> None:
        """In the terminal, in logs/ontour-up.log and in the child's own log."""
        print(message, file=sys.stderr, flush=True)
        line = f"{datetime.now(UTC).isoformat(timespec='seconds')} ontour up: {message}\n"
        for path in (self.log_path, *also_in):
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as log:
                log.write(line)

    def check(self) -> None:
        """Notice dead children and start those whose pause is over (call it often)."""
        now = time.monotonic()
        for child in self.children:
            returncode = child.process.child.poll()
            if returncode is None:
                continue
            if child.restart_at is None:
                if now - child.started_at >= STABLE_AFTER:
                    child.quick_deaths = 0
                pause = min(LONGEST_PAUSE, FIRST_PAUSE * 2**child.quick_deaths)
                child.quick_deaths += 1
                child.restart_at = now + pause
                self.say(
                    f"{child.name} stopte onverwacht ({exit_reason(returncode)}); "
                    f"herstart over {pause:g} s (zie {child.process.log_path}).",
                    child.process.log_path,
                )
            elif now >= child.restart_at:
                self._restart(child)

    def _restart(self, child: Supervised) -> None:
        child.restart_at = None
        try:
            child.process = child.start()
        except (OSError, RuntimeError, TimeoutError) as exc:
            # It died while starting (a port or lock still held): the next check pauses longer.
            self.say(f"Herstart van {child.name} mislukt: {exc}", child.process.log_path)
            return
        child.started_at = time.monotonic()
        self.say(f"{child.name} herstart (pid {child.process.child.pid}).", child.process.log_path)

    def stop(self) -> None:
        # Entry point first, servers last: services drain while the broker is still there.
        # A group (the services' replicas) is told at once and waited for together: each
        # may keep serving for seconds after the signal (ontour.web.drain).
        def group_of(child: Supervised) -> object:
            return child.group or child

        for _, together in itertools.groupby(reversed(self.children), key=group_of):
            stopping = [child.process for child in together]
            for process in stopping:
                process.tell_to_stop()
            for process in stopping:
                process.wait_stopped()
        self.children.clear()
