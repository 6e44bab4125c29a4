"""Accounts, phone verification codes and refresh tokens: the identity repositories."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from tests.contract.support import Make, NewUow, unique_email, unique_phone

from adapters.memory import SteppingClock
from core.identity.model import (
    REFRESH_TTL,
    Account,
    AccountId,
    PhoneVerification,
    RefreshToken,
    Role,
    hash_token,
)
from core.shared.errors import Conflict, NotFound
from core.shared.ids import uuid7

MOSCOW = timezone(timedelta(hours=3))


# --- accounts -------------------------------------------------------------------------------


def full_account(now: datetime) -> Account:
    """An account with every field set, including instants with microseconds and an offset."""
    return Account(
        id=AccountId(uuid7(now)),
        full_name="Анна Каренина",
        email=unique_email(),
        password_hash="sha256$00ff$" + "ab" * 32,
        created_at=datetime(2030, 3, 4, 5, 6, 7, 123456, tzinfo=UTC),
        phone=unique_phone(),
        phone_verified_at=datetime(2030, 3, 4, 9, 10, 11, 654321, tzinfo=MOSCOW),
        roles=frozenset({Role.GUEST, Role.ORGANISER, Role.SUPPORT}),
    )


async def add_account(new_uow: NewUow, account: Account) -> None:
    async with new_uow() as uow:
        await uow.accounts.add(account)
        await uow.commit()


async def verify_phone(new_uow: NewUow, account: Account, phone: str, now: datetime) -> None:
    """Mark the phone verified on the stored account and save it, skipping the code check."""
    async with new_uow() as uow:
        stored = await uow.accounts.get(account.id)
        stored.verify_phone(phone, now)
        await uow.accounts.save(stored)
        await uow.commit()


async def test_account_round_trips_every_field(new_uow: NewUow, clock: SteppingClock) -> None:
    account = full_account(clock.now())
    await add_account(new_uow, account)

    async with new_uow() as uow:
        loaded = await uow.accounts.get(account.id)

    assert loaded == account
    assert loaded.created_at == datetime(2030, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
    assert loaded.phone_verified_at == datetime(2030, 3, 4, 6, 10, 11, 654321, tzinfo=UTC)
    assert loaded.created_at.utcoffset() is not None
    assert loaded.roles == frozenset({Role.GUEST, Role.ORGANISER, Role.SUPPORT})
    assert all(isinstance(role, Role) for role in loaded.roles)
    assert loaded.phone_verified is True


async def test_account_without_phone_round_trips_with_default_roles(
    new_uow: NewUow, make: Make
) -> None:
    account = await make.account(full_name="Grace Hopper")

    async with new_uow() as uow:
        loaded = await uow.accounts.get(account.id)

    assert loaded == account
    assert loaded.phone is None
    assert loaded.phone_verified_at is None
    assert loaded.roles == frozenset({Role.GUEST, Role.HOST})


async def test_get_of_a_missing_account_raises_not_found(
    new_uow: NewUow, clock: SteppingClock
) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.accounts.get(AccountId(uuid7(clock.now())))


async def test_find_by_email_returns_the_account_or_none(new_uow: NewUow, make: Make) -> None:
    account = await make.account()

    async with new_uow() as uow:
        found = await uow.accounts.find_by_email(account.email)
        missing = await uow.accounts.find_by_email(unique_email())

    assert found == account
    assert missing is None


async def test_find_by_verified_phone_ignores_unverified_phones(
    new_uow: NewUow, make: Make
) -> None:
    phone = unique_phone()
    unverified = await make.account(phone=phone)

    async with new_uow() as uow:
        assert await uow.accounts.find_by_verified_phone(phone) is None

    verified = await make.verified_account(phone)
    async with new_uow() as uow:
        found = await uow.accounts.find_by_verified_phone(phone)

    assert found is not None
    assert found.id == verified.id
    assert found.id != unverified.id
    assert found.phone_verified_at == verified.phone_verified_at


async def test_a_second_account_with_the_same_email_is_a_conflict(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    first = await make.account()
    now = clock.now()
    twin = Account(
        id=AccountId(uuid7(now)),
        full_name="Someone Else",
        email=first.email,
        password_hash="x",
        created_at=now,
    )

    with pytest.raises(Conflict):
        await add_account(new_uow, twin)

    async with new_uow() as uow:
        assert (await uow.accounts.find_by_email(first.email)) == first
        with pytest.raises(NotFound):
            await uow.accounts.get(twin.id)


async def test_verifying_a_phone_another_account_verified_is_a_conflict(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    phone = unique_phone()
    owner = await make.verified_account(phone)
    other = await make.account()

    with pytest.raises(Conflict):
        await verify_phone(new_uow, other, phone, clock.now())

    async with new_uow() as uow:
        still_owner = await uow.accounts.find_by_verified_phone(phone)
        unchanged = await uow.accounts.get(other.id)
    assert still_owner is not None
    assert still_owner.id == owner.id
    assert unchanged.phone is None
    assert unchanged.phone_verified_at is None


async def test_two_accounts_may_share_an_unverified_phone(new_uow: NewUow, make: Make) -> None:
    phone = unique_phone()
    first = await make.account(phone=phone)
    second = await make.account(phone=phone)

    async with new_uow() as uow:
        assert (await uow.accounts.get(first.id)).phone == phone
        assert (await uow.accounts.get(second.id)).phone == phone


async def test_saving_an_account_with_its_own_verified_phone_stores_its_changes(
    new_uow: NewUow, make: Make
) -> None:
    phone = unique_phone()
    account = await make.verified_account(phone)
    async with new_uow() as uow:
        stored = await uow.accounts.get(account.id)
        stored.full_name = "Ada King"
        stored.roles = frozenset({Role.GUEST, Role.PLATFORM_ADMIN})
        await uow.accounts.save(stored)
        await uow.commit()

    async with new_uow() as uow:
        loaded = await uow.accounts.get(account.id)
    assert loaded.full_name == "Ada King"
    assert loaded.roles == frozenset({Role.GUEST, Role.PLATFORM_ADMIN})
    assert loaded.email == account.email
    assert loaded.phone == phone
    assert loaded.phone_verified_at == account.phone_verified_at


# --- phone verifications --------------------------------------------------------------------


def verification(account: Account, phone: str, at: datetime) -> PhoneVerification:
    return PhoneVerification.issue(account.id, phone, f"{secrets.randbelow(10**6):06d}", at)


async def test_latest_verification_is_the_newest_for_that_account_and_phone(
    new_uow: NewUow, make: Make
) -> None:
    phone, other_phone = unique_phone(), unique_phone()
    account, stranger = await make.account(), await make.account()
    base = make.later()
    newest = verification(account, phone, base + timedelta(minutes=2))
    added = [
        verification(account, phone, base + timedelta(minutes=1)),
        newest,
        verification(account, phone, base),
        verification(account, other_phone, base + timedelta(minutes=5)),
        verification(stranger, phone, base + timedelta(minutes=6)),
    ]
    async with new_uow() as uow:
        for item in added:
            await uow.phone_verifications.add(item)
        await uow.commit()

    async with new_uow() as uow:
        latest = await uow.phone_verifications.latest(account.id, phone)
        none = await uow.phone_verifications.latest(account.id, unique_phone())

    assert latest == newest
    assert none is None


async def test_sent_since_lists_codes_sent_strictly_after_the_instant(
    new_uow: NewUow, make: Make
) -> None:
    phone = unique_phone()
    account = await make.account()
    base = make.later()
    async with new_uow() as uow:
        for minutes in (0, 1, 2, 3):
            await uow.phone_verifications.add(
                verification(account, phone, base + timedelta(minutes=minutes))
            )
        await uow.phone_verifications.add(
            verification(account, unique_phone(), base + timedelta(minutes=3))
        )
        await uow.commit()

    async with new_uow() as uow:
        since = await uow.phone_verifications.sent_since(phone, base + timedelta(minutes=1))
        all_of_them = await uow.phone_verifications.sent_since(phone, base - timedelta(seconds=1))

    assert sorted(since) == [base + timedelta(minutes=2), base + timedelta(minutes=3)]
    assert len(all_of_them) == 4


async def test_saving_a_verification_stores_wrong_tries_and_consumed_at(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    phone = unique_phone()
    account = await make.account()
    issued = PhoneVerification.issue(account.id, phone, "123456", clock.now())
    async with new_uow() as uow:
        await uow.phone_verifications.add(issued)
        await uow.commit()

    async with new_uow() as uow:
        stored = await uow.phone_verifications.latest(account.id, phone)
        assert stored is not None
        assert stored == issued
        assert stored.check("000000", clock.now()) is False
        assert stored.check("111111", clock.now()) is False
        consumed_at = clock.now()
        assert stored.check("123456", consumed_at) is True
        await uow.phone_verifications.save(stored)
        await uow.commit()

    async with new_uow() as uow:
        loaded = await uow.phone_verifications.latest(account.id, phone)
    assert loaded is not None
    assert loaded.wrong_tries == 2
    assert loaded.consumed_at == consumed_at
    assert loaded.code_hash == issued.code_hash
    assert loaded.expires_at == issued.expires_at


# --- refresh tokens -------------------------------------------------------------------------


def refresh_token(account: Account, family: UUID, now: datetime) -> RefreshToken:
    return RefreshToken(
        id=uuid7(now),
        family_id=family,
        account_id=account.id,
        token_hash=hash_token(secrets.token_urlsafe(32)),
        created_at=now,
        expires_at=now + REFRESH_TTL,
    )


async def test_refresh_token_is_found_by_its_hash(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    account = await make.account()
    token = refresh_token(account, uuid4(), clock.now())
    async with new_uow() as uow:
        await uow.refresh_tokens.add(token)
        await uow.commit()

    async with new_uow() as uow:
        found = await uow.refresh_tokens.find(token.token_hash)
        missing = await uow.refresh_tokens.find(hash_token("never issued"))

    assert found == token
    assert missing is None


async def test_saving_a_refresh_token_stores_when_it_was_used(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    account = await make.account()
    token = refresh_token(account, uuid4(), clock.now())
    async with new_uow() as uow:
        await uow.refresh_tokens.add(token)
        await uow.commit()

    used_at = clock.now()
    async with new_uow() as uow:
        stored = await uow.refresh_tokens.find(token.token_hash)
        assert stored is not None
        stored.spend(used_at)
        await uow.refresh_tokens.save(stored)
        await uow.commit()

    async with new_uow() as uow:
        loaded = await uow.refresh_tokens.find(token.token_hash)
    assert loaded is not None
    assert loaded.used_at == used_at
    assert loaded.revoked_at is None


async def test_revoke_family_revokes_only_that_family(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    account = await make.account()
    family, other_family = uuid4(), uuid4()
    mine = [refresh_token(account, family, clock.now()) for _ in range(3)]
    theirs = refresh_token(account, other_family, clock.now())
    async with new_uow() as uow:
        for token in [*mine, theirs]:
            await uow.refresh_tokens.add(token)
        await uow.commit()

    revoked_at = clock.now()
    async with new_uow() as uow:
        await uow.refresh_tokens.revoke_family(family, revoked_at)
        await uow.commit()

    async with new_uow() as uow:
        loaded = [await uow.refresh_tokens.find(t.token_hash) for t in mine]
        untouched = await uow.refresh_tokens.find(theirs.token_hash)
    assert [t.revoked_at if t else "missing" for t in loaded] == [revoked_at] * 3
    assert untouched == theirs
    assert untouched is not None
    assert untouched.revoked_at is None


async def test_revoke_family_keeps_an_earlier_revocation_time(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    account = await make.account()
    family = uuid4()
    early = refresh_token(account, family, clock.now())
    early.revoked_at = clock.now()
    fresh = refresh_token(account, family, clock.now())
    async with new_uow() as uow:
        await uow.refresh_tokens.add(early)
        await uow.refresh_tokens.add(fresh)
        await uow.commit()

    later = clock.now() + timedelta(hours=1)
    async with new_uow() as uow:
        await uow.refresh_tokens.revoke_family(family, later)
        await uow.commit()

    async with new_uow() as uow:
        first = await uow.refresh_tokens.find(early.token_hash)
        second = await uow.refresh_tokens.find(fresh.token_hash)
    assert first is not None
    assert second is not None
    assert first.revoked_at == early.revoked_at
    assert second.revoked_at == later
