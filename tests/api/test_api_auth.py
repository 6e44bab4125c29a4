"""Accounts and sessions over HTTP: register, log in, refresh, phone verification, /me."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx

from adapters.memory import FixedClock, MemorySmsSender
from core.shared.errors import RateLimited
from entrypoints.http import create_app

from .apiclient import (
    PASSWORD,
    PUBLIC_URL,
    TEST_PHONES,
    Api,
    User,
    assert_problem,
    lifespan_in_task,
    memory_platform,
)

ACCOUNT_KEYS = {
    "id",
    "full_name",
    "email",
    "phone",
    "phone_verified",
    "roles",
    "created_at",
    "language",
}
TOKEN_KEYS = {"access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in"}


async def test_register_returns_the_account_without_secrets(api: Api) -> None:
    r = await api.client.post(
        "/api/v1/auth/register",
        json={"full_name": "  Ann   Lee ", "email": "Ann@Example.org", "password": PASSWORD},
    )
    assert r.status_code == 201
    body = r.json()
    assert set(body) == ACCOUNT_KEYS
    assert body["full_name"] == "Ann Lee"
    assert body["email"] == "ann@example.org"
    assert body["phone"] is None
    assert body["phone_verified"] is False
    assert body["roles"] == ["guest", "host"]
    assert body["language"] == "en"
    assert PASSWORD not in r.text


async def test_an_account_chooses_the_language_of_its_emails(api: Api) -> None:
    olga = await api.register("Olga", language="ru")
    r = await api.client.get("/api/v1/me", headers=olga.headers)
    assert r.json()["language"] == "ru"
    r = await api.client.patch("/api/v1/me", json={"language": "en"}, headers=olga.headers)
    assert (r.status_code, r.json()["language"]) == (200, "en")
    r = await api.client.get("/api/v1/me", headers=olga.headers)
    assert r.json()["language"] == "en"


async def test_an_unknown_language_is_refused_naming_the_field(api: Api, host: User) -> None:
    r = await api.client.patch("/api/v1/me", json={"language": "fr"}, headers=host.headers)
    assert assert_problem(r, 400, "bad-request")["field"] == "language"


async def test_duplicate_registration_is_indistinguishable(api: Api) -> None:
    body = {"full_name": "Ann Lee", "email": "ann@example.org", "password": PASSWORD}
    first = await api.client.post("/api/v1/auth/register", json=body)
    again = await api.client.post("/api/v1/auth/register", json=body)
    assert first.status_code == again.status_code == 201
    assert first.headers["content-type"] == again.headers["content-type"]
    assert set(first.json()) == set(again.json())
    strip = {"id", "created_at"}
    assert {k: v for k, v in first.json().items() if k not in strip} == {
        k: v for k, v in again.json().items() if k not in strip
    }


async def test_register_with_a_malformed_email_is_422_naming_the_field(api: Api) -> None:
    r = await api.client.post(
        "/api/v1/auth/register",
        json={"full_name": "Ann", "email": "not-an-email", "password": PASSWORD},
    )
    assert assert_problem(r, 422, "validation-failed")["field"] == "email"


async def test_register_with_a_short_password_is_refused_by_the_schema(api: Api) -> None:
    r = await api.client.post(
        "/api/v1/auth/register",
        json={"full_name": "Ann", "email": "ann@example.org", "password": "short"},
    )
    assert assert_problem(r, 400, "bad-request")["field"] == "password"


async def test_login_returns_bearer_tokens(api: Api, host: User) -> None:
    r = await api.client.post(
        "/api/v1/auth/login", json={"email": host.email.upper(), "password": PASSWORD}
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == TOKEN_KEYS
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["refresh_expires_in"] == 30 * 24 * 3600


async def test_login_does_not_reveal_whether_the_email_exists(api: Api, host: User) -> None:
    unknown = await api.client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.org", "password": PASSWORD}
    )
    wrong = await api.client.post(
        "/api/v1/auth/login", json={"email": host.email, "password": "wrong password"}
    )
    assert_problem(unknown, 401, "unauthenticated")
    assert unknown.status_code == wrong.status_code
    assert unknown.json() == wrong.json()
    assert unknown.headers.get("www-authenticate") == wrong.headers.get("www-authenticate")


async def test_refresh_rotates_the_pair(api: Api, host: User) -> None:
    r = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": host.refresh_token})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == TOKEN_KEYS
    assert body["refresh_token"] != host.refresh_token
    me = await api.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["id"] == host.id


async def test_reusing_a_refresh_token_revokes_its_family(api: Api, host: User) -> None:
    first = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": host.refresh_token}
    )
    newer = first.json()["refresh_token"]
    reuse = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": host.refresh_token}
    )
    assert_problem(reuse, 401, "unauthenticated")
    after = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": newer})
    assert_problem(after, 401, "unauthenticated")


async def test_an_unknown_refresh_token_is_401(api: Api) -> None:
    r = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": "made-up"})
    assert_problem(r, 401, "unauthenticated")


async def test_me_returns_the_callers_account(api: Api, host: User) -> None:
    r = await api.client.get("/api/v1/me", headers=host.headers)
    assert r.status_code == 200
    assert r.json()["id"] == host.id
    assert set(r.json()) == ACCOUNT_KEYS


async def test_me_without_a_token_is_401_with_a_bearer_challenge(api: Api) -> None:
    r = await api.client.get("/api/v1/me")
    assert_problem(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"].startswith("Bearer")


async def test_me_with_a_forged_or_malformed_token_is_401(api: Api, host: User) -> None:
    for header in (
        "Bearer not-a-token",
        f"Bearer {host.access_token[:-2]}xx",
        f"Basic {host.access_token}",
        "Bearer",
    ):
        r = await api.client.get("/api/v1/me", headers={"Authorization": header})
        assert_problem(r, 401, "unauthenticated")
        assert r.headers["www-authenticate"].startswith("Bearer")


async def test_an_expired_access_token_is_401(api: Api, host: User) -> None:
    api.clock.advance(timedelta(minutes=16))
    r = await api.client.get("/api/v1/me", headers=host.headers)
    assert_problem(r, 401, "unauthenticated")


async def test_phone_verification_with_a_test_phone_code(api: Api, host: User) -> None:
    phone, code = next(iter(TEST_PHONES.items()))
    started = await api.client.post(
        "/api/v1/auth/phone/start", json={"phone": phone}, headers=host.headers
    )
    assert started.status_code == 202
    assert started.json() == {"expires_in": 600}
    verified = await api.client.post(
        "/api/v1/auth/phone/verify", json={"phone": phone, "code": code}, headers=host.headers
    )
    assert verified.status_code == 200
    assert verified.json()["phone"] == phone
    assert verified.json()["phone_verified"] is True
    me = await api.client.get("/api/v1/me", headers=host.headers)
    assert me.json()["phone_verified"] is True


async def test_a_wrong_phone_code_is_422_on_the_code_field(api: Api, host: User) -> None:
    phone = "+79990000002"
    await api.client.post("/api/v1/auth/phone/start", json={"phone": phone}, headers=host.headers)
    r = await api.client.post(
        "/api/v1/auth/phone/verify", json={"phone": phone, "code": "000000"}, headers=host.headers
    )
    assert assert_problem(r, 422, "validation-failed")["field"] == "code"


async def test_a_phone_verified_by_another_account_is_409(
    api: Api, host: User, guest: User
) -> None:
    phone, code = "+79990000003", TEST_PHONES["+79990000003"]
    await api.client.post("/api/v1/auth/phone/start", json={"phone": phone}, headers=host.headers)
    await api.client.post(
        "/api/v1/auth/phone/verify", json={"phone": phone, "code": code}, headers=host.headers
    )
    r = await api.client.post(
        "/api/v1/auth/phone/start", json={"phone": phone}, headers=guest.headers
    )
    assert_problem(r, 409, "conflict")


async def test_a_fourth_code_in_ten_minutes_is_429_with_retry_after(api: Api, host: User) -> None:
    phone = "+79991234567"
    for _ in range(3):
        ok = await api.client.post(
            "/api/v1/auth/phone/start", json={"phone": phone}, headers=host.headers
        )
        assert ok.status_code == 202
        api.clock.advance(timedelta(minutes=1))
    r = await api.client.post(
        "/api/v1/auth/phone/start", json={"phone": phone}, headers=host.headers
    )
    assert_problem(r, 429, "rate-limited")
    assert 1 <= int(r.headers["retry-after"]) <= 600


class RefusingSms(MemorySmsSender):
    """An SMS gateway that tells us to slow down."""

    async def send(self, phone: str, text: str) -> None:
        raise RateLimited("the SMS gateway asks us to slow down", retry_after=42)


async def test_rate_limited_is_429_with_retry_after(tmp_path: Path) -> None:
    platform = await memory_platform(tmp_path, sms=RefusingSms())
    app = create_app(container=platform)
    async with (
        lifespan_in_task(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL) as client,
    ):
        user = await Api(client, platform, FixedClock()).register()
        r = await client.post(
            "/api/v1/auth/phone/start", json={"phone": "+79990000001"}, headers=user.headers
        )
    assert_problem(r, 429, "rate-limited")
    assert r.headers["retry-after"] == "42"


async def test_phone_verification_needs_an_account(api: Api) -> None:
    r = await api.client.post("/api/v1/auth/phone/start", json={"phone": "+79990000001"})
    assert_problem(r, 401, "unauthenticated")


async def test_an_invalid_phone_number_is_422(api: Api, host: User) -> None:
    r = await api.client.post(
        "/api/v1/auth/phone/start", json={"phone": "12"}, headers=host.headers
    )
    assert assert_problem(r, 422, "validation-failed")["field"] == "phone"
