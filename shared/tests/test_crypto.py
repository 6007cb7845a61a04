from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from ontour.crypto import DecryptionError, FieldCipher, dev_master_key, parse_master_keys
from ontour.settings import ServiceSettings
from pydantic import SecretStr, ValidationError

REAL = {
    "secret_key": SecretStr("a-real-secret-from-the-vault"),
    "oidc_client_secret": SecretStr("another-real-secret"),
}


def cipher(*keys: bytes) -> FieldCipher:
    return FieldCipher(list(keys))


def test_round_trip():
    c = cipher(Fernet.generate_key())
    key = c.new_data_key()
    ciphertext = c.encrypt(key, "Jan de Griffier — jan@example.nl")
    assert b"Jan" not in ciphertext and b"Jan" not in key
    assert c.decrypt(key, ciphertext) == "Jan de Griffier — jan@example.nl"


def test_every_record_gets_its_own_data_key():
    c = cipher(Fernet.generate_key())
    first, second = c.new_data_key(), c.new_data_key()
    assert first != second
    ciphertext = c.encrypt(first, "geheim")
    with pytest.raises(DecryptionError):
        c.decrypt(second, ciphertext)
    assert c.encrypt(first, "geheim") != ciphertext  # a fresh nonce every time


def test_tampered_ciphertext_fails():
    c = cipher(Fernet.generate_key())
    key = c.new_data_key()
    ciphertext = bytearray(c.encrypt(key, "geheim"))
    ciphertext[-1] ^= 1
    with pytest.raises(DecryptionError):
        c.decrypt(key, bytes(ciphertext))
    with pytest.raises(DecryptionError):
        c.decrypt(key, b"\x01kort")


def test_tampered_wrapped_key_fails():
    c = cipher(Fernet.generate_key())
    key = bytearray(c.new_data_key())
    key[20] ^= 1
    with pytest.raises(DecryptionError):
        c.unwrap(bytes(key))


def test_context_binds_a_ciphertext_to_its_field():
    c = cipher(Fernet.generate_key())
    key = c.new_data_key()
    ciphertext = c.encrypt(key, "jan@example.nl", b"contact:1:email")
    assert c.decrypt(key, ciphertext, b"contact:1:email") == "jan@example.nl"
    with pytest.raises(DecryptionError):
        c.decrypt(key, ciphertext, b"contact:1:name")


def test_rotation_keeps_old_data_readable_and_rewrap_retires_the_old_master_key():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    before = cipher(old)
    wrapped = before.new_data_key()
    ciphertext = before.encrypt(wrapped, "geheim")

    during = cipher(new, old)  # the new key in front, the old one still listed
    assert during.decrypt(wrapped, ciphertext) == "geheim"
    rewrapped = during.rewrap(wrapped)
    assert rewrapped != wrapped
    assert during.decrypt(rewrapped, ciphertext) == "geheim"  # field ciphertext untouched

    after = cipher(new)  # the old key removed
    assert after.decrypt(rewrapped, ciphertext) == "geheim"
    with pytest.raises(DecryptionError):
        after.decrypt(wrapped, ciphertext)


def test_new_data_keys_are_wrapped_with_the_newest_master_key():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    wrapped = cipher(new, old).new_data_key()
    assert cipher(new).unwrap(wrapped)
    with pytest.raises(DecryptionError):
        cipher(old).unwrap(wrapped)


def test_destroying_the_wrapped_key_shreds_the_record():
    c = cipher(Fernet.generate_key())
    ciphertext = c.encrypt(c.new_data_key(), "geheim")
    with pytest.raises(DecryptionError):  # any other key: nothing to recover it with
        c.decrypt(c.new_data_key(), ciphertext)


def test_master_keys_come_from_the_settings_newest_first():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    settings = ServiceSettings(
        service_name="intake",
        environment="production",
        master_keys=SecretStr(f"{new.decode()}, {old.decode()}"),
        **REAL,
    )
    c = FieldCipher.from_settings(settings)
    assert cipher(new).unwrap(c.new_data_key())
    assert c.unwrap(cipher(old).new_data_key())


def test_development_uses_a_fixed_derived_key():
    c = FieldCipher.from_settings(ServiceSettings(service_name="intake"))
    wrapped = c.new_data_key()
    assert cipher(dev_master_key()).unwrap(wrapped)
    placeholder = ServiceSettings(service_name="intake", master_keys=SecretStr("change-me-keys"))
    assert FieldCipher.from_settings(placeholder).unwrap(wrapped)


def test_a_placeholder_master_key_is_refused_in_production():
    with pytest.raises(ValidationError, match="ONTOUR_MASTER_KEYS still has its placeholder"):
        ServiceSettings(
            service_name="intake",
            environment="production",
            master_keys=SecretStr("change-me-master-keys"),
            **REAL,
        )


def test_missing_master_keys_are_refused_in_production():
    settings = ServiceSettings(service_name="intake", environment="production", **REAL)
    with pytest.raises(ValueError, match="ONTOUR_MASTER_KEYS must be set"):
        FieldCipher.from_settings(settings)


def test_malformed_master_keys_are_refused():
    with pytest.raises(ValueError, match="key 2 is not"):
        parse_master_keys(f"{Fernet.generate_key().decode()},too-short")
