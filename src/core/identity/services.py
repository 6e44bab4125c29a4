"""Identity use cases: register, log in, refresh, verify a phone."""

from __future__ import annotations

import secrets
from uuid import UUID

from core.identity.commands import (
    ChooseLanguage,
    Login,
    RefreshSession,
    Register,
    StartPhoneVerification,
    VerifyPhone,
)
from core.identity.model import (
    REFRESH_TTL,
    SEND_WINDOW,
    Account,
    AccountId,
    PhoneVerification,
    RefreshToken,
    Session,
    check_full_name,
    check_password,
    check_send_allowed,
    hash_token,
    normalise_email,
    parse_language,
)
from core.identity.ports import (
    AccessTokens,
    CodeSource,
    IdentityUnitOfWork,
    PasswordHasher,
    PhoneNumbers,
    SmsSender,
)
from core.shared.clock import Clock
from core.shared.errors import Conflict, Unauthenticated, ValidationFailed
from core.shared.ids import uuid7

BAD_LOGIN = "email or password is wrong"


class SecretCodes:
    """Six-digit one-time codes from the operating system's CSPRNG."""

    def new_code(self, phone: str) -> str:
        return f"{secrets.randbelow(1_000_000):06d}"


async def register(
    cmd: Register,
    *,
    uow: IdentityUnitOfWork,
    hasher: PasswordHasher,
    phones: PhoneNumbers,
    clock: Clock,
) -> Account:
    """Create an account. An email that is taken gets the same answer, and its owner a note."""
    email = normalise_email(cmd.email)
    full_name = check_full_name(cmd.full_name)
    password_hash = hasher.hash(check_password(cmd.password))
    phone = phones.normalise(cmd.phone) if cmd.phone else None
    language = parse_language(cmd.language)
    now = clock.now()
    account = Account(
        id=AccountId(uuid7(now)),
        full_name=full_name,
        email=email,
        password_hash=password_hash,
        created_at=now,
        phone=phone,
        language=language,
    )
    async with uow:
        existing = await uow.accounts.find_by_email(email)
        if existing is not None:
            existing.note_registration_attempt(now)
            await uow.accounts.save(existing)
        else:
            await uow.accounts.add(account)
        await uow.commit()
    # For a taken email the caller gets an account that was never stored: the answer must not
    # tell whether the email is registered.
    return account


async def _open_session(
    account: Account,
    *,
    uow: IdentityUnitOfWork,
    tokens: AccessTokens,
    clock: Clock,
    family_id: UUID | None = None,
) -> Session:
    now = clock.now()
    access, access_expires = tokens.issue(account, now)
    raw_refresh = secrets.token_urlsafe(32)
    refresh = RefreshToken(
        id=uuid7(now),
        family_id=family_id or uuid7(now),
        account_id=account.id,
        token_hash=hash_token(raw_refresh),
        created_at=now,
        expires_at=now + REFRESH_TTL,
    )
    await uow.refresh_tokens.add(refresh)
    return Session(
        account_id=account.id,
        access_token=access,
        access_expires_at=access_expires,
        refresh_token=raw_refresh,
        refresh_expires_at=refresh.expires_at,
    )


async def login(
    cmd: Login,
    *,
    uow: IdentityUnitOfWork,
    hasher: PasswordHasher,
    tokens: AccessTokens,
    clock: Clock,
) -> Session:
    """Exchange email and password for an access token and a refresh token."""
    async with uow:
        account = await _verified(cmd, uow, hasher)
        session = await _open_session(account, uow=uow, tokens=tokens, clock=clock)
        await uow.commit()
    return session


async def authenticate(cmd: Login, *, uow: IdentityUnitOfWork, hasher: PasswordHasher) -> Account:
    """The account these credentials belong to, opening no session (for a signed cookie)."""
    async with uow:
        return await _verified(cmd, uow, hasher)


async def _verified(cmd: Login, uow: IdentityUnitOfWork, hasher: PasswordHasher) -> Account:
    try:
        email = normalise_email(cmd.email)
    except ValidationFailed:
        raise Unauthenticated(BAD_LOGIN) from None
    account = await uow.accounts.find_by_email(email)
    if account is None:
        hasher.hash(cmd.password)  # as slow as a verify: a wrong email looks like a wrong password
        raise Unauthenticated(BAD_LOGIN)
    if not hasher.verify(account.password_hash, cmd.password):
        raise Unauthenticated(BAD_LOGIN)
    return account


async def refresh_session(
    cmd: RefreshSession,
    *,
    uow: IdentityUnitOfWork,
    tokens: AccessTokens,
    clock: Clock,
) -> Session:
    """Rotate a refresh token. Presenting a spent one revokes its whole family (theft signal)."""
    now = clock.now()
    reused = False
    async with uow:
        token = await uow.refresh_tokens.find(hash_token(cmd.refresh_token))
        if token is None:
            raise Unauthenticated("refresh token is not valid; log in again")
        if token.used_at is not None:
            await uow.refresh_tokens.revoke_family(token.family_id, now)
            await uow.commit()
            reused = True
        else:
            token.spend(now)
            await uow.refresh_tokens.save(token)
            account = await uow.accounts.get(token.account_id)
            session = await _open_session(
                account, uow=uow, tokens=tokens, clock=clock, family_id=token.family_id
            )
            await uow.commit()
    if reused:
        raise Unauthenticated("refresh token was already used; every session of it is revoked")
    return session


async def start_phone_verification(
    cmd: StartPhoneVerification,
    *,
    uow: IdentityUnitOfWork,
    phones: PhoneNumbers,
    sms: SmsSender,
    codes: CodeSource,
    clock: Clock,
) -> PhoneVerification:
    """Send a one-time code to the phone; at most three per ten minutes per phone."""
    phone = phones.normalise(cmd.phone)
    now = clock.now()
    code = codes.new_code(phone)
    async with uow:
        account = await uow.accounts.get(cmd.account_id)
        if account.phone_verified and account.phone == phone:
            raise Conflict("this phone is already verified for your account")
        owner = await uow.accounts.find_by_verified_phone(phone)
        if owner is not None and owner.id != account.id:
            raise Conflict("this phone cannot be verified for your account")
        since = now - SEND_WINDOW
        check_send_allowed(await uow.phone_verifications.sent_since(phone, since), now)
        verification = PhoneVerification.issue(account.id, phone, code, now)
        await uow.phone_verifications.add(verification)
        await uow.commit()
    await sms.send(phone, f"Stagedoor code: {code}. It expires in 10 minutes.")
    return verification


async def verify_phone(
    cmd: VerifyPhone,
    *,
    uow: IdentityUnitOfWork,
    phones: PhoneNumbers,
    clock: Clock,
) -> Account:
    """Check a code; the right one verifies the phone, a wrong one costs one of five tries."""
    phone = phones.normalise(cmd.phone)
    now = clock.now()
    async with uow:
        verification = await uow.phone_verifications.latest(cmd.account_id, phone)
        if verification is None:
            raise ValidationFailed(
                "no code was sent to this phone; request one first", field="code"
            )
        ok = verification.check(cmd.code.strip(), now)
        await uow.phone_verifications.save(verification)
        if ok:
            owner = await uow.accounts.find_by_verified_phone(phone)
            if owner is not None and owner.id != cmd.account_id:
                raise Conflict("this phone cannot be verified for your account")
            account = await uow.accounts.get(cmd.account_id)
            account.verify_phone(phone, now)
            await uow.accounts.save(account)
        await uow.commit()
    if not ok:
        raise ValidationFailed(f"wrong code; {verification.tries_left} tries left", field="code")
    return account


async def get_account(account_id: AccountId, *, uow: IdentityUnitOfWork) -> Account:
    async with uow:
        return await uow.accounts.get(account_id)


async def choose_language(cmd: ChooseLanguage, *, uow: IdentityUnitOfWork) -> Account:
    """Set the language the account's emails and reminders are written in."""
    language = parse_language(cmd.language)
    async with uow:
        account = await uow.accounts.get(cmd.account_id)
        account.language = language
        await uow.accounts.save(account)
        await uow.commit()
    return account
