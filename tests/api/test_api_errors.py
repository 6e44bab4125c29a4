"""Errors are RFC 9457 problem documents, bad input is never a 500, and logs keep secrets out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from structlog.testing import capture_logs

from entrypoints.http import create_app

from .apiclient import PUBLIC_URL, Api, User, assert_problem, event_body, lifespan_in_task

BAD_EVENT_BODIES: list[Any] = [
    {**event_body(), "capacity": 10**40},
    {**event_body(), "capacity": "ten"},
    {**event_body(), "capacity": 1.5},
    {**event_body(), "capacity": None},
    {**event_body(), "title": ""},
    {**event_body(), "title": "   "},
    {**event_body(), "title": "x" * 10_000},
    {**event_body(), "title": "nul\u0000byte"},
    {**event_body(), "title": 42},
    {**event_body(), "starts_at": "yesterday"},
    {**event_body(), "starts_at": "2030-02-01T19:00:00"},
    {**event_body(), "starts_at": "9999-12-31T23:59:59Z", "ends_at": "9999-12-31T23:59:59Z"},
    {**event_body(), "time_zone": ""},
    {**event_body(), "time_zone": "../../etc/passwd"},
    {**event_body(), "visibility": "secret"},
    {**event_body(), "price": {"amount": -5, "currency": "RUB"}},
    {**event_body(), "price": {"amount": 100, "currency": "rub"}},
    {**event_body(), "price": {"amount": 10**20, "currency": "RUB"}},
    {**event_body(), "price": 100},
    {**event_body(), "unknown_field": True},
    {},
    [],
    "a string",
    None,
]


async def test_bad_event_bodies_are_4xx_problems_never_500(api: Api, host: User) -> None:
    for body in BAD_EVENT_BODIES:
        r = await api.client.post("/api/v1/events", json=body, headers=host.headers)
        assert r.status_code in (400, 422), (body, r.text)
        assert_problem(
            r, r.status_code, "bad-request" if r.status_code == 400 else "validation-failed"
        )


async def test_unparseable_json_is_400(api: Api, host: User) -> None:
    for raw in (b"{not json", b'{"title": "\\ud800"}', b"\xff\xfe", b""):
        r = await api.client.post(
            "/api/v1/events",
            content=raw,
            headers={**host.headers, "Content-Type": "application/json"},
        )
        assert_problem(r, 400, "bad-request")


async def test_schema_errors_name_the_field(api: Api, host: User) -> None:
    r = await api.client.post(
        "/api/v1/events", json={**event_body(), "capacity": 0}, headers=host.headers
    )
    body = assert_problem(r, 400, "bad-request")
    assert body["field"] == "capacity"
    assert body["errors"][0]["field"] == "capacity"


async def test_bad_query_and_path_values_are_never_500(api: Api, host: User) -> None:
    event = await api.publish(host)
    urls = [
        "/api/v1/events?limit=-1",
        "/api/v1/events?limit=99999999999999999999999999",
        "/api/v1/events?limit=abc",
        "/api/v1/events?from=not-a-date",
        "/api/v1/events?to=2030-01-01T00:00:00",
        "/api/v1/events?cursor=%00",
        "/api/v1/events?city=%00",
        "/api/v1/events?q=" + "x" * 1000,
        f"/api/v1/events/{event['id']}?invite=",
        f"/api/v1/events/{event['id']}?invite=" + "x" * 1000,
        "/api/v1/events/00000000-0000-0000-0000-00000000000g",
        "/api/v1/events/%00",
        "/api/v1/bookings?cursor=eyJ4Ijox",
    ]
    for url in urls:
        r = await api.client.get(url, headers=host.headers)
        assert 400 <= r.status_code < 500, (url, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_bad_idempotency_keys_are_refused(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    for key, status in (("", 400), ("k" * 300, 400), ("tab\tkey", 422)):
        r = await api.book(guest, event["id"], headers={"Idempotency-Key": key})
        assert r.status_code == status, (key, r.text)


async def test_an_unknown_route_is_a_404_problem(api: Api) -> None:
    assert_problem(await api.client.get("/api/v1/nothing-here"), 404, "not-found")


async def test_a_wrong_method_is_a_405_problem(api: Api) -> None:
    assert_problem(await api.client.delete("/api/v1/events"), 405, "method-not-allowed")


async def test_a_huge_body_is_a_413_problem(api: Api, host: User) -> None:
    body = {**event_body(), "description": "x" * 400_000}
    r = await api.client.post("/api/v1/events", json=body, headers=host.headers)
    assert_problem(r, 413, "request-too-large")


class ExplodingDatabase:
    """A database whose every transaction fails in a way no request could cause."""

    engine = "exploding"

    def new_uow(self) -> Any:
        raise RuntimeError("connection string postgres://admin:hunter2@db/internal")

    async def migrate(self) -> None: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


async def test_an_unexpected_error_is_a_500_problem_without_internals(
    platform: Any, tmp_path: Path
) -> None:
    broken = attrs.evolve(platform, database=ExplodingDatabase())
    app = create_app(container=broken)
    async with (
        lifespan_in_task(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL) as client,
    ):
        with capture_logs() as logs:
            r = await client.get("/api/v1/events")
    body = assert_problem(r, 500, "internal-error")
    assert "hunter2" not in r.text
    assert "RuntimeError" not in r.text
    assert "Traceback" not in r.text
    [logged] = [e for e in logs if e["event"] == "http.unexpected_error"]
    assert logged["error"] == "RuntimeError"
    assert logged["log_level"] == "error"
    assert "new_uow" in logged["traceback"]  # where it broke, for whoever reads the logs
    assert "hunter2" not in logged["traceback"]  # but no credentials quoted by the error
    assert body["detail"]


async def test_each_request_is_logged_with_method_path_status_and_duration(
    api: Api, host: User
) -> None:
    with capture_logs() as logs:
        await api.client.get("/api/v1/me", headers=host.headers)
        await api.client.get("/api/v1/nowhere")
    lines = [e for e in logs if e["event"] == "http.request"]
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [
        ("GET", "/api/v1/me", 200),
        ("GET", "/api/v1/nowhere", 404),
    ]
    assert all(isinstance(e["duration_ms"], float) for e in lines)


async def test_logs_never_carry_tokens_emails_or_phones(api: Api) -> None:
    with capture_logs() as logs:
        user = await api.register("Privacy Person")
        await api.client.post(
            "/api/v1/auth/phone/start", json={"phone": "+79990000001"}, headers=user.headers
        )
        await api.client.get(f"/api/v1/lookup/{user.email}/+79990000001/{user.access_token}")
        await api.client.get(f"/api/v1/events?invite={user.refresh_token}")
    text = repr(logs)
    for secret in (user.email, "79990000001", user.access_token, user.refresh_token, user.password):
        assert secret not in text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/events"),
        ("PATCH", "/api/v1/events/00000000-0000-0000-0000-000000000000"),
        ("POST", "/api/v1/events/00000000-0000-0000-0000-000000000000/bookings"),
        ("POST", "/api/v1/auth/phone/start"),
    ],
)
async def test_every_protected_route_answers_401_with_a_challenge(
    api: Api, method: str, path: str
) -> None:
    r = await api.client.request(method, path, json={})
    assert_problem(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"].startswith("Bearer")
