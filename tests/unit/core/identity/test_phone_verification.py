"""Phone verification: six-digit single-use codes, ten minutes, five tries, three sends a window."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.support import (
    OTHER_PHONE,
    TEST_CODE,
    TEST_PHONE,
    NewUow,
    RegisterAccount,
    StartVerification,
    VerifyPhoneHelper,
    only,
)

from adapters.memory import (
    FixedCodes,
    MemorySmsSender,
    MemoryStore,
    SteppingClock,
)
from core.identity.model import (
    CODE_MAX_WRONG_TRIES,
    CODE_TTL,
    SEND_WINDOW,
    SENDS_PER_WINDOW,
    check_send_allowed,
)
from core.identity.services import (
    SecretCodes,
    get_account,
)
from core.shared.errors import Conflict, RateLimited, ValidationFailed
from core.shared.outbox import OutboxMessage

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def sent_code(sms: MemorySmsSender) -> str:
    _, text = sms.sent[-1]
    found = re.search(r"\b(\d{6})\b", text)
    assert found is not None, text
    return found.group(1)


def test_secret_codes_are_six_digits() -> None:
    made = [SecretCodes().new_code(TEST_PHONE) for _ in range(300)]
    assert all(re.fullmatch(r"\d{6}", code) for code in made)
    assert len(set(made)) > 250  # drawn at random, not a counter or a constant


def test_fixed_codes_are_fixed_for_listed_phones_and_random_for_others() -> None:
    codes = FixedCodes({TEST_PHONE: TEST_CODE})
    assert {codes.new_code(TEST_PHONE) for _ in range(5)} == {TEST_CODE}
    assert re.fullmatch(r"\d{6}", codes.new_code(OTHER_PHONE + "9"))


async def test_start_sends_a_six_digit_code_by_sms_to_the_normalised_phone(
    register_account: RegisterAccount,
    start: StartVerification,
    sms: MemorySmsSender,
    clock: SteppingClock,
) -> None:
    account = await register_account()
    verification = await start(account, "+7 (999) 000-00-01")
    [(phone, text)] = sms.sent
    assert phone == TEST_PHONE == verification.phone
    assert sent_code(sms) == TEST_CODE
    assert "10 minutes" in text
    assert verification.expires_at - verification.created_at == CODE_TTL == timedelta(minutes=10)
    assert TEST_CODE not in repr(verification)


async def test_start_refuses_a_phone_not_in_international_format(
    register_account: RegisterAccount, start: StartVerification, sms: MemorySmsSender
) -> None:
    account = await register_account()
    with pytest.raises(ValidationFailed) as caught:
        await start(account, "12345")
    assert caught.value.field == "phone"
    assert sms.sent == []


async def test_stored_code_is_hashed(
    register_account: RegisterAccount, start: StartVerification, store: MemoryStore
) -> None:
    account = await register_account()
    await start(account)
    [stored] = store.table("phone_verifications").values()
    assert TEST_CODE not in stored.code_hash


async def test_right_code_verifies_the_phone_and_records_phone_verified(
    register_account: RegisterAccount,
    start: StartVerification,
    verify: VerifyPhoneHelper,
    new_uow: NewUow,
    outbox: Callable[[], list[OutboxMessage]],
) -> None:
    account = await register_account()
    await start(account)
    verified = await verify(account, f" {TEST_CODE} ", "+7 999 000 00 01")
    assert verified.phone == TEST_PHONE
    assert verified.phone_verified
    assert (await get_account(account.id, uow=new_uow())).phone_verified
    [event] = only(outbox(), "account.phone_verified")
    assert (event.account_id, event.phone) == (account.id, TEST_PHONE)


async def test_a_code_can_be_used_only_once(
    register_account: RegisterAccount, start: StartVerification, verify: VerifyPhoneHelper
) -> None:
    account = await register_account()
    await start(account)
    await verify(account, TEST_CODE)
    with pytest.raises(ValidationFailed, match="already used"):
        await verify(account, TEST_CODE)


async def test_code_expires_after_ten_minutes(
    register_account: RegisterAccount,
    start: StartVerification,
    verify: VerifyPhoneHelper,
    clock: SteppingClock,
) -> None:
    account = await register_account()
    await start(account)
    clock.advance(CODE_TTL)
    with pytest.raises(ValidationFailed, match="expired"):
        await verify(account, TEST_CODE)


async def test_code_still_works_just_before_ten_minutes(
    register_account: RegisterAccount,
    start: StartVerification,
    verify: VerifyPhoneHelper,
    clock: SteppingClock,
) -> None:
    account = await register_account()
    await start(account)
    clock.advance(CODE_TTL - timedelta(seconds=1))
    assert (await verify(account, TEST_CODE)).phone_verified


async def test_wrong_code_costs_one_of_five_tries(
    register_account: RegisterAccount, start: StartVerification, verify: VerifyPhoneHelper
) -> None:
    account = await register_account()
    await start(account)
    for left in range(CODE_MAX_WRONG_TRIES - 1, CODE_MAX_WRONG_TRIES - 3, -1):
        with pytest.raises(ValidationFailed, match=f"wrong code; {left} tries left"):
            await verify(account, "000000")
    assert (await verify(account, TEST_CODE)).phone_verified


async def test_after_five_wrong_tries_even_the_right_code_is_refused(
    register_account: RegisterAccount,
    start: StartVerification,
    verify: VerifyPhoneHelper,
    new_uow: NewUow,
) -> None:
    account = await register_account()
    await start(account)
    for _ in range(CODE_MAX_WRONG_TRIES):
        with pytest.raises(ValidationFailed, match="wrong code"):
            await verify(account, "000000")
    with pytest.raises(ValidationFailed, match="too many wrong tries"):
        await verify(account, TEST_CODE)
    assert not (await get_account(account.id, uow=new_uow())).phone_verified


async def test_a_new_code_replaces_one_locked_by_wrong_tries(
    register_account: RegisterAccount, start: StartVerification, verify: VerifyPhoneHelper
) -> None:
    account = await register_account()
    await start(account)
    for _ in range(CODE_MAX_WRONG_TRIES):
        with pytest.raises(ValidationFailed):
            await verify(account, "000000")
    await start(account)
    assert (await verify(account, TEST_CODE)).phone_verified


async def test_a_code_sent_to_one_phone_does_not_verify_another(
    register_account: RegisterAccount, start: StartVerification, verify: VerifyPhoneHelper
) -> None:
    account = await register_account()
    await start(account, TEST_PHONE)
    with pytest.raises(ValidationFailed, match="request one first"):
        await verify(account, TEST_CODE, OTHER_PHONE)


async def test_a_code_sent_to_one_account_does_not_verify_another(
    register_account: RegisterAccount, start: StartVerification, verify: VerifyPhoneHelper
) -> None:
    owner, other = await register_account(), await register_account()
    await start(owner)
    with pytest.raises(ValidationFailed, match="request one first"):
        await verify(other, TEST_CODE)


async def test_a_phone_verified_by_another_account_cannot_be_verified_again(
    register_account: RegisterAccount,
    start: StartVerification,
    verify: VerifyPhoneHelper,
    sms: MemorySmsSender,
) -> None:
    owner, other = await register_account(), await register_account()
    await start(owner)
    await verify(owner, TEST_CODE)
    sent = len(sms.sent)
    with pytest.raises(Conflict, match="cannot be verified"):
        await start(other)
    assert len(sms.sent) == sent


async def test_a_phone_verified_meanwhile_by_another_account_is_a_conflict(
    register_account: RegisterAccount,
    start: StartVerification,
    verify: VerifyPhoneHelper,
    new_uow: NewUow,
) -> None:
    first, second = await register_account(), await register_account()
    await start(first)
    await start(second)
    await verify(first, TEST_CODE)
    with pytest.raises(Conflict, match="cannot be verified"):
        await verify(second, TEST_CODE)
    assert not (await get_account(second.id, uow=new_uow())).phone_verified


async def test_verifying_the_phone_already_verified_for_you_is_a_conflict(
    register_account: RegisterAccount, start: StartVerification, verify: VerifyPhoneHelper
) -> None:
    account = await register_account()
    await start(account)
    await verify(account, TEST_CODE)
    with pytest.raises(Conflict, match="already verified for your account"):
        await start(account)


def test_three_sends_in_ten_minutes_are_allowed_the_fourth_is_rate_limited() -> None:
    sent = [T0 - timedelta(minutes=9), T0 - timedelta(minutes=5)]
    check_send_allowed(sent, T0)
    with pytest.raises(RateLimited) as caught:
        check_send_allowed([*sent, T0 - timedelta(minutes=1)], T0)
    # the oldest of the three leaves the window in one minute
    assert caught.value.retry_after == 61


def test_sends_older_than_the_window_do_not_count() -> None:
    old = [T0 - SEND_WINDOW, T0 - SEND_WINDOW - timedelta(hours=1)] * SENDS_PER_WINDOW
    check_send_allowed([*old, T0 - timedelta(minutes=1), T0], T0)


def test_retry_after_is_at_least_one_second() -> None:
    recent = [T0 - SEND_WINDOW + timedelta(milliseconds=1)] * SENDS_PER_WINDOW
    with pytest.raises(RateLimited) as caught:
        check_send_allowed(recent, T0)
    assert caught.value.retry_after == 1


async def test_at_most_three_codes_per_phone_per_ten_minutes(
    register_account: RegisterAccount,
    start: StartVerification,
    sms: MemorySmsSender,
    clock: SteppingClock,
) -> None:
    account = await register_account()
    for _ in range(SENDS_PER_WINDOW):
        await start(account)
        clock.advance(timedelta(minutes=1))
    with pytest.raises(RateLimited, match="too many codes") as caught:
        await start(account)
    assert 7 * 60 - 1 <= caught.value.retry_after <= 7 * 60 + 1
    assert len(sms.sent) == SENDS_PER_WINDOW
    clock.advance(timedelta(seconds=caught.value.retry_after))
    await start(account)
    assert len(sms.sent) == SENDS_PER_WINDOW + 1


async def test_send_limit_counts_every_account_asking_for_the_same_phone(
    register_account: RegisterAccount, start: StartVerification
) -> None:
    accounts = [await register_account() for _ in range(SENDS_PER_WINDOW + 1)]
    for account in accounts[:SENDS_PER_WINDOW]:
        await start(account)
    with pytest.raises(RateLimited):
        await start(accounts[-1])


async def test_send_limit_is_per_phone(
    register_account: RegisterAccount, start: StartVerification, sms: MemorySmsSender
) -> None:
    account = await register_account()
    for _ in range(SENDS_PER_WINDOW):
        await start(account, TEST_PHONE)
    await start(account, OTHER_PHONE)
    assert sms.sent[-1][0] == OTHER_PHONE
