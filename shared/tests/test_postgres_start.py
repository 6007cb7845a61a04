"""start_postgres() returns a server that accepts connections, not merely one that listens."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ontour.devstack.servers import free_port, start_postgres


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
