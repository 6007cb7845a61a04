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
15) times through the busiest pages and APIs (a closed loop: every user waits for each answer
before the next request).

Two runs, each with a load generator of its own:

- **The user model**: a user reads a page before the next click. Before every request a user
  thinks for a random time, exponentially distributed with mean ``THINK_SECONDS`` (env
  ``BENCH_PAGES_THINK``, default 1.0 s; at most :data:`THINK_CAP` times the mean, so the run
  stays bounded), drawn from a generator seeded per user (env ``BENCH_PAGES_SEED``, default
  1): every run asks in the same rhythm. The goal is measured here: per page p95 < 100 ms
  and no errors.
- **Saturation**: the same users without any pause (the old loop). The machine is then as
  busy as it gets, the latencies say mostly how long the queue is (by Little's law the mean
  response time is ``USERS`` / throughput), and the figures that show an improvement
  robustly are the throughput and the CPU per request of every process. With
  ``BENCH_PAGES_THINK=0`` the user model *is* this loop and runs once.

Per page p50/p95/p99 and errors (anything but a 200); the floor in the same run is a static
``/intake/health/live`` in every user's round, which goes through Caddy and the service's
middleware but touches no database. The CPU of the system is measured from after the users
signed in until the last answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
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
THINK_SECONDS = float(os.environ.get("BENCH_PAGES_THINK", "1.0"))
SEED = int(os.environ.get("BENCH_PAGES_SEED", "1"))
THINK_CAP = 5  # a think time is at most this many times the mean
CORES = os.cpu_count() or 1  # the machine the system and the load generator share
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


def think_times(mean: float, seed: int, user: int) -> Iterator[float]:
    """A user's pauses before each request: exponential with ``mean`` seconds (capped at
    :data:`THINK_CAP` times the mean), from a generator of its own seeded by ``seed`` and
    the user's number; all zero for a mean of 0 (the saturation loop)."""
    rng = random.Random(f"{seed}-{user}")
    while True:
        yield min(rng.expovariate(1 / mean), THINK_CAP * mean) if mean > 0 else 0.0


async def rounds(
    number: int, clients: dict[str, httpx.AsyncClient], config: dict[str, Any]
) -> dict[str, list[float | None]]:
    """One user's ``iterations`` rounds over the targets, each user starting at another
    target so that they do not all ask for the same page at once. A sample is the seconds
    until the whole answer is in, or None for an error."""
    names = list(config["targets"])
    samples: dict[str, list[float | None]] = {name: [] for name in names}
    think = think_times(config["think_seconds"], config["seed"], number)
    for _ in range(config["iterations"]):
        for offset in range(len(names)):
            name = names[(number + offset) % len(names)]
            how, path = config["targets"][name]
            pause = next(think)
            if pause:
                await asyncio.sleep(pause)
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
    """Sign every user in, say so on stdout and wait for a line on stdin (the run measures the
    system's CPU from then on), then play the users."""
    users = await asyncio.gather(*(signed_in_user(config) for _ in range(config["users"])))
    print("signed in", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
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
    """``python -m bench.bench_pages``: the config as a line of JSON on stdin; "signed in"
    on stdout once the users are, then a line on stdin to start; the samples as JSON on
    stdout."""
    config = json.loads(sys.stdin.readline())
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


async def run_load(stack: Stack, config: dict[str, Any]) -> dict[str, Any]:
    """The load generator in a process of its own (``python -m bench.bench_pages``), with the
    CPU seconds each part of the system used from after sign-in until the last answer."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.bench_pages",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps(config).encode() + b"\n")
    await process.stdin.drain()
    if (await process.stdout.readline()).strip() != b"signed in":
        await process.wait()
        raise RuntimeError(f"load generator exited with {process.returncode} before the run")
    cpu_before = cpu_seconds(stack)
    process.stdin.write(b"go\n")
    await process.stdin.drain()
    out = await process.stdout.read()
    cpu_after = cpu_seconds(stack)
    await process.wait()
    if process.returncode:
        raise RuntimeError(f"load generator exited with {process.returncode}")
    result: dict[str, Any] = json.loads(out)
    result["cpu_seconds"] = {
        name: round(cpu_after[name] - before, 2)
        for name, before in cpu_before.items()
        if name in cpu_after
    }
    return result


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU seconds (user + system) so far of each part of the system, with its children
    (PostgreSQL's backends): less sensitive to other work on the machine than latency."""
    used: dict[str, float] = {}
    for process in stack.processes:
        try:
            parent = psutil.Process(process.child.pid)
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
            "seed": SEED,
        }
        runs: dict[str, Any] = {}
        loads: dict[str, float] = {}
        for name, think in [("user model", THINK_SECONDS), ("saturation", 0.0)]:
            if name == "saturation" and not THINK_SECONDS:
                break  # the user model was the saturation loop already
            loads[name] = os.getloadavg()[0]
            runs[name] = await run_load(stack, {**config, "think_seconds": think})
    except BaseException:
        print(f"the system's logs are kept in {home / 'logs'}", flush=True)
        await asyncio.to_thread(stack.stop)
        raise
    await asyncio.to_thread(stack.stop)
    shutil.rmtree(home, ignore_errors=True)
    return report(runs, loads, config, demo, demo_seconds, settle_seconds, data, load_before)


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


def figures(measured: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """A run's figures: per page, throughput, CPU per request, and Little's law for it."""
    pages: dict[str, Any] = {}
    every: list[float] = []
    for name, samples in measured["samples"].items():
        ok = [s for s in samples if s is not None]
        every += ok
        pages[name] = {
            "path": config["targets"][name][1],
            "requests": len(samples),
            "errors": len(samples) - len(ok),
            **percentiles(ok),
        }
    total = sum(p["requests"] for p in pages.values())
    seconds = measured["seconds"]
    cpu = measured["cpu_seconds"]
    all_cpu = sum(cpu.values())
    throughput = total / seconds
    cpu_ms = all_cpu * 1000 / total
    generator_ms = measured["load_generator_cpu_seconds"] * 1000 / total
    return {
        "requests": total,
        "seconds": round(seconds, 1),
        "throughput_per_s": round(throughput, 1),
        "mean_ms": round(sum(every) / len(every) * 1000, 1) if every else None,
        "pages": pages,
        "cpu_seconds": cpu,
        "cpu_ms_per_request": cpu_per_request(cpu, pages),
        # Every process of the system (PostgreSQL, Caddy, NATS and the IdP included),
        # per request; the load generator apart (it shares the cores, it is no part of it).
        "system_cpu_ms_per_request": round(cpu_ms, 1),
        "load_generator_cpu_ms_per_request": round(generator_ms, 1),
        # Share of the machine's cores the system kept busy.
        "utilisation": round(all_cpu / seconds / CORES, 2),
        # Little's law for a closed loop without think time: R = N / X; the best throughput
        # the cores allow is cores / CPU per request (load generator included).
        "little_mean_ms": round(config["users"] / throughput * 1000, 1),
        "max_throughput_per_s": round(CORES * 1000 / (cpu_ms + generator_ms), 1),
    }


def report(
    runs: dict[str, Any],
    loads: dict[str, float],
    config: dict[str, Any],
    demo: list[str],
    demo_seconds: float,
    settle_seconds: float,
    data: dict[str, int],
    load_before: tuple[float, float, float],
) -> dict[str, Any]:
    found = {name: figures(measured, config) for name, measured in runs.items()}
    model = found["user model"]
    saturation = found.get("saturation", model)
    pages = model["pages"]
    floor = pages[FLOOR]["p95_ms"]
    think = (
        f"think time exponential, mean {THINK_SECONDS:g} s (at most {THINK_CAP * THINK_SECONDS:g}"
        f" s), seed {SEED}"
        if THINK_SECONDS
        else "no think time (saturation)"
    )
    summary = [
        f"load average before: {load_before[0]:.1f} (user model: {loads['user model']:.1f}"
        + (f", saturation: {loads['saturation']:.1f})" if "saturation" in loads else ")"),
        f"demo at scale {SCALE} loaded in {demo_seconds:.0f} s, events settled after "
        f"{settle_seconds:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in data.items()),
        *(f"  {line}" for line in demo),
    ]
    for name, run in found.items():
        summary += [
            f"{name}: {config['users']} users x {config['iterations']} rounds, "
            f"{think if name == 'user model' else 'no think time'}: {run['requests']:,} requests"
            f" in {run['seconds']} s ({run['throughput_per_s']}/s), mean response"
            f" {run['mean_ms']} ms; system CPU {run['system_cpu_ms_per_request']} ms per request"
            f" (all processes), {run['utilisation']:.0%} of {CORES} cores; load generator"
            f" {run['load_generator_cpu_ms_per_request']} ms per request",
            "  CPU per request: "
            + ", ".join(f"{s} {ms} ms" for s, ms in run["cpu_ms_per_request"].items())
            + "; CPU in all: "
            + ", ".join(f"{s} {seconds:.1f} s" for s, seconds in run["cpu_seconds"].items()),
        ]
    summary.append(
        f"Little's law (saturation): {config['users']} users / {saturation['throughput_per_s']}/s"
        f" = {saturation['little_mean_ms']} ms mean response (measured"
        f" {saturation['mean_ms']} ms); at {saturation['system_cpu_ms_per_request']}"
        f" + {saturation['load_generator_cpu_ms_per_request']} ms CPU per request {CORES} cores"
        f" give at most {saturation['max_throughput_per_s']}/s, so at least"
        f" {config['users'] / saturation['max_throughput_per_s'] * 1000:.0f} ms mean response"
        " without think time"
    )
    goals = []
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
                "name": f"{name} p95, {config['users']} users (floor {floor} ms)",
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
        "think_seconds": THINK_SECONDS,
        "seed": SEED,
        "cores": CORES,
        "load_average_before": load_before[0],
        "load_average_before_run": loads,
        "floor_p95_ms": floor,
        "pages": pages,
        "runs": found,
    }


if __name__ == "__main__":
    load_main()
