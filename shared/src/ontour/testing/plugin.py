"""pytest plugin (``-p ontour.testing.plugin``): real NATS and PostgreSQL for every test.

Which servers:
- default: embedded, started from the PyPI wheels exactly as ``make up`` starts them;
- ``ONTOUR_TEST_NATS_URL`` / ``ONTOUR_TEST_DATABASE_URL``: existing servers;
- ``ONTOUR_TEST_BACKEND=testcontainers``: containers (where Docker exists).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ontour.db import asyncpg_dsn, create_engine, migrate
from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token, start_idp
from ontour.devstack.servers import ManagedProcess, free_port, start_nats, start_postgres
from ontour.messaging.streams import ensure_streams, ensure_streams_at
from ontour.observability.tracing import configure_tracing

BACKEND = os.environ.get("ONTOUR_TEST_BACKEND", "embedded")


def _no_deadlines() -> None:
    """Hypothesis fails an example that takes longer than 200 ms by default: a timing
    assertion. On five workers sharing two cores the same example takes 0.1 s or 0.5 s (a
    convergence test failed so); how fast something is, the benchmarks measure."""
    from hypothesis import settings

    settings.register_profile("ontour", deadline=None)
    settings.load_profile("ontour")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "spread: the module's tests may run on different pytest-xdist workers"
    )
    # pytest-xdist registers it too; without xdist (-p no:xdist) the marker still exists.
    config.addinivalue_line("markers", "xdist_group(name): tests that share one worker")
    _no_deadlines()
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    # One in-memory exporter for the whole run, so a test can follow a trace (finished_spans).
    spans = SpansOfTheTest(InMemorySpanExporter())
    configure_tracing("ontour-tests").add_span_processor(spans)
    config.stash[_SPANS] = spans


class SpansOfTheTest(SimpleSpanProcessor):
    """Keeps the finished spans only while a test asks for them (``finished_spans``). A
    whole run's spans, kept, grew each worker's heap by the thousands of spans of its services'
    requests, and every full garbage collection went through all of them."""

    def __init__(self, exporter: Any) -> None:
        super().__init__(exporter)
        self.exporter = exporter
        self.recording = False

    def on_end(self, span: ReadableSpan) -> None:
        if self.recording:
            super().on_end(span)


_SPANS = pytest.StashKey[SpansOfTheTest]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What exists now (imported modules, collected tests) lives until the worker ends: frozen,
    a full garbage collection no longer walks it. It took ~0.15 s each in a worker; in one
    module's run (intake's organisations API) the collections cost 1.4 s of 14 s, then 0.5 s."""
    gc.freeze()


# Whole-system tests (services as processes behind Caddy: the top-level tests/ folder, or a
# test asking for the stack) take the longest, so they go to a worker first.
_WHOLE_SYSTEM = {"stack", "start_stack", "base_url"}
_WHOLE_SYSTEM_FOLDER = "tests"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Work units for ``--dist loadgroup``: a module stays on one worker (its module fixtures,
    a browser or services, start once), unless it is marked ``spread`` (then each test is a
    unit of its own). Modules that start a whole system come first, so the longest units do
    not start last. Every worker collects the same order: it is derived from the items only."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            spread = item.get_closest_marker("spread") is not None
            unit = item.nodeid if spread else item.nodeid.split("::")[0]
            item.add_marker(pytest.mark.xdist_group(unit))

    def heavy(item: pytest.Item) -> bool:
        folder = item.path.relative_to(config.rootpath).parts[0]
        fixtures = set(getattr(item, "fixturenames", ()))
        return folder == _WHOLE_SYSTEM_FOLDER or bool(_WHOLE_SYSTEM & fixtures)

    heavy_modules = {item.nodeid.split("::")[0] for item in items if heavy(item)}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in heavy_modules)
    config.stash[_HEAVY_MODULES] = heavy_modules


_HEAVY_MODULES = pytest.StashKey[set[str]]()
_ON_LEAVING = pytest.StashKey[list[Callable[[], None]]]()


def when_whole_system_tests_end(config: pytest.Config, release: Callable[[], None]) -> None:
    """Call ``release`` (e.g. stop this worker's whole system) when the worker starts a test
    of a module that needs no whole system. Those modules come after all whole-system ones,
    so a worker idles no system through the rest of the run; should a whole-system test still
    come, its fixture starts what it needs again."""
    config.stash.setdefault(_ON_LEAVING, []).append(release)


def pytest_runtest_setup(item: pytest.Item) -> None:
    heavy_modules = item.config.stash.get(_HEAVY_MODULES, set())
    if item.nodeid.split("::")[0] in heavy_modules:
        return
    waiting = item.config.stash.get(_ON_LEAVING, [])
    while waiting:
        waiting.pop()()


@pytest.fixture
def finished_spans(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The spans finished in this process during the test (an ``InMemorySpanExporter``)."""
    spans = request.config.stash[_SPANS]
    spans.exporter.clear()
    spans.recording = True
    try:
        yield spans.exporter
    finally:
        spans.recording = False
        spans.exporter.clear()


@pytest.fixture(scope="session")
def postgres_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server (its ``postgres`` database); tests create their own DBs."""
    given = os.environ.get("ONTOUR_TEST_DATABASE_URL")
    if given:
        url = make_url(given).set(drivername="postgresql+asyncpg").render_as_string(False)
        yield url
        asyncio.run(_drop_templates(url))
        return
    if BACKEND == "testcontainers":
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:18", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    with throwaway_postgres(tmp_path_factory.mktemp("postgres")) as url:
        yield url


# Where a test session's PostgreSQL keeps its data when the machine has room in memory: a
# tmpfs. Every test creates its own databases (~300 files each, ~130,000 per worker and run)
# and the session deletes them at the end; on a disk-backed file system (here ext4 with
# `discard`) one CREATE DATABASE cost 30 to 115 ms of CPU, depending on the moment, in
# memory ~20 ms.
MEMORY_FILESYSTEM = Path("/dev/shm")  # noqa: S108 (its directory comes from mkdtemp)
# What one session's data grows to at most (about a gigabyte in a whole run), with room.
MEMORY_NEEDED = 3 * 2**30
_IN_MEMORY_PREFIX = "ontour-test-postgres-"


def _data_dir(home: Path, memory: Path) -> Path:
    """A new data directory in ``memory`` when it is a writable directory with room, named
    after this process (a directory of a process that is gone, killed before it could clean
    up, is removed first); else ``home/data``."""
    try:
        if not os.access(memory, os.W_OK) or shutil.disk_usage(memory).free < MEMORY_NEEDED:
            return home / "data"
    except OSError:
        return home / "data"
    for stale in memory.glob(f"{_IN_MEMORY_PREFIX}*"):
        pid = stale.name.removeprefix(_IN_MEMORY_PREFIX).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{_IN_MEMORY_PREFIX}{os.getpid()}-", dir=memory))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal: only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


@contextmanager
def throwaway_postgres(home: Path, *, memory: Path = MEMORY_FILESYSTEM) -> Iterator[str]:
    """A PostgreSQL for one test session (the URL of its ``postgres`` database), its data in
    ``memory`` where there is room (else in ``home``), its log in ``home``.

    Not durable: a test database never has to survive the machine, and CREATE DATABASE and
    every commit skip the flush to disk. Its data directory goes when it stops, its log
    stays: with a database per test it held about a gigabyte per worker at the end of a run,
    which pytest kept for three runs and then deleted at the end of a later one, after its
    last test (~14 s of a run's wall time spent on an old run's 130,000 files)."""
    data = _data_dir(home, memory)
    port = free_port()
    process = start_postgres(data, port, home / "postgres.log", durable=False)
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        process.stop()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def database_url(postgres_server_url: str) -> Any:
    """Factory: a URL for a new, empty database (created by the service in test mode)."""

    def make(prefix: str = "test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        return make_url(postgres_server_url).set(database=name).render_as_string(False)

    return make


class PostgresServer:
    """A PostgreSQL of one test, to stop and start again (same port, same data)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.process: ManagedProcess | None = None

    def database_url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.process = start_postgres(
            self.home / "data", self.port, self.home / "postgres.log", durable=False
        )

    def stop(self) -> None:
        if self.process:
            self.process.stop()


@pytest.fixture
def postgres_server(tmp_path: Path) -> Iterator[PostgresServer]:
    """A PostgreSQL of this test's own, for tests that stop it (the others share one)."""
    server = PostgresServer(tmp_path / "postgres")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class NatsServer:
    """A nats-server for one test; ``restart()`` keeps its port and its JetStream store."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = start_nats(self.home / "store", self.port, self.home / "nats.log")

    def stop(self) -> None:
        if self.process:
            self.process.stop()

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A fresh embedded nats-server with JetStream for this test."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    asyncio.run(ensure_streams_at(server.url))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def nats_url(request: pytest.FixtureRequest) -> str:
    """A NATS URL with clean streams: the test's own server if it asks for ``nats_server``
    (to stop or restart it), else one server for the run, emptied before each test."""
    given = os.environ.get("ONTOUR_TEST_NATS_URL")
    if given:
        asyncio.run(reset_streams(given))
        return given
    if BACKEND == "testcontainers":
        container_url: str = request.getfixturevalue("_nats_container")
        asyncio.run(reset_streams(container_url))
        return container_url
    if "nats_server" in request.fixturenames:
        server: NatsServer = request.getfixturevalue("nats_server")
        return server.url
    shared: NatsServer = request.getfixturevalue("_shared_nats_server")
    asyncio.run(reset_streams(shared.url))
    return shared.url


@pytest.fixture(scope="session")
def _shared_nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _nats_container() -> Iterator[str]:
    from testcontainers.nats import NatsContainer

    with NatsContainer(jetstream=True) as container:
        yield container.nats_uri()


async def reset_streams(url: str) -> None:
    """Every stream of the server at ``url`` emptied: as ``nats_url`` gives it to a test."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    try:
        # Every stream: the event streams, the key-value buckets and whatever a test made,
        # with their durable consumers; then the streams and buckets as a fresh server has.
        for info in await js.streams_info():
            name = info.config.name or ""
            with suppress(nats.js.errors.NotFoundError):
                await js.delete_stream(name)
        # nats-server removes a deleted stream's files after answering: creating it again at
        # once can fail with "error creating store for stream" (10049) until they are gone.
        for attempt in range(50):
            try:
                await ensure_streams(js, update=True)
                break
            except nats.js.errors.ServerError as refused:
                if refused.err_code != 10049 or attempt == 49:
                    raise
                await asyncio.sleep(0.1)
    finally:
        await nc.close()


@pytest.fixture(scope="session")
def idp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The development IdP (oidc-provider-mock) with the demo users, as ``make up`` runs it."""
    home = tmp_path_factory.mktemp("idp")
    port = free_port()
    process = start_idp(port, home / "idp.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()


@pytest.fixture(scope="session")
def bearer(idp_url: str) -> Any:
    """``bearer("coordinator")``: Authorization headers for a demo user of that role."""
    cache: dict[str, dict[str, str]] = {}

    def headers(role: str) -> dict[str, str]:
        if role not in cache:
            token = fetch_id_token(idp_url, SUBJECT_FOR_ROLE[role])
            cache[role] = {"Authorization": f"Bearer {token}"}
        return cache[role]

    return headers


@asynccontextmanager
async def running_service(
    service: Any,
    *,
    nats_url: str,
    database_url: str,
    idp_url: str,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service in this process (lifespan included) and talk to it over ASGI.

    A database that does not exist yet is cloned from the service's migrated template (the
    service's own start then finds its migrations applied, as after an upgrade)."""
    await clone_migrated(service, database_url)
    settings = service.settings_factory(
        nats_url=nats_url,
        database_url=database_url,
        oidc_issuer=idp_url,
        environment="test",
        # Any free port: services of concurrent tests must not share one.
        **{"metrics_port": 0, **overrides},
    )
    app = service.create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://ontour.test", headers=headers
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


# How long a test waits for what should happen before it calls it "never": five pytest-xdist
# workers share two cores, each with its services, so a passing wait can take a while; only
# a failing test pays it in full.
NEVER_SECONDS = 60.0
# Templates of this test run: a server given by URL outlives it and may hold older ones.
_RUN = uuid.uuid4().hex[:8]
_templates: set[str] = set()


async def clone_migrated(service: Any, database_url: str) -> None:
    """Create the database of ``database_url`` (unless it exists) as a copy of a template
    with the service's migrations applied: a copy is much quicker than migrating anew.

    One template a service and test run, built at its first use, never connected to after."""
    target = make_url(database_url)
    admin = await asyncpg.connect(asyncpg_dsn(str(target.set(database="postgres"))))
    try:
        exists = "SELECT 1 FROM pg_database WHERE datname = $1"
        if await admin.fetchval(exists, target.database):
            return
        template = f"tmpl_{service.name}_{_RUN}"
        if template not in _templates:
            await admin.execute(f'CREATE DATABASE "{template}"')
            _templates.add(template)
            engine = create_engine(target.set(database=template).render_as_string(False))
            try:
                await migrate(engine, service.migrations)
            except BaseException:
                await engine.dispose()
                await admin.execute(f'DROP DATABASE "{template}"')
                _templates.discard(template)
                raise
            await engine.dispose()
        await admin.execute(f'CREATE DATABASE "{target.database}" TEMPLATE "{template}"')
    finally:
        await admin.close()


async def copy_database(template_url: str, database_url: str) -> None:
    """Create the database of ``database_url`` as a copy of that of ``template_url`` (which
    its services have stopped using: PostgreSQL copies no database with a connection)."""
    template, target = make_url(template_url), make_url(database_url)
    statement = f'CREATE DATABASE "{target.database}" TEMPLATE "{template.database}"'
    admin = await asyncpg.connect(asyncpg_dsn(str(target.set(database="postgres"))))
    try:
        # The backend of a connection just closed may still be ending ("source database is
        # being accessed by other users") for a moment.
        for attempt in range(50):
            try:
                await admin.execute(statement)
                return
            except asyncpg.exceptions.ObjectInUseError:
                if attempt == 49:
                    raise
                await asyncio.sleep(0.1)
    finally:
        await admin.close()


# Per pytest worker (one PostgreSQL server): the databases a first start left, by its name.
_first_starts: dict[str, tuple[str, ...]] = {}


async def copies_of_first_start(
    name: str,
    database_url: Any,
    prefixes: tuple[str, ...],
    first_start: Callable[[tuple[str, ...]], Awaitable[None]],
) -> tuple[str, ...]:
    """New databases (one per prefix) that are copies of what ``first_start`` left.

    ``first_start(urls)`` runs once per worker, on new databases (e.g. a service's start that
    loads its reference data, and what its consumers make of the events); it must leave
    them unused and the streams clean. Each call then costs a copy of each database."""
    if name not in _first_starts:
        templates = tuple(database_url(f"first_{prefix}") for prefix in prefixes)
        await first_start(templates)
        _first_starts[name] = templates
    copies = tuple(database_url(prefix) for prefix in prefixes)
    for template, copy in zip(_first_starts[name], copies, strict=True):
        await copy_database(template, copy)
    return copies


async def wait_outbox_sent(api: Any) -> None:
    """Until the running service's relay has published (and marked) every outbox row."""

    async def all_sent() -> bool:
        return bool(await scalar(api, "SELECT count(*) = 0 FROM outbox WHERE sent_at IS NULL"))

    await eventually(all_sent)


async def _drop_templates(server_url: str) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        for template in _templates:
            await admin.execute(f'DROP DATABASE IF EXISTS "{template}"')
    finally:
        await admin.close()


async def scrape_metrics(api: Any) -> httpx.Response:
    """The Prometheus text of a service from ``running_service``, from its internal port."""
    port = api.app.state.runtime.metrics_endpoint.port
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://127.0.0.1:{port}/metrics")


async def eventually(
    check: Any,
    *,
    timeout: float = NEVER_SECONDS,  # noqa: ASYNC109
    interval: float = 0.05,
) -> Any:
    """Await ``check()`` until it returns a truthy value (or fail after ``timeout``).

    The timeout only bounds a check that never comes true: it is no performance target
    (those are benchmarks), so it is generous enough for a loaded two-core machine."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {result!r})")
        await asyncio.sleep(interval)


def wait_for(
    condition: Callable[[], object],
    within: float = NEVER_SECONDS,
    explain: Callable[[], str] = lambda: "",
) -> None:
    """The blocking :func:`eventually`, for tests that watch processes from outside: poll
    ``condition()`` until it is true; fail after ``within`` seconds, saying ``explain()``."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"{condition.__name__}: {explain()}"
        time.sleep(0.1)


SETTLE_SECONDS = 0.5  # after the expected events arrived: time for unexpected extra ones


async def events_on_bus(nats_url: str, subject: str, expected: int) -> list[dict[str, Any]]:
    """Every event on ``subject`` in the stream, seen by a real subscriber (once ``expected``
    arrived and nothing more came in a short while)."""
    seen: list[dict[str, Any]] = []

    async def collect(message: Any) -> None:
        seen.append(json.loads(message.data))

    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().subscribe(subject, ordered_consumer=True, cb=collect)

        async def arrived() -> bool:
            return len(seen) >= expected

        await eventually(arrived)
        await asyncio.sleep(SETTLE_SECONDS)
    finally:
        await nc.close()
    return seen


async def scalar(api: Any, sql: str) -> Any:
    """One value from the running service's database."""
    async with api.app.state.runtime.sessions() as session:
        return (await session.execute(text(sql))).scalar_one()
