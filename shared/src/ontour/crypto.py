"""Envelope encryption of personal data, field by field, for every service.

Each record gets its own random data key (AES-256-GCM). The fields of that record are
encrypted with it; the data key itself is stored next to them, *wrapped* (encrypted) with a
master key from configuration (``ONTOUR_MASTER_KEYS``). So the database never holds a usable
key, and:

- **Key rotation**: ``ONTOUR_MASTER_KEYS`` is a comma-separated list of urlsafe-base64 32-byte
  keys (``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"``),
  newest first. New data keys are wrapped with the newest; every listed key still unwraps.
  To rotate: put a new key in front, run :meth:`FieldCipher.rewrap` over every stored wrapped
  key (only the wrapped keys change, never the field ciphertext), then drop the old key.
- **Crypto-shredding**: destroy a record's wrapped key (overwrite or delete the row that
  holds it) and its fields can never be decrypted again, backups included.
- **Binding**: pass ``context`` (e.g. ``b"contact:<id>:email"``) so a ciphertext copied to
  another field or record does not decrypt.

In development and tests, with ``ONTOUR_MASTER_KEYS`` left empty, a fixed key derived from
:data:`DEV_MASTER_SEED` is used; outside development that is refused (and a value still
starting with the ``change-me`` placeholder is refused by the settings themselves).
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import NewType

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ontour.settings import PLACEHOLDER_PREFIX, ServiceSettings

WrappedKey = NewType("WrappedKey", bytes)
"""A record's data key, encrypted with a master key: safe to store next to the record."""

DEV_MASTER_SEED = f"{PLACEHOLDER_PREFIX}-master-keys"
_FORMAT = b"\x01"  # version byte of a field ciphertext: 0x01 | 12-byte nonce | AES-GCM output
_NONCE_BYTES = 12


class DecryptionError(ValueError):
    """A wrapped key or a field ciphertext is damaged, tampered with or from another key."""


def dev_master_key() -> bytes:
    """The fixed development master key (never valid outside development)."""
    return base64.urlsafe_b64encode(hashlib.sha256(DEV_MASTER_SEED.encode()).digest())


def parse_master_keys(value: str) -> list[bytes]:
    """Comma-separated urlsafe-base64 32-byte keys, newest first."""
    keys = [part.strip().encode() for part in value.split(",") if part.strip()]
    for number, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ValueError(
                f"ONTOUR_MASTER_KEYS: key {number} is not a urlsafe-base64 encoded 32-byte key"
            )
    return keys


class RecordKey:
    """One record's unwrapped data key: encrypt and decrypt that record's fields."""

    __slots__ = ("_aead",)

    def __init__(self, data_key: bytes) -> None:
        self._aead = AESGCM(data_key)

    def encrypt(self, plaintext: str, context: bytes = b"") -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _FORMAT + nonce + self._aead.encrypt(nonce, plaintext.encode(), context or None)

    def decrypt(self, ciphertext: bytes, context: bytes = b"") -> str:
        if len(ciphertext) < 1 + _NONCE_BYTES + 16 or ciphertext[:1] != _FORMAT:
            raise DecryptionError("not a field ciphertext")
        nonce = ciphertext[1 : 1 + _NONCE_BYTES]
        try:
            return self._aead.decrypt(
                nonce, ciphertext[1 + _NONCE_BYTES :], context or None
            ).decode()
        except InvalidTag:
            raise DecryptionError("field ciphertext does not authenticate") from None

    def seal(self, context: bytes, value: str | None) -> bytes | None:
        """An optional field's ciphertext, bound to ``context``.

        An empty value is no value: both ``None`` and ``""`` are stored as ``None`` (no
        ciphertext), so "left empty" reads back the same whichever way a form sent it.
        """
        return self.encrypt(value, context) if value else None

    def unseal(self, context: bytes, ciphertext: bytes | None) -> str | None:
        """The plain text of an optional field sealed with :meth:`seal` (None stays None)."""
        return None if ciphertext is None else self.decrypt(bytes(ciphertext), context)


class FieldCipher:
    """Envelope encryption with the master keys from configuration (newest first)."""

    def __init__(self, master_keys: list[bytes]) -> None:
        if not master_keys:
            raise ValueError("at least one master key is needed")
        self._master = MultiFernet([Fernet(key) for key in master_keys])

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> FieldCipher:
        configured = settings.master_keys.get_secret_value().strip()
        if not configured:
            if not settings.is_development:
                raise ValueError("ONTOUR_MASTER_KEYS must be set outside development")
            return cls([dev_master_key()])
        if configured.startswith(PLACEHOLDER_PREFIX):
            if not settings.is_development:  # the settings refuse this too; belt and braces
                raise ValueError("ONTOUR_MASTER_KEYS still has its placeholder value")
            return cls([dev_master_key()])
        return cls(parse_master_keys(configured))

    # --- data keys ---------------------------------------------------------------------------

    def new_data_key(self) -> WrappedKey:
        """A fresh random data key for one record, wrapped with the newest master key."""
        return WrappedKey(self._master.encrypt(AESGCM.generate_key(bit_length=256)))

    def unwrap(self, wrapped_key: bytes) -> RecordKey:
        """The record's data key, to encrypt or decrypt several of its fields."""
        try:
            return RecordKey(self._master.decrypt(bytes(wrapped_key)))
        except (InvalidToken, ValueError):
            raise DecryptionError("the data key cannot be unwrapped with any master key") from None

    def rewrap(self, wrapped_key: bytes) -> WrappedKey:
        """The same data key, wrapped with the newest master key (field ciphertext unchanged)."""
        try:
            return WrappedKey(self._master.rotate(bytes(wrapped_key)))
        except InvalidToken:
            raise DecryptionError("the data key cannot be unwrapped with any master key") from None

    # --- one field at a time -----------------------------------------------------------------

    def encrypt(self, wrapped_key: bytes, plaintext: str, context: bytes = b"") -> bytes:
        return self.unwrap(wrapped_key).encrypt(plaintext, context)

    def decrypt(self, wrapped_key: bytes, ciphertext: bytes, context: bytes = b"") -> str:
        return self.unwrap(wrapped_key).decrypt(ciphertext, context)
