"""Pages and APIs under load: 20 signed-in users on the whole system with five years of demo data.

The whole system runs as ``make demo`` runs it (:class:`ontour.devstack.stack.Stack`: its own
PostgreSQL, nats-server, development IdP, the four services and the front door under uvicorn,
Caddy in front), on free ports in a temporary directory, loaded with the demo at five-year
scale (``ONTOUR_DEMO_SCALE``, env ``BENCH_PAGES_SCALE``, default 5: about 1,000 voorgesprekken
since five years ago, 300 aftercare requests). Once every event has been processed, a load
generator in a second process (``python -m bench.bench_pages``, loopback only) plays ``USERS``
(env ``BENCH_PAGES_USERS``, default 20) concurrent users of the coordinator's role: each
signs in through the IdP as a browser does (a session cookie for the pages) and fetches an ID
token (Bearer for the APIs), then goes ``ITERATIONS`` (env ``BENCH_PAGES_ITERATIONS``, default
15) times through the busiest pages and APIs, without pause (a closed loop: every user
waits for each answer before the next request).

Per page p50/p95/p99 and errors (anything but a 200); the floor in the same run is a static
``/intake/health/live`` in every user's round, which goes through Caddy and the service's
middleware but touches no database. Goal per page: p95 < 100 ms and no errors.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psutil
from ontour.clock import today
from ontour.devstack.demo import load_demo
from ontour.devstack.idp import fetch_id_token
from ontour.devstack.servers import free_port
from ontour.devstack.stack import Stack, database_url, service_names
from ontour.devstack.tour_calendar import SCALE as SCALE_VARIABLE
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

USERS = int(os.environ.get("BENCH_PAGES_USERS", "20"))
ITERATIONS = int(os.environ.get("BENCH_PAGES_ITERATIONS", "15"))
SCALE = int(os.environ.get("BENCH_PAGES_SCALE", "5"))
GOAL_P95_MS = 100.0
FLOOR = "health/live"
SUBJECT = "carla.coordinator"  # the demo coordinator: sees every one of these pages


def targets(today: date) -> dict[str, tuple[str, str]]:
    """Name -> (how the user is signed in, path): pages with the session cookie, APIs with
    the Bearer token."""
    month = today.strftime("%Y-%m")
    first = today.replace(day=1).isoformat()
    last = date(today.year + today.month // 12, today.month % 12 + 1, 1).isoformat()
    return {
        "organisaties (pagina)": ("cookie", "/intake/"),
        "organisaties (API)": ("bearer", "/intake/api/v1/organisaties?per_pagina=50"),
        "voorgesprekformulier (pagina)": ("cookie", "/intake/voorgesprekken/nieuw"),
        "voorgesprekken (API)": ("bearer", "/intake/api/v1/voorgesprekken?per_pagina=50"),
        "agenda maand (pagina)": ("cookie", f"/scheduling/agenda?maand={month}"),
        "sessies maand (API)": ("bearer", f"/scheduling/api/v1/sessies?van={first}&tot={last}"),
        "nazorg wachtrij (pagina)": ("cookie", "/aftercare/wachtrij"),
        "nazorgverzoeken (API)": ("bearer", "/aftercare/api/v1/verzoeken"),
        "rapportage dashboard (pagina)": ("cookie", "/reporting/"),
        "rapportage tour (API)": ("bearer", "/reporting/api/v1/tour"),
        FLOOR: ("bearer", "/intake/health/live"),
    }


# --- the load generator (its own process) ---------------------------------------------------------


def as_on_localhost(client: httpx.AsyncClient) -> None:
    """The services set their cookies Secure; a browser sends those to http://127.0.0.1 too
    (a secure context), httpx only over https: treat the jar as a browser would."""
    for cookie in client.cookies.jar:
        cookie.secure = False


async def sign_in(client: httpx.AsyncClient, subject: str) -> None:
    """As a browser: /aanmelden, the IdP's form (one button per demo user), the callback."""
    to_idp = await client.get("/aanmelden")
    as_on_localhost(client)
    authorize = to_idp.headers["location"]
    chosen = await client.post(authorize, data={"sub": subject})
    callback = chosen.headers["location"]
    signed_in = await client.get(callback)
    as_on_localhost(client)
    if signed_in.status_code != 303 or not client.cookies:
        raise RuntimeError(f"aanmelden mislukt: {signed_in.status_code} {signed_in.text[:200]}")


async def signed_in_user(config: dict[str, Any]) -> dict[str, httpx.AsyncClient]:
    """A user's browser (a session cookie, for the pages) and API client (a Bearer token),
    each on a connection of its own; the user waits for every answer before the next."""
    token = await asyncio.to_thread(fetch_id_token, config["issuer"], SUBJECT)
    clients = {
        how: httpx.AsyncClient(
            base_url=config["base_url"], timeout=30.0, limits=httpx.Limits(max_connections=1)
        )
        for how in ("cookie", "bearer")
    }
    clients["bearer"].headers["Authorization"] = f"Bearer {token}"
    await sign_in(clients["cookie"], SUBJECT)
    return clients


async def rounds(
    number: int, clients: dict[str, httpx.AsyncClient], config: dict[str, Any]
) -> dict[str, list[float | None]]:
    """One user's ``iterations`` rounds over the targets, each user starting at another
    target so that they do not all ask for the same page at once. A sample is the seconds
    until the whole answer is in, or None for an error."""
    names = list(config["targets"])
    samples: dict[str, list[float | None]] = {name: [] for name in names}
    for _ in range(config["iterations"]):
        for offset in range(len(names)):
            name = names[(number + offset) % len(names)]
            how, path = config["targets"][name]
            began = time.perf_counter()
            try:
                response = await clients[how].get(path)
            except httpx.HTTPError:
                samples[name].append(None)
                continue
            elapsed = time.perf_counter() - began
            samples[name].append(elapsed if response.status_code == 200 else None)
    return samples


async def generate_load(config: dict[str, Any]) -> dict[str, Any]:
    users = await asyncio.gather(*(signed_in_user(config) for _ in range(config["users"])))
    cpu_before = time.process_time()
    began = time.perf_counter()
    try:
        results = await asyncio.gather(
            *(rounds(n, clients, config) for n, clients in enumerate(users))
        )
    finally:
        for clients in users:
            for client in clients.values():
                await client.aclose()
    seconds = time.perf_counter() - began
    merged: dict[str, list[float | None]] = {name: [] for name in config["targets"]}
    for samples in results:
        for name, values in samples.items():
            merged[name].extend(values)
    return {
        "seconds": seconds,
        "samples": merged,
        "load_generator_cpu_seconds": time.process_time() - cpu_before,
    }


def load_main() -> None:
    """``python -m bench.bench_pages``: the config as JSON on stdin, the samples on stdout."""
    config = json.loads(sys.stdin.read())
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        print(json.dumps(runner.run(generate_load(config))))


# --- the run (this process: the system, the demo, the figures) ------------------------------------


def percentiles(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def start_system(home: Path) -> Stack:

    stack = Stack(
        home=home,
        http_port=free_port(),
        idp_port=free_port(),
        frontdoor_port=free_port(),
        service_ports={name: free_port() for name in service_names()},
        metrics_ports={name: free_port() for name in service_names()},
        nats_port=free_port(),
        nats_monitor_port=free_port(),
        postgres_port=free_port(),
    )
    try:
        stack.start()
    except BaseException:
        stack.stop()
        raise
    return stack


def load_scaled_demo(stack: Stack) -> tuple[list[str], float]:

    os.environ[SCALE_VARIABLE] = str(SCALE)
    try:
        started = time.perf_counter()
        lines = load_demo(stack.home, f"http://127.0.0.1:{stack.http_port}", stack.issuer)
        return lines, time.perf_counter() - started
    finally:
        del os.environ[SCALE_VARIABLE]


HAS_OUTBOX = "SELECT to_regclass('outbox') IS NOT NULL"
UNSENT = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"


async def quiet(stack: Stack, timeout: float = 600.0) -> float:
    """Seconds until every event is processed: no message pending or unacknowledged on any
    JetStream consumer (nats-server's monitoring port) and every outbox sent, so that the
    load is measured without the projections still working in the background."""

    server = f"postgresql+asyncpg://postgres@127.0.0.1:{stack.postgres_port}/postgres"
    engines = [create_async_engine(database_url(server, name)) for name in stack.services]
    started = time.perf_counter()
    monitor = f"http://127.0.0.1:{stack.nats_monitor_port}/jsz?consumers=true"
    try:
        async with httpx.AsyncClient() as client:
            while time.perf_counter() - started < timeout:
                state = (await client.get(monitor)).json()
                pending = sum(
                    consumer["num_pending"] + consumer["num_ack_pending"]
                    for account in state.get("account_details", [])
                    for stream in account.get("stream_detail", [])
                    for consumer in stream.get("consumer_detail", [])
                )
                unsent = 0
                for engine in engines:
                    async with engine.connect() as conn:
                        if (await conn.execute(text(HAS_OUTBOX))).scalar_one():
                            unsent += (await conn.execute(text(UNSENT))).scalar_one()
                if not pending and not unsent:
                    return time.perf_counter() - started
                await asyncio.sleep(1.0)
    finally:
        for engine in engines:
            await engine.dispose()
    raise TimeoutError(f"events still pending after {timeout:.0f} s")


async def run_load(config: dict[str, Any]) -> dict[str, Any]:
    """The load generator in a process of its own (``python -m bench.bench_pages``)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.bench_pages",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    out, _ = await process.communicate(json.dumps(config).encode())
    if process.returncode:
        raise RuntimeError(f"load generator exited with {process.returncode}")
    result: dict[str, Any] = json.loads(out)
    return result


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU seconds (user + system) so far of each part of the system, with its children
    (PostgreSQL's backends): less sensitive to other work on the machine than latency."""
    used: dict[str, float] = {}
    for process in stack.processes:
        try:
            parent = psutil.Process(process.popen.pid)
            total = 0.0
            for each in [parent, *parent.children(recursive=True)]:
                times = each.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:  # restarted meanwhile: the figure would be wrong
            continue
        used[process.name] = total
    return used


async def volumes(stack: Stack) -> dict[str, int]:
    """How much data the pages work on."""

    server = f"postgresql+asyncpg://postgres@127.0.0.1:{stack.postgres_port}/postgres"
    queries = {
        "voorgesprekken": ("intake", "SELECT count(*) FROM voorgesprek"),
        "organisaties": ("intake", "SELECT count(*) FROM organisation"),
        "sessies": ("scheduling", "SELECT count(*) FROM session"),
        "nazorgverzoeken": ("aftercare", "SELECT count(*) FROM aftercare_case"),
    }
    found: dict[str, int] = {}
    for name, (service, query) in queries.items():
        engine = create_async_engine(database_url(server, service))
        try:
            async with engine.connect() as conn:
                found[name] = (await conn.execute(text(query))).scalar_one()
        finally:
            await engine.dispose()
    return found


async def run() -> dict[str, Any]:

    load_before = os.getloadavg()
    home = Path(tempfile.mkdtemp(prefix="ontour-bench-pages-"))
    stack = await asyncio.to_thread(start_system, home)
    try:
        demo, demo_seconds = await asyncio.to_thread(load_scaled_demo, stack)
        settle_seconds = await quiet(stack)
        data = await volumes(stack)
        config = {
            "base_url": f"http://127.0.0.1:{stack.http_port}",
            "issuer": stack.issuer,
            "users": USERS,
            "iterations": ITERATIONS,
            "targets": targets(today()),
        }
        cpu_before = cpu_seconds(stack)
        measured = await run_load(config)
        cpu_after = cpu_seconds(stack)
        measured["cpu_seconds"] = {
            name: round(cpu_after[name] - before, 2)
            for name, before in cpu_before.items()
            if name in cpu_after
        }
    except BaseException:
        print(f"the system's logs are kept in {home / 'logs'}", flush=True)
        await asyncio.to_thread(stack.stop)
        raise
    await asyncio.to_thread(stack.stop)
    shutil.rmtree(home, ignore_errors=True)
    return report(measured, config, demo, demo_seconds, settle_seconds, data, load_before)


def cpu_per_request(cpu: dict[str, float], pages: dict[str, Any]) -> dict[str, float]:
    """Each service's CPU milliseconds per request it answered (its own process only)."""
    answered: dict[str, int] = {}
    for page in pages.values():
        service = page["path"].split("/")[1]
        answered[service] = answered.get(service, 0) + page["requests"]
    return {
        service: round(cpu[service] * 1000 / count, 1)
        for service, count in answered.items()
        if service in cpu and count
    }


def report(
    measured: dict[str, Any],
    config: dict[str, Any],
    demo: list[str],
    demo_seconds: float,
    settle_seconds: float,
    data: dict[str, int],
    load_before: tuple[float, float, float],
) -> dict[str, Any]:
    pages: dict[str, Any] = {}
    for name, samples in measured["samples"].items():
        ok = [s for s in samples if s is not None]
        pages[name] = {
            "path": config["targets"][name][1],
            "requests": len(samples),
            "errors": len(samples) - len(ok),
            **percentiles(ok),
        }
    floor = pages[FLOOR]["p95_ms"]
    total = sum(p["requests"] for p in pages.values())
    goals = []
    summary = [
        f"load average before: {load_before[0]:.1f}",
        f"demo at scale {SCALE} loaded in {demo_seconds:.0f} s, events settled after "
        f"{settle_seconds:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in data.items()),
        *(f"  {line}" for line in demo),
        f"{config['users']} users x {config['iterations']} rounds: {total:,} requests in "
        f"{measured['seconds']:.1f} s ({total / measured['seconds']:.0f}/s); load generator "
        f"CPU {measured['load_generator_cpu_seconds']:.1f} s",
    ]
    cpu = measured.get("cpu_seconds", {})
    per_request = cpu_per_request(cpu, pages)
    if cpu:
        summary.append(
            "CPU per request: "
            + ", ".join(f"{name} {ms} ms" for name, ms in per_request.items())
            + "; CPU in all: "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cpu.items())
        )
    for name, page in pages.items():
        line = (
            f"{name}: p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms, p99 {page['p99_ms']} ms,"
            f" {page['errors']} errors"
        )
        if name == FLOOR:
            summary.append(f"{line} (the floor)")
            continue
        met = page["p95_ms"] is not None and page["p95_ms"] < GOAL_P95_MS and not page["errors"]
        summary.append(f"{line}: {'gehaald' if met else 'niet gehaald'}")
        goals.append(
            {
                "name": f"{name} p95 under {config['users']} users (floor {floor} ms)",
                "target": f"< {GOAL_P95_MS:g} ms, 0 errors",
                "measured": f"{page['p95_ms']} ms, {page['errors']} errors",
                "met": met,
            }
        )
    return {
        "summary": summary,
        "goals": goals,
        "scale": SCALE,
        "volumes": data,
        "users": config["users"],
        "iterations": config["iterations"],
        "seconds": round(measured["seconds"], 1),
        "floor_p95_ms": floor,
        "pages": pages,
        "cpu_seconds": cpu,
        "cpu_ms_per_request": per_request,
    }


if __name__ == "__main__":
    load_main()
