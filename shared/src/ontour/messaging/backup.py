"""Back up and restore JetStream streams through the server's snapshot API.

No NATS command-line tool installs from the package registries this project reaches, so
``ontour streams backup`` and ``ontour streams restore`` (deploy/backup in local mode) speak
the JetStream API themselves. A stream's backup is a directory with the two files ``nats
stream backup`` writes: ``backup.json`` (the stream's configuration and state at the
snapshot, as the server described them) and ``stream.tar.s2`` (the snapshot as the server
sent it). Not checked against natscli itself (not installed here).

What is backed up, and what deliberately is not: :data:`BACKED_UP` and :data:`NOT_BACKED_UP`
(every stream of the backbone is in exactly one of them; tests/deploy checks that).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg

from ontour.messaging.streams import CASE_KEY_BUCKET, SESSION_BUCKET, STREAMS

STATE_FILE = "backup.json"
SNAPSHOT_FILE = "stream.tar.s2"
CHUNK_BYTES = 128 * 1024
API_TIMEOUT_SECONDS = 10.0
# Between two chunks of a snapshot, and for the server to rebuild a stream from a restore.
TRANSFER_TIMEOUT_SECONDS = 60.0
NOT_FOUND = 404

# The event streams, the dead letters (parked work not yet re-driven) and the audit anchors
# (a restored audit trail is checked against them).
BACKED_UP = tuple(spec.name for spec in STREAMS)
NOT_BACKED_UP = {
    f"KV_{CASE_KEY_BUCKET}": (
        "de sleutels van nazorgdossiers: een dossier wordt gewist door zijn sleutel te "
        "vernietigen (crypto-shredding), dus geen back-up mag een sleutel bevatten die een "
        "restore zou terugbrengen"
    ),
    f"KV_{SESSION_BUCKET}": (
        "browsersessies: leven enkele uren, en een teruggezette sessie zou na het "
        "afmelden weer geldig zijn; na een restore meldt iedereen zich opnieuw aan"
    ),
}


class StreamBackupError(RuntimeError):
    """The server refused or broke off a snapshot or a restore (message in Dutch: operators
    read it)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class StreamPosition:
    """How many messages a stream holds and the sequence of its last one."""

    messages: int
    last_sequence: int

    @classmethod
    def of(cls, state: dict[str, Any]) -> StreamPosition:
        return cls(messages=int(state.get("messages", 0)), last_sequence=int(state["last_seq"]))


async def _api(nc: Client, subject: str, request: dict[str, Any]) -> dict[str, Any]:
    reply = await nc.request(subject, json.dumps(request).encode(), timeout=API_TIMEOUT_SECONDS)
    return _answer(reply)


def _answer(reply: Msg) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(reply.data)
    if "error" in body:
        error = body["error"]
        code = error.get("code")
        raise StreamBackupError(f"{error.get('description', error)} (code {code})", code)
    return body


def _refuse_excluded(stream: str) -> None:
    if stream in NOT_BACKED_UP:
        raise StreamBackupError(f"{stream} komt nooit in een back-up: {NOT_BACKED_UP[stream]}")


async def stream_info(nc: Client, stream: str) -> dict[str, Any]:
    """The server's description of a stream (``config`` and ``state``), as JSON."""
    return await _api(nc, f"$JS.API.STREAM.INFO.{stream}", {})


async def backup_stream(nc: Client, stream: str, directory: Path) -> StreamPosition:
    """Snapshot ``stream`` (its messages, without consumers) into ``directory`` (empty)."""
    _refuse_excluded(stream)
    inbox = nc.new_inbox()
    chunks = await nc.subscribe(inbox)
    try:
        answer = await _api(
            nc,
            f"$JS.API.STREAM.SNAPSHOT.{stream}",
            {"deliver_subject": inbox, "no_consumers": True, "chunk_size": CHUNK_BYTES},
        )
        with (directory / SNAPSHOT_FILE).open("wb") as snapshot:
            while True:
                chunk = await chunks.next_msg(timeout=TRANSFER_TIMEOUT_SECONDS)
                if not chunk.data:  # the end, or the reason the server broke off
                    status = (chunk.headers or {}).get("Status")
                    if status and not status.startswith("2"):
                        description = (chunk.headers or {}).get("Description", "")
                        raise StreamBackupError(
                            f"snapshot van {stream} afgebroken: {status} {description}"
                        )
                    break
                snapshot.write(chunk.data)
                if chunk.reply:  # flow control: the server sends on as we acknowledge
                    await nc.publish(chunk.reply, b"")
    finally:
        await chunks.unsubscribe()
    backup = {"config": answer["config"], "state": answer["state"]}
    (directory / STATE_FILE).write_text(json.dumps(backup, indent=2) + "\n", encoding="utf-8")
    return StreamPosition.of(answer["state"])


def backed_up_position(directory: Path) -> StreamPosition:
    return StreamPosition.of(_read_backup(directory)["state"])


def _read_backup(directory: Path) -> dict[str, Any]:
    backup: dict[str, Any] = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
    return backup


async def restore_stream(
    nc: Client, directory: Path, *, replicas: int | None = None
) -> StreamPosition:
    """Rebuild the stream backed up in ``directory``; the server refuses if it exists.

    A stream that exists but never held a message (made by ``ontour streams ensure`` or a
    service's start) is replaced: a restore goes into a fresh system. ``replicas`` overrides
    the backed-up replica count (a backup of a cluster restored on one server, or back)."""
    backup = _read_backup(directory)
    config, state = backup["config"], backup["state"]
    stream = config["name"]
    _refuse_excluded(stream)
    if replicas is not None:
        config["num_replicas"] = replicas
    await _remove_if_never_used(nc, stream)
    answer = await _api(nc, f"$JS.API.STREAM.RESTORE.{stream}", {"config": config, "state": state})
    target = answer["deliver_subject"]
    with (directory / SNAPSHOT_FILE).open("rb") as snapshot:
        while chunk := snapshot.read(CHUNK_BYTES):
            _answer_empty(await nc.request(target, chunk, timeout=TRANSFER_TIMEOUT_SECONDS))
    created = _answer(await nc.request(target, b"", timeout=TRANSFER_TIMEOUT_SECONDS))
    return StreamPosition.of(created["state"])


def _answer_empty(reply: Msg) -> None:
    """A chunk's acknowledgement is empty; anything else is the server giving up."""
    if reply.data:
        _answer(reply)


async def _remove_if_never_used(nc: Client, stream: str) -> None:
    try:
        info = await stream_info(nc, stream)
    except StreamBackupError as error:
        if error.code == NOT_FOUND:
            return  # no such stream: the restore creates it
        raise
    if int(info["state"].get("last_seq", 0)) > 0:
        raise StreamBackupError(
            f"stream {stream} bevat al berichten: terugzetten kan alleen in een nieuw systeem"
        )
    await _api(nc, f"$JS.API.STREAM.DELETE.{stream}", {})
