"""Where a case's data key lives: a NATS key-value bucket with no history, not the database.

Erasing a case purges its key here. A database backup taken before the erasure holds only
ciphertext, which no master key can open without this key: the data is shredded for good.
"""

from __future__ import annotations

import uuid

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue
from ontour.crypto import FieldCipher, RecordKey


class CaseKeys:
    def __init__(self, bucket: KeyValue) -> None:
        self._bucket = bucket

    async def put(self, case_id: uuid.UUID, wrapped_key: bytes) -> None:
        await self._bucket.put(str(case_id), wrapped_key)

    async def get(self, case_id: uuid.UUID) -> bytes | None:
        try:
            entry = await self._bucket.get(str(case_id))
        except KeyNotFoundError:
            return None
        return entry.value

    async def destroy(self, case_id: uuid.UUID) -> None:
        await self._bucket.purge(str(case_id))

    async def new_key(self, cipher: FieldCipher, case_id: uuid.UUID) -> RecordKey:
        """A fresh data key for a new case, stored (wrapped) before the case is: should the
        case's transaction then fail, an unused key is left over, never a case whose data
        cannot be read."""
        wrapped = cipher.new_data_key()
        await self.put(case_id, wrapped)
        return cipher.unwrap(wrapped)

    async def key_of(self, cipher: FieldCipher, case_id: uuid.UUID) -> RecordKey | None:
        """The case's data key; None once the case was erased (its key destroyed)."""
        wrapped = await self.get(case_id)
        return None if wrapped is None else cipher.unwrap(wrapped)


def field_context(case_id: uuid.UUID, field: str) -> bytes:
    """What a case's field is sealed to: its ciphertext cannot be copied into another case or
    field."""
    return f"aftercare-case:{case_id}:{field}".encode()
