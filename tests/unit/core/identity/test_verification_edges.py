"""Phone codes and refresh tokens at their edges: the exact instant they lapse, the last try,
and the words and field a client is shown for each refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.support import (
    OTHER_CODE,
    OTHER_PHONE,
    TEST_CODE,
    TEST_EMAIL,
    TEST_PHONE,
    LogIn,
    NewUow,
    Refresh,
    RegisterAccount,
    RegisterWithPhone,
    StartVerification,
    VerifyPhoneHelper,
)

from adapters.memory import MemorySmsSender, MemoryStore, SteppingClock
from core.identity.model import (
    CODE_MAX_WRONG_TRIES,
    CODE_TTL,
    REFRESH_TTL,
    AccountId,
    PhoneVerification,
    RefreshToken,
    check_send_allowed,
)
from core.identity.services import get_account
from core.shared.errors import Conflict, RateLimited, Unauthenticated, ValidationFailed
from core.shared.ids import uuid7

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
ACCOUNT = AccountId(uuid7(T0))


def issued() -> PhoneVerification:
    return PhoneVerification.issue(ACCOUNT, TEST_PHONE, TEST_CODE, T0)


def refused(verification: PhoneVerification, code: str, now: datetime) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        verification.check(code, now)
    return caught.value


def test_a_code_is_refused_from_the_very_instant_it_expires() -> None:
    verification = issued()
    assert verification.expires_at == T0 + CODE_TTL
    error = refused(verification, TEST_CODE, T0 + CODE_TTL)
    assert (error.detail, error.field) == ("this code has expired; request a new one", "code")
    assert verification.check(TEST_CODE, T0 + CODE_TTL - timedelta(microseconds=1)) is True


def test_a_used_code_is_refused_with_a_request_for_a_new_one() -> None:
    verification = issued()
    assert verification.check(TEST_CODE, T0) is True
    assert verification.consumed_at == T0
    error = refused(verification, TEST_CODE, T0)
    assert (error.detail, error.field) == ("this code was already used; request a new one", "code")


def test_each_wrong_try_counts_down_until_even_the_right_code_is_refused() -> None:
    verification = issued()
    left = []
    for _ in range(CODE_MAX_WRONG_TRIES):
        assert verification.check("000000", T0) is False
        left.append(verification.tries_left)
    assert left == [4, 3, 2, 1, 0]
    assert verification.wrong_tries == CODE_MAX_WRONG_TRIES == 5
    error = refused(verification, TEST_CODE, T0)
    assert (error.detail, error.field) == ("too many wrong tries; request a new code", "code")
    assert (verification.wrong_tries, verification.consumed_at) == (5, None)


def test_the_right_code_on_the_last_try_still_works() -> None:
    verification = issued()
    for _ in range(CODE_MAX_WRONG_TRIES - 1):
        verification.check("000000", T0)
    assert verification.tries_left == 1
    assert verification.check(TEST_CODE, T0) is True
    assert verification.wrong_tries == CODE_MAX_WRONG_TRIES - 1


def test_tries_left_never_goes_below_zero() -> None:
    verification = issued()
    verification.wrong_tries = CODE_MAX_WRONG_TRIES + 2
    assert verification.tries_left == 0


def test_a_spent_code_is_refused_before_its_expiry_is_even_looked_at() -> None:
    verification = issued()
    verification.check(TEST_CODE, T0)
    error = refused(verification, TEST_CODE, T0 + CODE_TTL)
    assert error.detail == "this code was already used; request a new one"


def test_the_send_limit_says_why_and_when_to_try_again() -> None:
    sent = [T0 - timedelta(minutes=3)] * 3
    with pytest.raises(RateLimited) as caught:
        check_send_allowed(sent, T0)
    assert caught.value.detail == "too many codes sent to this phone; try again later"
    assert caught.value.retry_after == 7 * 60 + 1


def test_a_refresh_token_is_refused_from_the_very_instant_it_expires() -> None:
    token = RefreshToken(uuid7(T0), uuid7(T0), ACCOUNT, "hash", T0, T0 + REFRESH_TTL)
    with pytest.raises(Unauthenticated) as caught:
        token.spend(T0 + REFRESH_TTL)
    assert caught.value.detail == "refresh token expired or revoked; log in again"
    assert token.used_at is None
    token.spend(T0 + REFRESH_TTL - timedelta(microseconds=1))
    assert token.used_at == T0 + REFRESH_TTL - timedelta(microseconds=1)


async def test_the_code_goes_out_in_a_message_that_says_how_long_it_lasts(
    register_account: RegisterAccount, start: StartVerification, sms: MemorySmsSender
) -> None:
    await start(await register_account())
    assert sms.sent == [(TEST_PHONE, f"Stagedoor code: {TEST_CODE}. It expires in 10 minutes.")]


async def test_verifying_without_a_code_names_the_code_field(
    register_account: RegisterAccount, verify: VerifyPhoneHelper
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await verify(await register_account(), TEST_CODE)
    assert (caught.value.detail, caught.value.field) == (
        "no code was sent to this phone; request one first",
        "code",
    )


async def test_a_wrong_code_says_how_many_tries_are_left_on_the_code_field(
    register_account: RegisterAccount, start: StartVerification, verify: VerifyPhoneHelper
) -> None:
    account = await register_account()
    await start(account)
    with pytest.raises(ValidationFailed) as caught:
        await verify(account, "000000")
    assert (caught.value.detail, caught.value.field) == ("wrong code; 4 tries left", "code")


async def test_verifying_records_the_phone_and_the_instant(
    register_account: RegisterAccount,
    start: StartVerification,
    verify: VerifyPhoneHelper,
    clock: SteppingClock,
) -> None:
    account = await register_account()
    await start(account)
    at = clock.current
    verified = await verify(account, TEST_CODE)
    assert (verified.phone, verified.phone_verified_at) == (TEST_PHONE, at)


async def test_a_phone_given_at_registration_can_then_be_verified(
    register_with_phone: RegisterWithPhone, start: StartVerification, verify: VerifyPhoneHelper
) -> None:
    account = await register_with_phone(TEST_PHONE)
    assert (account.phone, account.phone_verified) == (TEST_PHONE, False)
    await start(account)
    assert (await verify(account, TEST_CODE)).phone_verified


async def test_an_account_with_a_verified_phone_may_move_to_another(
    register_account: RegisterAccount,
    start: StartVerification,
    verify: VerifyPhoneHelper,
    new_uow: NewUow,
) -> None:
    account = await register_account()
    await start(account, TEST_PHONE)
    await verify(account, TEST_CODE, TEST_PHONE)
    await start(account, OTHER_PHONE)
    await verify(account, OTHER_CODE, OTHER_PHONE)
    stored = await get_account(account.id, uow=new_uow())
    assert (stored.phone, stored.phone_verified) == (OTHER_PHONE, True)


async def test_a_second_code_sent_before_the_first_was_used_still_verifies_your_own_phone(
    register_account: RegisterAccount,
    start: StartVerification,
    verify: VerifyPhoneHelper,
    new_uow: NewUow,
) -> None:
    account = await register_account()
    await start(account)
    await verify(account, TEST_CODE)
    # a code asked for concurrently, before the first one landed
    async with new_uow() as uow:
        await uow.phone_verifications.add(
            PhoneVerification.issue(account.id, TEST_PHONE, "777777", T0 + timedelta(hours=1))
        )
        await uow.commit()
    assert (await verify(account, "777777")).phone == TEST_PHONE


async def test_phone_conflicts_say_what_is_wrong(
    register_account: RegisterAccount, start: StartVerification, verify: VerifyPhoneHelper
) -> None:
    owner, other, late = (
        await register_account(),
        await register_account(),
        await register_account(),
    )
    await start(owner)
    await start(late)
    await verify(owner, TEST_CODE)

    with pytest.raises(Conflict) as mine:
        await start(owner)
    assert mine.value.detail == "this phone is already verified for your account"
    with pytest.raises(Conflict) as theirs:
        await start(other)
    assert theirs.value.detail == "this phone cannot be verified for your account"
    with pytest.raises(Conflict) as meanwhile:
        await verify(late, TEST_CODE)
    assert meanwhile.value.detail == "this phone cannot be verified for your account"


async def test_a_session_stores_a_fresh_family_of_one_token_lasting_30_days(
    register_account: RegisterAccount, log_in: LogIn, clock: SteppingClock, store: MemoryStore
) -> None:
    account = await register_account(TEST_EMAIL)
    at = clock.current
    session = await log_in()
    assert len(session.refresh_token) == 43  # 32 random bytes, url-safe base64
    assert (session.access_expires_at, session.refresh_expires_at) == (
        at + timedelta(minutes=15),
        at + REFRESH_TTL,
    )
    [stored] = store.table("refresh_tokens").values()
    assert (stored.account_id, stored.created_at, stored.expires_at) == (
        account.id,
        at,
        at + REFRESH_TTL,
    )
    assert stored.family_id != stored.id
    assert (stored.used_at, stored.revoked_at) == (None, None)


async def test_refreshing_spends_the_old_token_and_keeps_the_family(
    register_account: RegisterAccount,
    log_in: LogIn,
    refresh: Refresh,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    await register_account(TEST_EMAIL)
    first = await log_in()
    at = clock.current
    second = await refresh(first.refresh_token)
    old, new = sorted(store.table("refresh_tokens").values(), key=lambda t: t.id)
    assert old.used_at == at
    assert new.family_id == old.family_id
    assert (new.created_at, new.used_at) == (at + clock.step, None)  # the clock's next instant
    assert second.refresh_expires_at == new.expires_at == new.created_at + REFRESH_TTL


async def test_refresh_refusals_say_what_to_do(
    register_account: RegisterAccount, log_in: LogIn, refresh: Refresh
) -> None:
    await register_account(TEST_EMAIL)
    session = await log_in()

    with pytest.raises(Unauthenticated) as unknown:
        await refresh("made-up")
    assert unknown.value.detail == "refresh token is not valid; log in again"
    await refresh(session.refresh_token)
    with pytest.raises(Unauthenticated) as reused:
        await refresh(session.refresh_token)
    assert reused.value.detail == "refresh token was already used; every session of it is revoked"
