"""start_postgres() returns a server that accepts connections, not merely one that listens;
the test session's server leaves its log behind, not its data."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from ontour.devstack.servers import free_port, start_postgres
from ontour.testing.plugin import throwaway_postgres


def test_a_postgres_that_listens_but_refuses_connections_is_not_ready(tmp_path: Path) -> None:
    # PostgreSQL listens on its port while it still starts up or recovers, and refuses a
    # connection then: a test that connected at once failed with "the database system is
    # starting up". A standby without hot standby stays in exactly that state.
    data = tmp_path / "data"
    start_postgres(data, free_port(), tmp_path / "first.log", durable=False).stop()
    owner = data.stat()
    signal_file = data / "standby.signal"
    signal_file.touch()
    with (data / "postgresql.auto.conf").open("a") as conf:
        conf.write("hot_standby = off\n")
    os.chown(signal_file, owner.st_uid, owner.st_gid)

    with pytest.raises(TimeoutError, match="did not accept connections"):
        start_postgres(data, free_port(), tmp_path / "standby.log", ready_timeout=3.0)
    assert "not accepting connections" in (tmp_path / "standby.log").read_text()


def test_the_sessions_postgres_leaves_its_log_and_not_its_data(tmp_path: Path) -> None:
    memory = tmp_path / "memory"
    memory.mkdir()
    with throwaway_postgres(tmp_path, memory=memory) as url:
        assert url.startswith("postgresql+asyncpg://postgres@127.0.0.1:")
        [data] = memory.iterdir()
        assert data.name.startswith(f"ontour-test-postgres-{os.getpid()}-")
        assert (data / "PG_VERSION").is_file()
    assert list(memory.iterdir()) == []
    assert "database system is shut down" in (tmp_path / "postgres.log").read_text()


def test_without_memory_to_spare_the_data_lies_beside_the_log(tmp_path: Path) -> None:
    with throwaway_postgres(tmp_path, memory=tmp_path / "no-such-filesystem"):
        assert (tmp_path / "data" / "PG_VERSION").is_file()
    assert not (tmp_path / "data").exists()


def test_the_data_of_a_killed_session_is_removed_from_memory(tmp_path: Path) -> None:
    memory = tmp_path / "memory"
    ended = subprocess.Popen(["true"])
    ended.wait()  # its pid is free now: the session that named a directory after it is gone
    left = memory / f"ontour-test-postgres-{ended.pid}-0a1b2c3d"
    (left / "base").mkdir(parents=True)
    running = memory / f"ontour-test-postgres-{os.getppid()}-4e5f6a7b"
    running.mkdir()
    with throwaway_postgres(tmp_path, memory=memory):
        assert not left.exists()
        assert running.is_dir()
