"""Registration: one account per email; a taken email gets a decoy answer and its owner a note."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.unit.support import PASSWORD, LogIn, RegisterAccount, RegisterWithPhone

from adapters.memory import (
    MemoryStore,
    MemoryUnitOfWork,
)
from core.identity.model import DEFAULT_ROLES, PASSWORD_MAX, PASSWORD_MIN, Role
from core.identity.services import get_account
from core.shared.errors import NotFound, Unauthenticated, ValidationFailed
from core.shared.outbox import OutboxMessage


def accounts_in(store: MemoryStore) -> int:
    return len(store.table("accounts"))


async def test_register_stores_an_account_with_a_normalised_email_and_name(
    register_account: RegisterAccount, new_uow: Callable[[], MemoryUnitOfWork]
) -> None:
    account = await register_account("  Ada.Lovelace@Example.ORG ", full_name="  Ada   Lovelace ")
    stored = await get_account(account.id, uow=new_uow())
    assert stored.email == "ada.lovelace@example.org"
    assert stored.full_name == "Ada Lovelace"
    assert stored == account


async def test_new_account_is_a_guest_and_a_host_with_no_verified_phone(
    register_account: RegisterAccount,
) -> None:
    account = await register_account()
    assert account.roles == DEFAULT_ROLES == frozenset({Role.GUEST, Role.HOST})
    assert account.phone is None
    assert not account.phone_verified


async def test_register_keeps_a_normalised_but_unverified_phone(
    register_with_phone: RegisterWithPhone,
) -> None:
    account = await register_with_phone("+7 (999) 000-00-01")
    assert account.phone == "+79990000001"
    assert not account.phone_verified


@pytest.mark.parametrize("email", ["", "ada", "ada@", "@example.org", "a da@example.org", "ada@x"])
async def test_register_refuses_an_email_that_does_not_look_like_one(
    register_account: RegisterAccount, store: MemoryStore, email: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await register_account(email or " ")
    assert caught.value.field == "email"
    assert accounts_in(store) == 0


async def test_register_refuses_an_email_longer_than_254_characters(
    register_account: RegisterAccount,
) -> None:
    with pytest.raises(ValidationFailed):
        await register_account("a" * 243 + "@example.org")


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
async def test_register_refuses_an_empty_or_too_long_name(
    register_account: RegisterAccount, name: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await register_account(full_name=name)
    assert caught.value.field == "full_name"


async def test_register_refuses_a_phone_not_in_international_format(
    register_with_phone: RegisterWithPhone, store: MemoryStore
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await register_with_phone("8 999 000")
    assert caught.value.field == "phone"
    assert accounts_in(store) == 0


@pytest.mark.parametrize("length", [0, 1, PASSWORD_MIN - 1, PASSWORD_MAX + 1, 1000])
async def test_register_refuses_passwords_shorter_than_8_or_longer_than_128(
    register_account: RegisterAccount, store: MemoryStore, length: int
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await register_account(password="p" * length)
    assert caught.value.field == "password"
    assert accounts_in(store) == 0


@pytest.mark.parametrize("length", [PASSWORD_MIN, 72, PASSWORD_MAX])
async def test_register_accepts_passwords_of_8_to_128_characters(
    register_account: RegisterAccount, length: int
) -> None:
    await register_account(password="p" * length)


async def test_long_passwords_are_never_truncated(
    register_account: RegisterAccount, log_in: LogIn
) -> None:
    prefix = "s" * 72
    password, other = prefix + "a" * 56, prefix + "b" * 56
    assert len(password) == PASSWORD_MAX
    await register_account("long@example.org", password=password)
    with pytest.raises(Unauthenticated):
        await log_in("long@example.org", other)
    session = await log_in("long@example.org", password)
    assert session.access_token


async def test_password_is_stored_only_as_a_hash(register_account: RegisterAccount) -> None:
    account = await register_account(password=PASSWORD)
    assert PASSWORD not in account.password_hash
    assert PASSWORD not in repr(account)


async def test_taken_email_gets_an_unstored_decoy_that_looks_like_a_new_account(
    register_account: RegisterAccount,
    new_uow: Callable[[], MemoryUnitOfWork],
    store: MemoryStore,
) -> None:
    owner = await register_account("ada@example.org", full_name="Ada Lovelace")
    decoy = await register_account(
        "ADA@example.org", full_name="Mallory", password="other-password"
    )
    assert decoy.id != owner.id
    assert decoy.email == "ada@example.org"
    assert decoy.full_name == "Mallory"
    assert decoy.roles == owner.roles
    with pytest.raises(NotFound):
        await get_account(decoy.id, uow=new_uow())
    assert accounts_in(store) == 1


async def test_taken_email_leaves_the_owner_account_unchanged(
    register_account: RegisterAccount, new_uow: Callable[[], MemoryUnitOfWork], log_in: LogIn
) -> None:
    owner = await register_account("ada@example.org")
    await register_account("ada@example.org", full_name="Mallory", password="other-password")
    assert await get_account(owner.id, uow=new_uow()) == owner
    with pytest.raises(Unauthenticated):
        await log_in("ada@example.org", "other-password")


async def test_taken_email_records_registration_attempted_for_the_owner(
    register_account: RegisterAccount, outbox: Callable[[], list[OutboxMessage]]
) -> None:
    owner = await register_account("ada@example.org")
    assert outbox() == []
    await register_account("ada@example.org")
    await register_account("Ada@Example.org")
    messages = outbox()
    assert [m.event.name for m in messages] == ["account.registration_attempted"] * 2
    assert {m.event.account_id for m in messages} == {owner.id}


async def test_taken_email_with_a_bad_password_fails_like_a_new_one(
    register_account: RegisterAccount, outbox: Callable[[], list[OutboxMessage]]
) -> None:
    await register_account("ada@example.org")
    with pytest.raises(ValidationFailed, match="password"):
        await register_account("ada@example.org", password="short")
    assert outbox() == []
