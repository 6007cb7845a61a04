"""PostgreSQL least privilege (the init script, run against a real PostgreSQL 18), and the
database half of the backup and restore drill (run for real in local mode: pg_dump, counts,
pg_restore into a fresh server), with ONTOUR_BACKUP_STREAMS=0. Both halves together, on a
populated system with NATS: test_deploy_backup_end_to_end.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from deploy_support import (
    DEPLOY,
    SERVICES,
    PostgresServer,
    compose_raw,
    postgres_servers,
    run,
    run_psql,
)
from ontour.messaging.streams import STREAMS

INIT_SCRIPT = DEPLOY / "postgres" / "init" / "10-ontour-databases.sh"
BACKUP = DEPLOY / "backup" / "backup.sh"
DRILL = DEPLOY / "backup" / "restore-drill.sh"


@pytest.fixture
def postgres_factory() -> Iterator[Callable[[str], PostgresServer]]:
    """Fresh PostgreSQL servers for one test."""
    with postgres_servers() as make:
        yield make


PASSWORDS = {f"ONTOUR_DB_PASSWORD_{name.upper()}": f"pw-{name}" for name in SERVICES}


def psql(server: PostgresServer, user: str, database: str, sql: str):
    return run_psql(server, user, database, sql)


def init_databases(server: PostgresServer) -> None:
    run(["bash", str(INIT_SCRIPT)], env=server.env(**PASSWORDS), check=True)


def test_init_script_gives_each_service_only_its_own_database(postgres_factory) -> None:
    server = postgres_factory("pg")
    init_databases(server)
    init_databases(server)  # safe to run again (new service, rotated passwords)
    for name in SERVICES:
        own = psql(
            server,
            name,
            name,
            "CREATE TABLE t (x int); INSERT INTO t VALUES (1); SELECT count(*) FROM t",
        )
        assert own.returncode == 0 and own.stdout.strip().endswith("1"), own.stderr
        for other in [*(s for s in SERVICES if s != name), "postgres", "template1"]:
            refused = psql(server, name, other, "SELECT 1")
            assert refused.returncode != 0
            assert "permission denied" in refused.stderr, refused.stderr
        assert psql(server, name, name, "CREATE DATABASE extra").returncode != 0
        assert psql(server, name, name, "CREATE ROLE extra").returncode != 0
    roles = psql(
        server,
        "postgres",
        "postgres",
        "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication "
        "FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' AND rolname <> 'postgres' "
        "ORDER BY 1",
    )
    assert roles.stdout.split() == [f"{name}|f|f|f|f" for name in sorted(SERVICES)]
    owners = psql(
        server,
        "postgres",
        "postgres",
        "SELECT datname, pg_get_userbyid(datdba) FROM pg_database "
        "WHERE datname NOT IN ('postgres', 'template0', 'template1') ORDER BY 1",
    )
    assert owners.stdout.split() == [f"{name}|{name}" for name in sorted(SERVICES)]
    # The passwords are set (SCRAM), for logins over the network in compose.
    hashed = psql(
        server,
        "postgres",
        "postgres",
        "SELECT count(*) FROM pg_authid WHERE rolpassword LIKE 'SCRAM-SHA-256$%'",
    )
    assert hashed.stdout.strip() == str(len(SERVICES))


def test_init_script_refuses_a_missing_password(postgres_factory) -> None:
    server = postgres_factory("pg")
    env = server.env(**{k: v for k, v in PASSWORDS.items() if "REPORTING" not in k})
    result = run(["bash", str(INIT_SCRIPT)], env=env)
    assert result.returncode != 0
    assert "ONTOUR_DB_PASSWORD_REPORTING is not set" in result.stderr


def test_backup_and_restore_drill(postgres_factory, tmp_path: Path) -> None:
    source, fresh = postgres_factory("source"), postgres_factory("fresh")
    init_databases(source)
    # What the services' migrations would leave behind, owned by each service's login.
    for index, name in enumerate(SERVICES, start=1):
        created = psql(
            source,
            name,
            name,
            "CREATE TABLE events (id serial PRIMARY KEY, body text); "
            "INSERT INTO events (body) "
            f"SELECT 'e' FROM generate_series(1, {index * 7}); "
            "CREATE TABLE empty_table (x int)",
        )
        assert created.returncode == 0, created.stderr
    settings = {
        "ONTOUR_BACKUP_MODE": "local",
        "ONTOUR_BACKUP_STREAMS": "0",
        "ONTOUR_BACKUP_DIR": str(tmp_path / "backups"),
    }

    backed_up = run(["bash", str(BACKUP), "drill-1"], env=source.env(**settings))
    assert backed_up.returncode == 0, backed_up.stderr
    target = tmp_path / "backups" / "drill-1"
    assert backed_up.stdout.strip() == str(target)
    for index, name in enumerate(SERVICES, start=1):
        assert (target / "postgres" / f"{name}.dump").read_bytes().startswith(b"PGDMP")
        counts = (target / "postgres" / f"{name}.counts").read_text().splitlines()
        assert counts == ["public.empty_table\t0", f"public.events\t{index * 7}"]
    assert "databases: " + " ".join(SERVICES) in (target / "MANIFEST.txt").read_text()
    assert len((target / "SHA256SUMS").read_text().splitlines()) == 2 * len(SERVICES) + 1

    drilled = run(["bash", str(DRILL), "drill-1"], env=fresh.env(**settings, **PASSWORDS))
    assert drilled.returncode == 0, drilled.stderr
    assert "restore drill of drill-1 passed" in drilled.stderr
    for index, name in enumerate(SERVICES, start=1):
        # Restored with its owner: the service's own login reads and writes it.
        check = psql(
            fresh,
            name,
            name,
            "INSERT INTO events (body) VALUES ('new'); SELECT count(*) FROM events",
        )
        assert check.returncode == 0, check.stderr
        assert check.stdout.split()[-1] == str(index * 7 + 1)

    # A second drill into the same (now filled) server is refused, not merged.
    again = run(["bash", str(DRILL), "drill-1"], env=fresh.env(**settings, **PASSWORDS))
    assert again.returncode != 0 and "is not empty" in again.stderr

    # A backup whose counts do not match what it restores fails the drill.
    other = postgres_factory("other")
    counts = target / "postgres" / "intake.counts"
    counts.write_text(counts.read_text().replace("events\t7", "events\t8"))
    (target / "SHA256SUMS").unlink()
    tampered = run(["bash", str(DRILL), "drill-1"], env=other.env(**settings, **PASSWORDS))
    assert tampered.returncode != 0
    assert "COUNTS DIFFER" in tampered.stderr and "FAILED" in tampered.stderr


def test_a_corrupted_backup_fails_its_checksums(postgres_factory, tmp_path: Path) -> None:
    source, fresh = postgres_factory("source"), postgres_factory("fresh")
    init_databases(source)
    settings = {
        "ONTOUR_BACKUP_MODE": "local",
        "ONTOUR_BACKUP_STREAMS": "0",
        "ONTOUR_BACKUP_DIR": str(tmp_path / "backups"),
    }
    run(["bash", str(BACKUP), "b"], env=source.env(**settings), check=True)
    dump = tmp_path / "backups" / "b" / "postgres" / "scheduling.dump"
    dump.write_bytes(dump.read_bytes()[:-10])
    drilled = run(["bash", str(DRILL), "b"], env=fresh.env(**settings, **PASSWORDS))
    assert drilled.returncode != 0 and "checksums do not match" in drilled.stderr


def test_backup_refuses_to_overwrite(postgres_factory, tmp_path: Path) -> None:
    server = postgres_factory("pg")
    init_databases(server)
    settings = {
        "ONTOUR_BACKUP_MODE": "local",
        "ONTOUR_BACKUP_STREAMS": "0",
        "ONTOUR_BACKUP_DIR": str(tmp_path),
    }
    run(["bash", str(BACKUP), "same"], env=server.env(**settings), check=True)
    again = run(["bash", str(BACKUP), "same"], env=server.env(**settings))
    assert again.returncode != 0 and "already exists" in again.stderr


def _bash_array(name: str) -> list[str]:
    text = (DEPLOY / "backup" / "lib.sh").read_text(encoding="utf-8")
    match = re.search(rf"^{name}=\(([^)]*)\)", text, re.MULTILINE)
    assert match, name
    return match.group(1).split()


def test_backup_covers_every_database_and_stream_of_the_backbone() -> None:
    assert _bash_array("ONTOUR_SERVICES") == list(SERVICES)
    assert _bash_array("ONTOUR_STREAMS") == [spec.name for spec in STREAMS]
    init = INIT_SCRIPT.read_text(encoding="utf-8")
    assert f"ONTOUR_DB_SERVICES:-{' '.join(SERVICES)}" in init
    postgres_env = compose_raw()["services"]["postgres"]["environment"]
    assert set(PASSWORDS) <= set(postgres_env)


@pytest.mark.parametrize("tool", ["pg-tools", "nats-cli"])
def test_compose_has_the_backup_tools(tool: str) -> None:
    service = compose_raw()["services"][tool]
    assert service["profiles"] == ["tools"]
    assert "${ONTOUR_BACKUP_DIR:-./deploy/backup/data}:/backups" in service["volumes"]


FAKE_DOCKER = r"""#!/usr/bin/env bash
# Stand-in for `docker compose` (no Docker engine here): records each call, runs the
# tool of `run <service>` locally with /backups mapped to the backup directory, and
# treats `up` and `down` as done.
printf '%s\n' "$*" >>"$FAKE_DOCKER_LOG"
[ "$1" = compose ] || exit 90
shift
while [ $# -gt 0 ]; do
    case "$1" in
    --project-directory | -f | -p) shift 2 ;;
    up | down) exit 0 ;;
    run) shift; break ;;
    *) exit 91 ;;
    esac
done
while [ "${1#-}" != "$1" ]; do shift; done  # --rm -T
service="$1"; shift
[ "$service" = pg-tools ] || exit 92
args=()
for arg in "$@"; do args+=("${arg//\/backups/$ONTOUR_BACKUP_DIR}"); done
exec "${args[@]}"
"""


def test_backup_and_drill_in_compose_mode_use_the_tool_containers(
    postgres_factory, tmp_path: Path
) -> None:
    source, fresh = postgres_factory("source"), postgres_factory("fresh")
    init_databases(source)
    init_databases(fresh)  # in compose, the fresh project's postgres does this itself
    created = psql(source, "intake", "intake", "CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
    assert created.returncode == 0, created.stderr
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    log = tmp_path / "docker.log"
    settings = {
        "ONTOUR_BACKUP_DIR": str(tmp_path / "backups"),
        "ONTOUR_BACKUP_STREAMS": "0",
        "FAKE_DOCKER_LOG": str(log),
    }

    env = source.env(**settings)
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    backed_up = run(["bash", str(BACKUP), "c1"], env=env)
    assert backed_up.returncode == 0, backed_up.stderr
    calls = log.read_text().splitlines()
    prefix = f"compose --project-directory {DEPLOY.parent} -f {DEPLOY.parent / 'compose.yaml'}"
    assert all(call.startswith(prefix) for call in calls)
    assert any(
        " run --rm -T pg-tools psql " in c and "ontour_dump_file=/backups/c1/" in c for c in calls
    )
    assert any(
        " run --rm -T pg-tools pg_restore --list /backups/c1/postgres/intake.dump" in c
        for c in calls
    )
    counts = (tmp_path / "backups" / "c1" / "postgres" / "intake.counts").read_text()
    assert counts == "public.t\t1\n"

    log.unlink()
    env = fresh.env(**settings)
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    drilled = run(["bash", str(DRILL), "c1"], env=env)
    assert drilled.returncode == 0, drilled.stderr
    calls = log.read_text().splitlines()
    assert all(" -p ontour-restore-drill " in call for call in calls)
    assert "up --detach --wait postgres nats" in calls[0]
    assert any(c.endswith("up --detach --wait " + " ".join(SERVICES)) for c in calls)
    assert "down --volumes --remove-orphans" in calls[-1]
    restored = psql(fresh, "intake", "intake", "SELECT count(*) FROM t")
    assert restored.stdout.strip() == "1"
