"""Barcodes at rest: AES-GCM under named keys, keys that rotate, a stable keyed digest."""

from __future__ import annotations

import base64
from uuid import uuid4

import pytest

from adapters.security.barcodes import BarcodeKeyError, BarcodeVault, new_key


def test_a_sealed_barcode_opens_only_for_its_own_ticket() -> None:
    vault = BarcodeVault.ephemeral()
    ticket = uuid4()
    key_id, sealed = vault.seal(ticket, "ABCDEFGHJKLMNPQR")
    assert key_id == vault.current
    assert "ABCDEFGHJKLMNPQR" not in sealed
    assert vault.open(ticket, key_id, sealed) == "ABCDEFGHJKLMNPQR"
    with pytest.raises(BarcodeKeyError, match="integrity"):
        vault.open(uuid4(), key_id, sealed)  # moved to another row


def test_sealing_twice_gives_different_ciphertexts_and_one_digest() -> None:
    vault = BarcodeVault.ephemeral()
    ticket = uuid4()
    assert vault.seal(ticket, "X" * 16)[1] != vault.seal(ticket, "X" * 16)[1]
    assert vault.digest("X" * 16) == vault.digest("X" * 16)
    assert len(vault.digest("X" * 16)) == 32
    assert vault.digest("X" * 16) != vault.digest("Y" * 16)


def test_a_tampered_ciphertext_is_refused() -> None:
    vault = BarcodeVault.ephemeral()
    ticket = uuid4()
    key_id, sealed = vault.seal(ticket, "ABCDEFGHJKLMNPQR")
    raw = bytearray(base64.b64decode(sealed))
    raw[-1] ^= 1
    with pytest.raises(BarcodeKeyError):
        vault.open(ticket, key_id, base64.b64encode(bytes(raw)).decode())
    with pytest.raises(BarcodeKeyError):
        vault.open(ticket, key_id, "not base64!")


def test_keys_rotate_old_seals_still_open_under_their_key_id() -> None:
    old_key, new, digest = new_key(), new_key(), new_key()
    before = BarcodeVault.parse(f"k1:{old_key}", digest)
    ticket = uuid4()
    key_id, sealed = before.seal(ticket, "ABCDEFGHJKLMNPQR")
    after = BarcodeVault.parse(f"k2:{new},k1:{old_key}", digest)
    assert after.current == "k2"
    assert after.seal(ticket, "A")[0] == "k2"
    assert after.open(ticket, key_id, sealed) == "ABCDEFGHJKLMNPQR"
    assert after.digest("ABCDEFGHJKLMNPQR") == before.digest("ABCDEFGHJKLMNPQR")
    dropped = BarcodeVault.parse(f"k2:{new}", digest)
    with pytest.raises(BarcodeKeyError, match="'k1' is not configured"):
        dropped.open(ticket, key_id, sealed)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "at least one"),
        ("k1", "look like"),
        ("bad id!:AAAA", "look like"),
        ("k1:!!!!", "not base64"),
        ("k1:" + base64.urlsafe_b64encode(b"short").decode(), "32 bytes"),
        ("k1:{k},k1:{k}", "given twice"),
    ],
)
def test_malformed_keys_are_refused_with_a_reason(keys: str, message: str) -> None:
    with pytest.raises(BarcodeKeyError, match=message):
        BarcodeVault.parse(keys.format(k=new_key()), new_key())


def test_the_digest_key_must_be_a_full_key() -> None:
    with pytest.raises(BarcodeKeyError, match="digest key"):
        BarcodeVault.parse(f"k1:{new_key()}", "AAAA")
    with pytest.raises(BarcodeKeyError, match="not among"):
        BarcodeVault({"k1": b"x" * 32}, "k9", b"d" * 32)
    secret = new_key()
    assert secret not in repr(BarcodeVault.parse(f"k1:{secret}", new_key()))
