"""One way to build and run a service: FastAPI at the edge, FastStream on NATS, SQLModel.

Each service declares itself with a :class:`Service` in its ``app.py``; everything every
service needs (migrations before traffic, streams and durable consumers, outbox relay,
health, metrics, AsyncAPI and OpenAPI under ``/<service>/``, problem+json, logs and traces)
is done here, once. Metrics are the exception to "under ``/<service>/``": they are served
on an internal port of their own (``ontour.observability.metrics_endpoint``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from faststream.nats import JStream, NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.specification import AsyncAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from pydantic import Field, create_model
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from ontour import audit
from ontour.auth.access import AccessTable, enforce_access
from ontour.auth.csrf import CsrfCookieMiddleware
from ontour.auth.identity import Identity
from ontour.auth.principal import Principal
from ontour.auth.sessions import SessionStore
from ontour.auth.tokens import use_discovery_url
from ontour.db import Sessions, create_engine, ensure_database, migrate, session_factory
from ontour.events import CloudEvent, EventData, contracts_of, set_public_base_url
from ontour.messaging.connection import NatsServers
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.outbox import OutboxRelay
from ontour.messaging.streams import ensure_streams, inbox_prefix, stream_for
from ontour.observability import metrics
from ontour.observability.logging import configure_logging, get_logger
from ontour.observability.metrics_endpoint import MetricsEndpoint
from ontour.observability.tracing import configure_tracing
from ontour.settings import ServiceSettings
from ontour.web.asyncapi_page import render_asyncapi_page
from ontour.web.audit_api import audit_router
from ontour.web.caller import origin_of
from ontour.web.drain import Drain
from ontour.web.middleware import DEFAULT_MAX_BODY_BYTES, harden
from ontour.web.openapi import API_VERSION_HEADER, document_api
from ontour.web.problems import (
    RETRY_AFTER_OUTAGE_SECONDS,
    Problem,
    install_problem_handlers,
)
from ontour.web.query_names import RENAMED_QUERY_PARAMS, RenamedQueryParams
from ontour.web.refusals import install_refusal_handlers
from ontour.web.rendering import PageRenderer, mount_static
from ontour.web.routes import route_template

API_VERSION = "1.0.0"
# How often the consumers' lag is read from JetStream (Prometheus scrapes every 15 s).
CONSUMER_LAG_REFRESH_SECONDS = 5.0
# How long the shutdown waits for the service's jobs (a final audit anchor among them).
JOB_STOP_SECONDS = 10.0
# How long a cancelled job gets before it is cancelled again (see stop_jobs).
JOB_CANCEL_AGAIN_SECONDS = 0.5
log = get_logger(__name__)


@dataclass
class Runtime:
    """What a running service holds: settings, database, broker, identity and the relay."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    broker: NatsBroker
    access: AccessTable
    identity: Identity
    drain: Drain
    relay: OutboxRelay | None = None
    relay_task: asyncio.Task[None] | None = None
    metrics_endpoint: MetricsEndpoint | None = None
    lag_task: asyncio.Task[None] | None = None
    jobs: list[asyncio.Task[None]] = field(default_factory=list)

    async def audit_denied(
        self, request: Request, principal: Principal | None, path: str, why: str
    ) -> None:
        async with self.sessions() as session, session.begin():
            await audit.append(
                session,
                actor=principal,
                action=request.method,
                object_type="endpoint",
                object_id=path,
                result="geweigerd",
                origin=origin_of(request),
                details={"reden": why},
            )


async def stop_jobs(
    jobs: list[asyncio.Task[None]], seconds: float = JOB_STOP_SECONDS
) -> tuple[set[asyncio.Task[None]], set[asyncio.Task[None]]]:
    """Cancel ``jobs`` until they end, for at most ``seconds``: (ended, unfinished).

    Cancelled again and again, because one cancellation can be lost: on Python 3.11
    ``asyncio.wait_for`` (which libraries such as nats-py use inside a publish) swallows a
    cancellation that arrives as the awaited work completes, and the job then runs on."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    ended: set[asyncio.Task[None]] = set()
    unfinished = set(jobs)
    while unfinished and loop.time() < deadline:
        for job in unfinished:
            job.cancel()
        done, unfinished = await asyncio.wait(
            unfinished, timeout=min(JOB_CANCEL_AGAIN_SECONDS, deadline - loop.time())
        )
        ended |= done
    return ended, unfinished


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_sessions(request: Request) -> Sessions:
    return get_runtime(request).sessions


SessionsDep = Annotated[Sessions, Depends(get_sessions)]
SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def get_settings(request: Request) -> ServiceSettings:
    return get_runtime(request).settings


SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]


def settings_of(kind: type[SettingsT]) -> Any:
    """A dependency on the service's own settings, typed as its own class:
    ``SettingsDep = Annotated[Settings, settings_of(Settings)]`` in the service."""

    def get(request: Request) -> SettingsT:
        return settings_as(get_runtime(request), kind)

    return Depends(get)


def settings_as(runtime: Runtime, kind: type[SettingsT]) -> SettingsT:
    """The running service's settings as its own class (for a job that holds the runtime)."""
    settings = runtime.settings
    if not isinstance(settings, kind):
        raise TypeError(f"the service runs with {type(settings).__name__}, not {kind}")
    return settings


def envelope_model(data_model: type[EventData]) -> type[CloudEvent]:
    """The envelope with its ``data`` typed, for the AsyncAPI document."""
    return create_model(
        f"{data_model.__name__}Event",
        __base__=CloudEvent,
        __doc__=data_model.__doc__,
        data=(data_model, Field(description=data_model.__doc__ or "")),
    )


@dataclass
class Service:
    """The declaration of one service (see ``services/<name>/src/<name>/app.py``)."""

    name: str
    title: str
    description: str
    settings_factory: Callable[..., ServiceSettings]
    migrations: Path
    routers: list[APIRouter] = field(default_factory=list)
    consumers: list[EventConsumer] = field(default_factory=list)
    page_routers: list[APIRouter] = field(default_factory=list)
    access: AccessTable = field(default_factory=lambda: AccessTable({}))
    # Runs once per start, after the migrations and before traffic (e.g. loading reference
    # data). Replicas run it concurrently, so it must be idempotent and replica-safe.
    on_startup: Callable[[Runtime], Awaitable[None]] | None = None
    # Long-running jobs of the service (e.g. a daily release), started once the broker runs
    # and cancelled at shutdown. Replicas each run them: they must take their own locks.
    jobs: list[Callable[[Runtime], Coroutine[Any, Any, None]]] = field(default_factory=list)
    # The service's own page templates and Dutch catalogue (the kit's are the fallback).
    templates: Path | None = None
    locale: Path | None = None
    # The largest request body (refused with 413 before it is read), and larger limits for
    # exact paths that take an upload (e.g. intake's import).
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    body_limits: dict[str, int] = field(default_factory=dict)
    # The service's own query parameters renamed to lower camelCase, old name to new; the
    # old names keep working for a while (ontour.web.query_names).
    renamed_query_params: dict[str, str] = field(default_factory=dict)
    pages: PageRenderer = field(init=False)

    def __post_init__(self) -> None:
        self.pages = PageRenderer(self.name, self.templates, self.locale)

    @property
    def publishes(self) -> list[type[EventData]]:
        """The events this service emits: its contracts in ``ontour.contracts``, so one
        declared there is published and documented in AsyncAPI without a list to keep."""
        return contracts_of(self.name)

    def build_broker(self, settings: ServiceSettings) -> NatsBroker:
        broker = NatsBroker(
            **NatsServers.parse(settings.nats_url).broker_options(),
            middlewares=[NatsTelemetryMiddleware(tracer_provider=configure_tracing(self.name))],
            graceful_timeout=15.0,
            logger=None,
            inbox_prefix=inbox_prefix(self.name),
        )
        for model in self.publishes:
            broker.publisher(
                model.nats_subject(),
                stream=JStream(stream_for(self.name), declare=False),
                schema=envelope_model(model),
                title=model.event_type(),
                description=model.__doc__,
            )
        return broker

    def create_app(self, settings: ServiceSettings | None = None) -> FastAPI:
        settings = settings or self.settings_factory()
        set_public_base_url(settings.public_base_url)  # the events' dataschema
        configure_logging(self.name, settings.log_level)
        configure_tracing(self.name)
        broker = self.build_broker(settings)
        engine = create_engine(settings.db_url)
        audit.bind_key(
            engine,
            audit.audit_key(
                settings.audit_key.get_secret_value(), development=settings.is_development
            ),
        )
        sessions = session_factory(engine)
        for consumer in self.consumers:
            consumer.subscribe(broker, sessions)
        prefix = f"/{self.name}"
        api = f"{prefix}/api/v1"
        operations = [
            f"{prefix}/health/live",
            f"{prefix}/health/ready",
            f"{prefix}/asyncapi.json",
            f"{prefix}/asyncapi",
        ]
        use_discovery_url(settings.oidc_issuer, settings.oidc_discovery_url)
        runtime = Runtime(
            settings=settings,
            engine=engine,
            sessions=sessions,
            broker=broker,
            access=self.access.with_public(operations),
            identity=Identity.from_settings(settings),
            drain=Drain(settings.shutdown_drain_seconds),
        )

        @contextlib.asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            await self._start(runtime)
            try:
                with runtime.drain.holding_sigterm():
                    yield
            finally:
                await self._stop(runtime)

        app = FastAPI(
            title=self.title,
            description=self.description,
            version=API_VERSION,
            openapi_url=f"{api}/openapi.json",
            docs_url=None,
            redoc_url=None,
            lifespan=lifespan,
            contact={
                "name": "Ondersteuningsteam Weerbaar Bestuur",
                "url": "https://www.weerbaarbestuur.nl",
                "email": "ot@weerbaarbestuur.nl",
            },
        )
        renamed = {**RENAMED_QUERY_PARAMS, **self.renamed_query_params}
        document_api(app, api, renamed)
        app.state.runtime = runtime
        app.state.error_page = lambda request, status, title, detail: self.pages.error(
            request, status, detail
        )
        mount_static(app, self.name)
        install_problem_handlers(app)
        install_refusal_handlers(app)
        app.add_middleware(_Metrics, service=self.name)
        app.add_middleware(RenamedQueryParams, renamed=renamed, prefix=f"{api}/")
        app.add_middleware(
            CsrfCookieMiddleware,
            secret_key=settings.secret_key.get_secret_value(),
            secure=settings.session_cookie_secure,
            cookie_prefix=settings.cookie_prefix,
        )
        guarded = [Depends(enforce_access)]
        for router in [*self.routers, audit_router()]:
            app.include_router(router, prefix=api, dependencies=guarded)
        for router in self.page_routers:
            app.include_router(router, prefix=prefix, dependencies=guarded)
        app.include_router(self._operations_router(runtime), prefix=prefix, dependencies=guarded)
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=configure_tracing(self.name),
            excluded_urls=f"{prefix}/health/.*",
        )
        harden(
            app,
            https=settings.public_base_url.startswith("https://"),
            max_body_bytes=self.max_body_bytes,
            body_limits=self.body_limits,
            headers={API_VERSION_HEADER: API_VERSION},
        )
        return app

    async def _start(self, runtime: Runtime) -> None:
        settings = runtime.settings
        # First, so a metrics port in use stops the start before anything else runs.
        runtime.metrics_endpoint = MetricsEndpoint.start(
            settings.metrics_host, settings.metrics_listen_port
        )
        if settings.is_development:
            await ensure_database(settings.db_url)
        await migrate(runtime.engine, self.migrations)
        if self.on_startup is not None:
            await self.on_startup(runtime)
        await runtime.broker.connect()
        js = runtime.broker.connection.jetstream()
        await ensure_streams(js, update=False)
        runtime.identity.sessions = await SessionStore.open(
            js,
            settings.secret_key.get_secret_value(),
            idle_seconds=settings.session_idle_minutes * 60,
        )
        for consumer in self.consumers:
            await consumer.ensure(js)
        await runtime.broker.start()
        if self.publishes and settings.outbox_relay_enabled:
            runtime.relay = OutboxRelay(
                runtime.engine,
                runtime.broker,
                self.name,
                retention=timedelta(days=settings.outbox_retention_days),
            )
            runtime.relay_task = asyncio.create_task(runtime.relay.run(), name="outbox-relay")
        runtime.jobs = [
            asyncio.create_task(job(runtime), name=getattr(job, "__name__", "job"))
            for job in [_anchor_audit_chain, *self.jobs]
        ]
        if self.consumers:
            runtime.lag_task = asyncio.create_task(
                self._refresh_consumer_lag(runtime), name="consumer-lag"
            )
        log.info("service started", service=self.name, metrics_port=runtime.metrics_endpoint.port)

    async def _stop(self, runtime: Runtime) -> None:
        if runtime.jobs:
            ended, unfinished = await stop_jobs(runtime.jobs)
            for job in unfinished:
                log.warning("job did not stop in time", service=self.name, job=job.get_name())
            for job in ended:
                if not job.cancelled() and job.exception() is not None:
                    log.warning("job failed", service=self.name, job=job.get_name())
        if runtime.lag_task is not None:
            runtime.lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runtime.lag_task
        if runtime.relay is not None and runtime.relay_task is not None:
            runtime.relay.stop()
            try:
                await asyncio.wait_for(runtime.relay_task, timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("outbox relay did not stop in time", service=self.name)
        try:
            await asyncio.wait_for(runtime.broker.stop(), timeout=20)
        except Exception as exc:  # a broker that is away must not block the shutdown
            log.warning(
                "broker did not stop cleanly", service=self.name, error=exc.__class__.__name__
            )
        await runtime.engine.dispose()
        # Last: the monitoring sees the final counts while the service drains.
        if runtime.metrics_endpoint is not None:
            await runtime.metrics_endpoint.stop()
        log.info("service stopped", service=self.name)

    async def _refresh_consumer_lag(self, runtime: Runtime) -> None:
        """ontour_consumer_pending is JetStream's number, not this process's: read it now and
        then (the metrics endpoint serves from its own thread and cannot ask JetStream)."""
        while True:
            with contextlib.suppress(Exception):  # a broker that is away: try again later
                js = runtime.broker.connection.jetstream()
                for consumer in self.consumers:
                    info = await js.consumer_info(consumer.stream, consumer.durable)
                    metrics.consumer_lag.labels(self.name, consumer.durable).set(
                        info.num_pending or 0
                    )
            await asyncio.sleep(CONSUMER_LAG_REFRESH_SECONDS)

    def asyncapi(self, broker: NatsBroker) -> dict[str, Any]:
        spec = AsyncAPI(
            broker,
            title=f"{self.title} — events",
            version=API_VERSION,
            description=self.description,
        )
        return spec.to_specification().to_jsonable()

    def _operations_router(self, runtime: Runtime) -> APIRouter:
        router = APIRouter(include_in_schema=False)
        service = self

        @router.get("/health/live")
        async def live() -> dict[str, str]:
            runtime.drain.refuse_when_stopping()
            return {"status": "ok"}

        @router.get("/health/ready")
        async def ready() -> dict[str, str]:
            runtime.drain.refuse_when_stopping()
            checks: dict[str, str] = {}
            try:
                async with runtime.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                checks["database"] = "ok"
            except Exception:
                checks["database"] = "unavailable"
            try:
                await runtime.broker.connection.jetstream().account_info()
                checks["broker"] = "ok"
            except Exception:
                checks["broker"] = "unavailable"
            if any(v != "ok" for v in checks.values()):
                down = ", ".join(k for k, v in checks.items() if v != "ok")
                raise Problem(
                    503,
                    f"Niet gereed: {down} niet bereikbaar.",
                    headers={"Retry-After": str(RETRY_AFTER_OUTAGE_SECONDS)},
                )
            return {"status": "ok", **checks}

        @router.get("/asyncapi.json")
        async def asyncapi_json() -> dict[str, Any]:
            return service.asyncapi(runtime.broker)

        @router.get("/asyncapi")
        async def asyncapi_html() -> Response:
            return Response(
                render_asyncapi_page(service.asyncapi(runtime.broker)),
                media_type="text/html; charset=utf-8",
            )

        return router


async def _anchor_audit_chain(runtime: Runtime) -> None:
    """The audit chain's head to its anchor outside the database (ontour.audit)."""
    settings = runtime.settings
    await audit.anchor_periodically(
        runtime.engine,
        lambda: runtime.broker.connection.jetstream(),
        settings.service_name,
        every=settings.audit_anchor_every,
        seconds=settings.audit_anchor_seconds,
    )


class _Metrics(BaseHTTPMiddleware):
    def __init__(self, app: Any, service: str) -> None:
        super().__init__(app)
        self.service = service

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        # The route's template, never the concrete path (it may hold a secret token).
        template = route_template(request.scope) or "unmatched"
        metrics.http_requests.labels(
            self.service, request.method, template, f"{response.status_code // 100}xx"
        ).inc()
        return response
