"""Identity commands: what a person asks for, already parsed, not yet checked."""

from __future__ import annotations

import attrs

from core.identity.model import AccountId


@attrs.frozen
class Register:
    full_name: str
    email: str
    password: str = attrs.field(repr=False)
    phone: str | None = None
    language: str = "en"


@attrs.frozen
class Login:
    email: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class RefreshSession:
    refresh_token: str = attrs.field(repr=False)


@attrs.frozen
class StartPhoneVerification:
    account_id: AccountId
    phone: str


@attrs.frozen
class VerifyPhone:
    account_id: AccountId
    phone: str
    code: str = attrs.field(repr=False)


@attrs.frozen
class ChooseLanguage:
    account_id: AccountId
    language: str
