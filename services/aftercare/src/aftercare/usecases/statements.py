"""The statement draft (verklaring voor melding of aangifte): prepared by the requester through
their status link and, with their consent, seen and completed by their peer.

The draft is one ciphertext under the case's own key (erasing the case shreds it with the
rest), written with a version so two tabs never overwrite each other silently. Every view
and change is audited; nothing about it is ever announced: no event names a draft.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date

from ontour import clock
from ontour.application.errors import Conflict, Forbidden, NotFound, Refused, VersionConflict
from ontour.application.unit_of_work import UnitOfWork, locked, save, unit_of_work
from ontour.audit import Caller
from ontour.crypto import FieldCipher, RecordKey
from ontour.db import Sessions

from aftercare.domain import statement as rules
from aftercare.domain.statement import Statement
from aftercare.keystore import CaseKeys, field_context
from aftercare.models import CaseRow, StatementRow
from aftercare.usecases import cases

AUDITED = "verklaring"  # the object type of a draft in the audit log (its id: the case's)
DEAD_LINK = "Deze statuslink werkt niet (meer)."
NOT_SHARED = "De aanvrager deelt deze verklaring (nog) niet met u."
DELETED_ELSEWHERE = (
    "De verklaring is intussen gewist, misschien in een ander venster. Laad de pagina opnieuw."
)


class NotPrintable(Exception):
    """The draft cannot be printed yet: not saved (``missing`` empty) or without what the
    police need (``missing`` names those fields)."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__(", ".join(missing) or "not saved")
        self.missing = missing


@dataclass(frozen=True, slots=True)
class Draft:
    """A case's statement as its viewer sees it: saved (``version`` > 0) or a fresh start
    from the case (``version`` 0)."""

    case_id: uuid.UUID
    statement: Statement
    version: int
    shared_with_peer_id: str | None
    peer_id: str | None  # the case's peer now

    @property
    def saved(self) -> bool:
        return self.version > 0

    @property
    def shared(self) -> bool:
        """Shared with the case's current peer (a consent is for one peer, not a next one)."""
        return self.peer_id is not None and self.shared_with_peer_id == self.peer_id


def _context(case_id: uuid.UUID) -> bytes:
    return field_context(case_id, "statement")


async def _key(cipher: FieldCipher, keys: CaseKeys, case_id: uuid.UUID) -> RecordKey:
    key = await keys.key_of(cipher, case_id)
    if key is None:  # the case's key is destroyed: it is being erased
        raise NotFound(cases.MISSING)
    return key


def _sealed(key: RecordKey, case_id: uuid.UUID, statement: Statement) -> bytes:
    return key.encrypt(json.dumps(rules.as_record(statement)), _context(case_id))


def _draft(row: CaseRow, stored: StatementRow | None, key: RecordKey) -> Draft:
    if stored is None:
        story = key.unseal(field_context(row.id, "story"), row.story_enc)
        start = rules.prefilled(
            story=story, happened_on=row.happened_on, still_ongoing=row.still_ongoing,
            incident_categories=row.incident_categories,
        )  # fmt: skip
        return Draft(row.id, start, 0, None, row.peer_id)
    record = json.loads(key.decrypt(bytes(stored.content_enc), _context(row.id)))
    return Draft(
        row.id, rules.from_record(record), stored.version, stored.shared_with_peer_id, row.peer_id
    )


async def _requester_case(sessions: Sessions, token: str) -> CaseRow:
    row = await cases.by_status_link(sessions, token)
    if row is None:
        raise NotFound(DEAD_LINK)
    return row


async def _read(
    work: UnitOfWork, cipher: FieldCipher, keys: CaseKeys, case_id: uuid.UUID, printing: bool
) -> Draft:
    """The draft, its view audited: "lezen", or "downloaden" when it is printed (only a
    saved draft with what the police need: else :class:`NotPrintable`, and no view)."""
    row = await cases.locked_case(work.session, case_id, None)
    stored = await work.session.get(StatementRow, case_id)
    draft = _draft(row, stored, await _key(cipher, keys, case_id))
    if printing and not draft.saved:
        raise NotPrintable(())
    if printing and (missing := rules.missing_for_pdf(draft.statement)):
        raise NotPrintable(missing)
    await work.audit("downloaden" if printing else "lezen", AUDITED, str(case_id))
    return draft


def _checked(statement: Statement, today: date) -> Statement:
    found = rules.violations(statement, today)
    if found:
        name, reason = next(iter(found.items()))
        raise Refused(reason, name)
    return statement


async def _write(
    work: UnitOfWork,
    key: RecordKey,
    case_id: uuid.UUID,
    statement: Statement,
    expected_version: int,
) -> int:
    """Store the draft at the version the writer based it on (0: a new draft)."""
    session = work.session
    sealed = _sealed(key, case_id, statement)
    if expected_version == 0:  # the case is locked: no other writer can add one meanwhile
        existing = await session.get(StatementRow, case_id)
        if existing is not None:
            raise VersionConflict(existing.version)
        session.add(StatementRow(case_id=case_id, content_enc=sealed))
        await session.flush()
        await work.audit("aanmaken", AUDITED, str(case_id))
        return 1
    try:
        stored = await locked(session, StatementRow, case_id, expected_version)
    except NotFound:
        raise Conflict(DELETED_ELSEWHERE) from None
    version = await save(session, stored, content_enc=sealed)
    await work.audit("wijzigen", AUDITED, str(case_id))
    return version


# --- the requester, through their status link ---------------------------------------------------


async def open_for_requester(
    sessions: Sessions, caller: Caller, cipher: FieldCipher, keys: CaseKeys, token: str,
    *, printing: bool = False,
) -> Draft:  # fmt: skip
    """The requester's draft (or a fresh one from what they told us); the view is audited."""
    row = await _requester_case(sessions, token)
    async with unit_of_work(sessions, caller) as work:
        return await _read(work, cipher, keys, row.id, printing)


async def save_for_requester(
    sessions: Sessions, caller: Caller, cipher: FieldCipher, keys: CaseKeys, token: str,
    statement: Statement, *, expected_version: int,
) -> int:  # fmt: skip
    """Save the requester's draft; the new version."""
    row = await _requester_case(sessions, token)
    _checked(statement, clock.today())
    async with unit_of_work(sessions, caller) as work:
        await cases.locked_case(work.session, row.id, None)
        key = await _key(cipher, keys, row.id)
        return await _write(work, key, row.id, statement, expected_version)


async def delete_for_requester(
    sessions: Sessions, caller: Caller, token: str, *, expected_version: int
) -> None:
    """The requester deletes their draft (again: nothing to do)."""
    row = await _requester_case(sessions, token)
    async with unit_of_work(sessions, caller) as work:
        await work.audit("wissen", AUDITED, str(row.id))
        try:
            stored = await locked(work.session, StatementRow, row.id, expected_version)
        except NotFound:
            return
        await work.session.delete(stored)


async def share_with_peer(
    sessions: Sessions, caller: Caller, token: str, share: bool, *, expected_version: int
) -> int:
    """The requester shares the draft with their peer of now, or stops sharing it."""
    row = await _requester_case(sessions, token)
    async with unit_of_work(sessions, caller) as work:
        case = await cases.locked_case(work.session, row.id, None)
        if share and case.peer_id is None:
            raise Refused("u heeft nog geen peer om de verklaring mee te delen", "share")
        try:
            stored = await locked(work.session, StatementRow, row.id, expected_version)
        except NotFound:
            raise Refused("sla de verklaring eerst op; daarna kunt u haar delen", "share") from None
        version = await save(
            work.session, stored, shared_with_peer_id=case.peer_id if share else None
        )
        await work.audit("delen" if share else "niet meer delen", AUDITED, str(row.id))
    return version


# --- the peer, with the requester's consent -------------------------------------------------------


async def _shared_with(work: UnitOfWork, case_id: uuid.UUID) -> None:
    """Refuse anyone but the case's peer, and the peer without the requester's consent."""
    viewer = work.caller.signed_in
    row = await cases.locked_case(work.session, case_id, None)
    if row.peer_id != viewer.subject:
        raise Forbidden("Alleen de peer van dit verzoek kan de verklaring zien.")
    stored = await work.session.get(StatementRow, case_id)
    if stored is None or stored.shared_with_peer_id != viewer.subject:
        raise Forbidden(NOT_SHARED)


async def open_for_peer(
    sessions: Sessions, caller: Caller, cipher: FieldCipher, keys: CaseKeys,
    case_id: uuid.UUID, *, printing: bool = False,
) -> Draft:  # fmt: skip
    """The draft the requester shares with this peer; the view is audited."""
    async with unit_of_work(sessions, caller) as work:
        await _shared_with(work, case_id)
        return await _read(work, cipher, keys, case_id, printing)


async def save_for_peer(
    sessions: Sessions, caller: Caller, cipher: FieldCipher, keys: CaseKeys,
    case_id: uuid.UUID, statement: Statement, *, expected_version: int,
) -> int:  # fmt: skip
    """The peer helps complete the shared draft; the new version."""
    _checked(statement, clock.today())
    async with unit_of_work(sessions, caller) as work:
        await _shared_with(work, case_id)
        if expected_version == 0:
            raise Conflict(DELETED_ELSEWHERE)
        key = await _key(cipher, keys, case_id)
        return await _write(work, key, case_id, statement, expected_version)
