"""/health reports its dependencies; the OpenAPI document is valid and lists the contract."""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
import httpx
import schemathesis

from entrypoints.http import create_app

from .apiclient import PUBLIC_URL, Api, lifespan_in_task

CONTRACT = {
    "/health": {"get"},
    "/api/v1/auth/register": {"post"},
    "/api/v1/auth/login": {"post"},
    "/api/v1/auth/refresh": {"post"},
    "/api/v1/auth/phone/start": {"post"},
    "/api/v1/auth/phone/verify": {"post"},
    "/api/v1/me": {"get", "patch"},
    "/api/v1/events": {"get", "post"},
    "/api/v1/events/{event_id}": {"get", "patch"},
    "/api/v1/events/{event_id}/cancel": {"post"},
    "/api/v1/events/{event_id}/invitations": {"post"},
    "/api/v1/events/{event_id}/bookings": {"post"},
    "/api/v1/events/{event_id}/guests": {"get"},
    "/api/v1/events/{event_id}/held": {"post"},
    "/api/v1/events/{event_id}/reviews": {"get", "post"},
    "/api/v1/reviews/{review_id}": {"patch"},
    "/api/v1/events/{event_id}/waitlist": {"post"},
    "/api/v1/waitlist": {"get"},
    "/api/v1/venues": {"post"},
    "/api/v1/venues/{venue_id}": {"get"},
    "/api/v1/events/{event_id}/seats": {"get"},
    "/api/v1/waitlist/{entry_id}/accept": {"post"},
    "/api/v1/waitlist/{entry_id}/leave": {"post"},
    "/api/v1/accounts/{person_id}/reviews": {"get"},
    "/api/v1/accounts/{person_id}/profile": {"get"},
    "/api/v1/accounts/{person_id}/events": {"get"},
    "/api/v1/bookings": {"get"},
    "/api/v1/bookings/{booking_id}/cancel": {"post"},
    "/api/v1/bookings/{booking_id}/refund": {"post"},
    "/api/v1/payments/{payment_id}": {"get"},
    "/api/v1/payments/webhooks/{provider}": {"post"},
    "/api/v1/conferences": {"get", "post"},
    "/api/v1/conferences/{conference_id}": {"get", "patch"},
    "/api/v1/conferences/{conference_id}/points": {"get", "post"},
    "/api/v1/conferences/{conference_id}/points/{point_id}": {"patch"},
    "/api/v1/conferences/{conference_id}/stock/move": {"post"},
    "/api/v1/conferences/{conference_id}/plan": {"post"},
    "/api/v1/conferences/{conference_id}/plan/apply": {"post"},
    "/api/v1/conferences/{conference_id}/staff": {"get"},
    "/api/v1/conferences/{conference_id}/staff/invitations": {"post"},
    "/api/v1/conferences/{conference_id}/staff/{member_id}": {"delete"},
    "/api/v1/conferences/staff/accept": {"post"},
    "/api/v1/conferences/{conference_id}/participants": {"get", "post"},
    "/api/v1/conferences/{conference_id}/participants/{participant_id}": {
        "get",
        "patch",
        "delete",
    },
    "/api/v1/conferences/{conference_id}/participants/import": {"post"},
    "/api/v1/conferences/{conference_id}/participants/export.csv": {"get"},
    "/api/v1/conferences/{conference_id}/participants/{participant_id}/deliver": {"post"},
    "/api/v1/conferences/{conference_id}/stats": {"get"},
    "/api/v1/conferences/{conference_id}/stats/stream": {"get"},
    "/api/v1/conferences/{conference_id}/rebalance": {"post"},
    "/api/v1/conferences/{conference_id}/rebalance/apply": {"post"},
    "/api/v1/plans": {"get", "post"},
    "/api/v1/plans/{plan_id}/retire": {"post"},
    "/api/v1/subscriptions": {"get", "post"},
    "/api/v1/subscriptions/{subscription_id}": {"get"},
    "/api/v1/subscriptions/{subscription_id}/cancel": {"post"},
    "/api/v1/subscriptions/{subscription_id}/resume": {"post"},
    "/api/v1/subscriptions/{subscription_id}/change": {"post"},
    "/api/v1/subscriptions/{subscription_id}/pay": {"post"},
    "/api/v1/me/perks": {"get"},
    "/api/v1/billing": {"get"},
    "/api/v1/conferences/{conference_id}/billing": {"get"},
    "/api/v1/invoices/{invoice_id}/pay": {"post"},
    "/api/v1/organisers/{organiser_id}/availability": {"get"},
    "/api/v1/events/{event_id}/availability": {"get"},
    "/api/v1/partner-keys": {"get", "post"},
    "/api/v1/partner-keys/{key_id}": {"delete"},
    "/api/v1/partner/events": {"get"},
    "/api/v1/partner/holds": {"post"},
    "/api/v1/partner/holds/{hold_id}": {"get"},
    "/api/v1/partner/holds/{hold_id}/confirm": {"post"},
    "/api/v1/partner/holds/{hold_id}/release": {"post"},
    "/api/v1/plugins": {"get"},
    "/api/v1/plugins/{name}/activation": {"put"},
    "/api/v1/plugins/{name}/offers": {"get"},
    "/api/v1/admin/plugins": {"get"},
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


async def test_health_is_ok_when_database_and_broker_answer(api: Api) -> None:
    r = await api.client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert {k: body[k] for k in ("status", "database", "broker")} == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
    }
    assert isinstance(body["version"], str)
    assert body["version"]


@attrs.define
class DownDatabase:
    """Stands in for a database that stopped answering."""

    inner: Any
    engine: str = "down"

    def new_uow(self) -> Any:
        return self.inner.new_uow()

    async def migrate(self) -> None: ...

    async def ping(self) -> None:
        raise ConnectionRefusedError("database is down")

    async def close(self) -> None: ...


@attrs.define
class HangingBroker:
    """A broker whose ping never returns: health must not hang with it."""

    inner: Any
    kind: str = "hanging"

    def kick(self) -> None: ...

    async def start(self, ctx: Any) -> None: ...

    async def stop(self) -> None: ...

    async def ping(self) -> None:
        await asyncio.sleep(3600)


async def test_health_is_503_degraded_when_a_check_fails(platform: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("adapters.http.health.CHECK_TIMEOUT", 0.05)
    broken = attrs.evolve(
        platform, database=DownDatabase(platform.database), tasks=HangingBroker(platform.tasks)
    )
    app = create_app(container=broken)
    async with (
        lifespan_in_task(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL) as client,
    ):
        r = await client.get("/health")
    assert r.status_code == 503
    body = r.json()
    assert (body["status"], body["database"], body["broker"]) == ("degraded", "down", "down")


async def test_the_openapi_document_is_valid_openapi_3_1(api: Api) -> None:
    r = await api.client.get("/schema/openapi.json")
    assert r.status_code == 200
    document = r.json()
    assert document["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(document).validate()  # the official 3.1 meta-schema


async def test_the_openapi_document_lists_every_contract_path(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    listed = {
        path: {m for m in item if m in HTTP_METHODS} for path, item in document["paths"].items()
    }
    assert listed == CONTRACT


async def test_every_error_response_is_documented_as_a_problem(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or path == "/health":
                continue
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"] == {
                        "application/problem+json": {"schema": problem}
                    }, (method, path, status)


async def test_protected_operations_declare_bearer_security(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    me = document["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    read = document["paths"]["/api/v1/events/{event_id}"]["get"]
    assert {} in read["security"]


async def test_request_constraints_are_visible_in_the_schema(api: Api) -> None:
    schemas = (await api.client.get("/schema/openapi.json")).json()["components"]["schemas"]
    event_in = schemas["EventIn"]["properties"]
    assert event_in["title"]["maxLength"] == 200
    assert event_in["title"]["minLength"] == 1
    assert event_in["capacity"]["minimum"] == 1
    assert schemas["BookIn"]["properties"]["seats"]["maximum"] == 20
