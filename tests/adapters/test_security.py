"""The production security adapters: argon2id, libphonenumber, JWT."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest

from adapters.security.passwords import Argon2Hasher
from adapters.security.phones import LibPhoneNumbers
from adapters.security.tokens import JwtAccessTokens
from core.identity.model import Account, AccountId
from core.shared.errors import Unauthenticated, ValidationFailed

NOW = datetime(2030, 1, 1, tzinfo=UTC)
SECRET = "s" * 48


def _account() -> Account:
    return Account(AccountId(uuid4()), "Ann", "ann@example.org", "x", NOW)


def test_argon2_hashes_are_argon2id_and_verify() -> None:
    hasher = Argon2Hasher()
    digest = hasher.hash("correct horse battery")
    assert digest.startswith("$argon2id$")
    assert hasher.verify(digest, "correct horse battery")
    assert not hasher.verify(digest, "correct horse batterY")
    assert not hasher.verify("not-a-hash", "anything")


def test_argon2_does_not_truncate_long_passwords() -> None:
    hasher = Argon2Hasher()
    base = "p" * 100
    digest = hasher.hash(base + "A")
    assert not hasher.verify(digest, base + "B")


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+7 999 123-45-67", "+79991234567"),
        ("8 (999) 123-45-67", "+79991234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_normalise_to_e164(raw: str, e164: str) -> None:
    assert LibPhoneNumbers().normalise(raw) == e164


@pytest.mark.parametrize("raw", ["", "12", "not a phone", "+7 999", "+999 123456789012345"])
def test_invalid_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        LibPhoneNumbers().normalise(raw)


def test_jwt_round_trip_and_lifetime() -> None:
    tokens = JwtAccessTokens(SECRET)
    account = _account()
    token, expires = tokens.issue(account, NOW)
    assert expires == NOW + timedelta(minutes=15)
    assert tokens.verify(token, NOW + timedelta(minutes=14)) == account.id
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.verify(token, NOW + timedelta(minutes=15))


def test_jwt_signed_with_another_key_or_alg_none_is_refused() -> None:
    account = _account()
    forged = JwtAccessTokens("o" * 48).issue(account, NOW)[0]
    with pytest.raises(Unauthenticated):
        JwtAccessTokens(SECRET).verify(forged, NOW)
    unsigned = jwt.encode(
        {"sub": str(account.id), "iss": "stagedoor", "iat": 0, "exp": 2**40}, None, algorithm="none"
    )
    with pytest.raises(Unauthenticated):
        JwtAccessTokens(SECRET).verify(unsigned, NOW)
    with pytest.raises(Unauthenticated):
        JwtAccessTokens(SECRET).verify("garbage", NOW)


def test_short_token_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        JwtAccessTokens("short")


def test_a_remembered_token_still_expires_and_a_changed_one_is_checked_afresh() -> None:
    tokens = JwtAccessTokens(SECRET)
    account = _account()
    token, _ = tokens.issue(account, NOW)
    assert tokens.verify(token, NOW) == account.id  # checked, then remembered
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    for _ in range(2):
        with pytest.raises(Unauthenticated, match="not valid"):
            tokens.verify(tampered, NOW)
    assert tokens.verify(token, NOW + timedelta(minutes=1)) == account.id
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.verify(token, NOW + timedelta(minutes=15))
