"""Login and refresh: one answer for every bad login; rotating refresh tokens burn on reuse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from tests.unit.support import PASSWORD, TEST_EMAIL, LogIn, Refresh, RegisterAccount

from adapters.memory import (
    FastPasswordHasher,
    MemoryAccessTokens,
    MemoryStore,
    MemoryUnitOfWork,
    SteppingClock,
)
from core.identity.commands import Login
from core.identity.model import REFRESH_TTL
from core.identity.services import BAD_LOGIN, authenticate
from core.shared.errors import Unauthenticated


async def test_login_gives_an_access_token_for_the_account_and_a_refresh_token(
    register_account: RegisterAccount,
    log_in: LogIn,
    tokens: MemoryAccessTokens,
    clock: SteppingClock,
) -> None:
    account = await register_account(TEST_EMAIL)
    before = clock.current
    session = await log_in()
    assert session.account_id == account.id
    assert tokens.verify(session.access_token, clock.current) == account.id
    assert session.access_expires_at - before <= timedelta(minutes=15)
    assert session.refresh_expires_at - session.access_expires_at == REFRESH_TTL - tokens.ttl
    assert session.refresh_token not in repr(session)


async def test_login_ignores_email_case_and_surrounding_space(
    register_account: RegisterAccount, log_in: LogIn
) -> None:
    account = await register_account(TEST_EMAIL)
    assert (await log_in("  ADA@Example.org ")).account_id == account.id


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (TEST_EMAIL, "wrong password"),
        ("nobody@example.org", PASSWORD),
        ("not an email", PASSWORD),
        (TEST_EMAIL, PASSWORD.upper()),
        (TEST_EMAIL, ""),
    ],
)
async def test_every_bad_login_gets_the_same_unauthenticated_answer(
    register_account: RegisterAccount, log_in: LogIn, email: str, password: str
) -> None:
    await register_account(TEST_EMAIL)
    with pytest.raises(Unauthenticated) as caught:
        await log_in(email, password)
    assert caught.value.detail == BAD_LOGIN == "email or password is wrong"


async def test_refresh_rotates_the_refresh_token_and_issues_a_new_access_token(
    register_account: RegisterAccount,
    log_in: LogIn,
    refresh: Refresh,
    tokens: MemoryAccessTokens,
    clock: SteppingClock,
) -> None:
    account = await register_account(TEST_EMAIL)
    first = await log_in()
    second = await refresh(first.refresh_token)
    assert second.account_id == account.id
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert tokens.verify(second.access_token, clock.current) == account.id
    third = await refresh(second.refresh_token)
    assert third.refresh_token not in {first.refresh_token, second.refresh_token}


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(
    register_account: RegisterAccount, log_in: LogIn, refresh: Refresh
) -> None:
    await register_account(TEST_EMAIL)
    first = await log_in()
    second = await refresh(first.refresh_token)
    with pytest.raises(Unauthenticated, match="already used"):
        await refresh(first.refresh_token)
    with pytest.raises(Unauthenticated, match="revoked"):
        await refresh(second.refresh_token)


async def test_revoking_one_family_leaves_other_sessions_alone(
    register_account: RegisterAccount, log_in: LogIn, refresh: Refresh
) -> None:
    await register_account(TEST_EMAIL)
    phone = await log_in()
    laptop = await log_in()
    await refresh(phone.refresh_token)
    with pytest.raises(Unauthenticated):
        await refresh(phone.refresh_token)
    assert (await refresh(laptop.refresh_token)).refresh_token


async def test_refresh_token_expires_after_30_days(
    register_account: RegisterAccount, log_in: LogIn, refresh: Refresh, clock: SteppingClock
) -> None:
    await register_account(TEST_EMAIL)
    session = await log_in()
    clock.advance(REFRESH_TTL)
    with pytest.raises(Unauthenticated, match="expired"):
        await refresh(session.refresh_token)


async def test_refresh_token_works_until_just_before_it_expires(
    register_account: RegisterAccount, log_in: LogIn, refresh: Refresh, clock: SteppingClock
) -> None:
    await register_account(TEST_EMAIL)
    session = await log_in()
    clock.advance(REFRESH_TTL - timedelta(seconds=1))
    assert (await refresh(session.refresh_token)).refresh_token


@pytest.mark.parametrize("token", ["", "made-up", "x" * 43])
async def test_unknown_refresh_token_is_refused(
    register_account: RegisterAccount, refresh: Refresh, token: str
) -> None:
    await register_account(TEST_EMAIL)
    with pytest.raises(Unauthenticated, match="not valid"):
        await refresh(token)


async def test_only_a_hash_of_the_refresh_token_is_stored(
    register_account: RegisterAccount, log_in: LogIn, store: MemoryStore
) -> None:
    await register_account(TEST_EMAIL)
    session = await log_in()
    [stored] = store.table("refresh_tokens").values()
    assert stored.token_hash != session.refresh_token
    assert session.refresh_token not in repr(stored)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (TEST_EMAIL, "wrong password"),
        ("nobody@example.org", PASSWORD),
        ("not an email", PASSWORD),
        (TEST_EMAIL, ""),
    ],
)
async def test_authenticate_refuses_bad_credentials_like_login(
    register_account: RegisterAccount,
    new_uow: Callable[[], MemoryUnitOfWork],
    hasher: FastPasswordHasher,
    email: str,
    password: str,
) -> None:
    await register_account(TEST_EMAIL)
    with pytest.raises(Unauthenticated) as caught:
        await authenticate(Login(email, password), uow=new_uow(), hasher=hasher)
    assert caught.value.detail == BAD_LOGIN


async def test_authenticate_names_the_account_and_opens_no_session(
    register_account: RegisterAccount,
    new_uow: Callable[[], MemoryUnitOfWork],
    hasher: FastPasswordHasher,
    store: MemoryStore,
    log_in: LogIn,
) -> None:
    account = await register_account(TEST_EMAIL)
    await log_in()  # one session of the account's own, which must stay the only one
    assert len(store.table("refresh_tokens")) == 1

    found = await authenticate(Login(" ADA@example.org", PASSWORD), uow=new_uow(), hasher=hasher)

    assert found.id == account.id
    assert len(store.table("refresh_tokens")) == 1
