"""Barcodes at rest: AES-GCM ciphertext under a named key, and an HMAC digest for lookups.

A ticket's barcode is what gets a person through a door, so a copy of the database must
not be a pile of tickets. Each barcode is stored as `key id` + AES-256-GCM ciphertext (a
fresh 96-bit nonce each time, the ticket's id as associated data, so a ciphertext moved to
another row fails to open) and as an HMAC-SHA256 digest, which has a unique index: the door
and the resale duplicate check find a ticket by its barcode without decrypting anything.

Keys rotate: the vault holds several keys by id and seals with the first (the current one);
rows sealed under an older key still open, and `reseal` jobs can move them to the current
one. The digest key does not rotate (changing it would need every digest recomputed).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from uuid import UUID

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")


class BarcodeKeyError(ValueError):
    """Raised when barcode keys are missing or malformed, or a stored barcode will not open."""


def _key(raw: str, what: str) -> bytes:
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (ValueError, binascii.Error):
        raise BarcodeKeyError(f"{what} is not base64") from None
    if len(key) != 32:
        raise BarcodeKeyError(f"{what} must be 32 bytes (256 bits), base64-encoded")
    return key


@attrs.frozen
class BarcodeVault:
    """Seals, opens and digests barcodes. `keys` maps key id -> 32-byte key; `current` seals."""

    keys: Mapping[str, bytes] = attrs.field(repr=False)
    current: str
    digest_key: bytes = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        if self.current not in self.keys:
            raise BarcodeKeyError(f"the current barcode key {self.current!r} is not among the keys")
        if len(self.digest_key) < 32:
            raise BarcodeKeyError("the barcode digest key must be at least 32 bytes")

    @classmethod
    def parse(cls, keys: str, digest_key: str) -> BarcodeVault:
        """From `id:base64key,id:base64key` (the first seals) and a base64 digest key."""
        parsed: dict[str, bytes] = {}
        first = ""
        for item in filter(None, (part.strip() for part in keys.split(","))):
            key_id, _, raw = item.partition(":")
            if not _KEY_ID.fullmatch(key_id) or not raw:
                raise BarcodeKeyError("barcode keys look like k2:<base64 32 bytes>,k1:<...>")
            if key_id in parsed:
                raise BarcodeKeyError(f"barcode key id {key_id!r} is given twice")
            parsed[key_id] = _key(raw, f"barcode key {key_id!r}")
            first = first or key_id
        if not parsed:
            raise BarcodeKeyError("at least one barcode key is needed")
        return cls(parsed, first, _key(digest_key, "the barcode digest key"))

    @classmethod
    def ephemeral(cls) -> BarcodeVault:
        """Random keys that die with the process: for tests and throwaway databases only."""
        return cls({"t1": AESGCM.generate_key(bit_length=256)}, "t1", secrets.token_bytes(32))

    def seal(self, ticket_id: UUID, barcode: str) -> tuple[str, str]:
        """(key id, base64 of nonce + ciphertext) under the current key."""
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, barcode.encode(), ticket_id.bytes)
        return self.current, base64.b64encode(nonce + sealed).decode()

    def open(self, ticket_id: UUID, key_id: str, sealed: str) -> str:
        key = self.keys.get(key_id)
        if key is None:
            raise BarcodeKeyError(f"barcode key {key_id!r} is not configured; it cannot open")
        try:
            raw = base64.b64decode(sealed)
            plain = AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], ticket_id.bytes)
        except (InvalidTag, ValueError, binascii.Error):
            raise BarcodeKeyError("a stored barcode failed its integrity check") from None
        return plain.decode()

    def digest(self, barcode: str) -> str:
        """HMAC-SHA256 of the barcode cut to 128 bits, hex (32 characters): the same barcode
        always gives the same digest, and no two barcodes ever issued share one."""
        return hmac.new(self.digest_key, barcode.encode(), hashlib.sha256).hexdigest()[:32]


def new_key() -> str:
    """A fresh 256-bit key, base64 (URL-safe, unpadded), as settings take it."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode().rstrip("=")
