"""Fixtures for the identity unit tests: phone verification, registering with a phone, sessions."""

from __future__ import annotations

import pytest
from tests.unit.support import (
    PASSWORD,
    TEST_EMAIL,
    TEST_PHONE,
    LogIn,
    NewUow,
    Refresh,
    RegisterWithPhone,
    StartVerification,
    VerifyPhoneHelper,
)

from adapters.memory import (
    FastPasswordHasher,
    FixedCodes,
    MemoryAccessTokens,
    MemorySmsSender,
    SimplePhoneNumbers,
    SteppingClock,
)
from core.identity.commands import (
    Login,
    RefreshSession,
    Register,
    StartPhoneVerification,
    VerifyPhone,
)
from core.identity.model import Account, PhoneVerification, Session
from core.identity.services import (
    login,
    refresh_session,
    register,
    start_phone_verification,
    verify_phone,
)


@pytest.fixture
def start(
    new_uow: NewUow,
    phones: SimplePhoneNumbers,
    sms: MemorySmsSender,
    codes: FixedCodes,
    clock: SteppingClock,
) -> StartVerification:
    """Send an account a code for a phone (TEST_PHONE unless told)."""

    async def _start(account: Account, phone: str = TEST_PHONE) -> PhoneVerification:
        return await start_phone_verification(
            StartPhoneVerification(account.id, phone),
            uow=new_uow(),
            phones=phones,
            sms=sms,
            codes=codes,
            clock=clock,
        )

    return _start


@pytest.fixture
def verify(new_uow: NewUow, phones: SimplePhoneNumbers, clock: SteppingClock) -> VerifyPhoneHelper:
    """Verify an account's phone (TEST_PHONE unless told) with a code."""

    async def _verify(account: Account, code: str, phone: str = TEST_PHONE) -> Account:
        return await verify_phone(
            VerifyPhone(account.id, phone, code), uow=new_uow(), phones=phones, clock=clock
        )

    return _verify


@pytest.fixture
def register_with_phone(
    new_uow: NewUow, hasher: FastPasswordHasher, phones: SimplePhoneNumbers, clock: SteppingClock
) -> RegisterWithPhone:
    """Register TEST_EMAIL giving a phone at registration."""

    async def _register(phone: str) -> Account:
        return await register(
            Register("Ada Lovelace", TEST_EMAIL, PASSWORD, phone=phone),
            uow=new_uow(),
            hasher=hasher,
            phones=phones,
            clock=clock,
        )

    return _register


@pytest.fixture
def log_in(
    new_uow: NewUow,
    hasher: FastPasswordHasher,
    tokens: MemoryAccessTokens,
    clock: SteppingClock,
) -> LogIn:
    """Log in (TEST_EMAIL and PASSWORD unless told) and open a session."""

    async def _log_in(email: str = TEST_EMAIL, password: str = PASSWORD) -> Session:
        return await login(
            Login(email, password), uow=new_uow(), hasher=hasher, tokens=tokens, clock=clock
        )

    return _log_in


@pytest.fixture
def refresh(new_uow: NewUow, tokens: MemoryAccessTokens, clock: SteppingClock) -> Refresh:
    """Spend a refresh token for a new session."""

    async def _refresh(token: str) -> Session:
        return await refresh_session(
            RefreshSession(token), uow=new_uow(), tokens=tokens, clock=clock
        )

    return _refresh
