"""Partner platforms: keys organisers issue, availability as JSON-LD, and two-phase holds.

Partners call `/api/v1/partner/...` with `Authorization: Bearer sdpk_...` (a partner key);
organisers manage keys with their own access token. Availability is schema.org JSON-LD with
an ETag: a partner polling with `If-None-Match` gets `304 Not Modified` until something
changed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody, QueryParameter, SkipValidation

from adapters.http.auth import BEARER, CurrentAccount
from adapters.http.deps import Platform, PlatformDep
from adapters.http.partner_schemas import HoldIn, HoldOut, IssuedKeyOut, KeyIn, KeyList, KeyOut
from adapters.http.problems import problem_responses
from adapters.http.schemas import NO_NUL
from core.identity.model import AccountId
from core.partners import jsonld, services
from core.partners.availability import AvailabilitySnapshot
from core.partners.commands import IssueKey, PlaceHold, RevokeKey
from core.partners.feed import event_availability, organiser_feed
from core.partners.model import KEY_PREFIX, KeyScope
from core.shared.errors import Unauthenticated
from core.shared.paging import MAX_LIMIT, Page, PageRequest

PARTNER_KEY: list[dict[str, list[str]]] = [{"partnerKey": []}]
"""OpenAPI security requirement of the partner routes."""

Cursor = Annotated[
    str | None,
    QueryParameter(
        description="The cursor of the `Link: rel=next` of the previous page",
        min_length=1,
        max_length=512,
        pattern=NO_NUL,
        required=False,
    ),
]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")]
JSONLD_RESPONSES = {200: "schema.org JSON-LD (`application/ld+json`)", 304: "Not modified"}


def provide_partner_secret(request: Request[Any, Any, Any]) -> str:
    """The partner key sent as `Authorization: Bearer sdpk_...`."""
    scheme, _, secret = (request.headers.get("authorization") or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip().startswith(KEY_PREFIX):
        raise Unauthenticated(f"send your partner key as `Authorization: Bearer {KEY_PREFIX}...`")
    return secret.strip()


PartnerSecret = SkipValidation[str]


def _etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _unchanged(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


JsonLd = Response[dict[str, Any]]
"""A JSON-LD document (sent as the bytes its ETag was computed over)."""


def jsonld_response(
    request: Request[Any, Any, Any], document: dict[str, Any], *, next_url: str | None = None
) -> JsonLd:
    """JSON-LD with a strong ETag of its bytes; 304 when the client has these bytes already."""
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    raw = body.encode()
    etag = _etag(raw)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if next_url is not None:
        headers["Link"] = f'<{next_url}>; rel="next"'
    if _unchanged(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=304, headers=headers)  # type: ignore[arg-type]
    return Response(raw, media_type=jsonld.MEDIA_TYPE, headers=headers)  # type: ignore[arg-type]


def _feed_response(
    request: Request[Any, Any, Any], page: Page[AvailabilitySnapshot], base_url: str, limit: int
) -> JsonLd:
    next_url = None
    if page.next_cursor is not None:
        query = urlencode({"cursor": page.next_cursor.encode(), "limit": limit})
        next_url = f"{base_url}{request.url.path}?{query}"
    return jsonld_response(request, jsonld.item_list(page.items, base_url), next_url=next_url)


class AvailabilityController(Controller):
    """Public availability feeds: what anyone (a search engine, a partner) may read."""

    path = "/api/v1"
    tags = ["availability"]

    @get(
        "/organisers/{organiser_id:uuid}/availability",
        operation_id="organiserAvailability",
        media_type=jsonld.MEDIA_TYPE,
        responses=problem_responses(404, 422),
        response_description=JSONLD_RESPONSES[200],
    )
    async def feed(
        self,
        request: Request[Any, Any, Any],
        organiser_id: FromPath[UUID],
        platform: PlatformDep,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> JsonLd:
        """The organiser's upcoming public events with what is left (schema.org ItemList)."""
        page = await organiser_feed(
            AccountId(organiser_id),
            PageRequest.parse(cursor, limit),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return _feed_response(request, page, platform.settings.public_url, limit)

    @get(
        "/events/{event_id:uuid}/availability",
        operation_id="eventAvailability",
        media_type=jsonld.MEDIA_TYPE,
        responses=problem_responses(404),
        response_description=JSONLD_RESPONSES[200],
    )
    async def one(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID], platform: PlatformDep
    ) -> JsonLd:
        """One public event and its offer (schema.org Event)."""
        snapshot = await event_availability(event_id, uow=platform.new_uow(), clock=platform.clock)
        return jsonld_response(request, jsonld.document(snapshot, platform.settings.public_url))


class PartnerKeysController(Controller):
    """Organisers issue, list and revoke the keys their partner platforms call in with."""

    path = "/api/v1/partner-keys"
    tags = ["partners"]
    security = BEARER

    @post(
        "/", status_code=201, operation_id="issuePartnerKey", responses=problem_responses(401, 422)
    )
    async def issue(
        self, data: JSONBody[KeyIn], platform: PlatformDep, account_id: CurrentAccount
    ) -> IssuedKeyOut:
        """A new key; its secret is in this answer only (store it at the partner now)."""
        key, secret = await services.issue_key(
            IssueKey(account_id, data.name, frozenset(KeyScope(s) for s in data.scopes)),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return IssuedKeyOut(KeyOut.of(key), secret)

    @get("/", operation_id="listPartnerKeys", responses=problem_responses(401))
    async def listed(self, platform: PlatformDep, account_id: CurrentAccount) -> KeyList:
        """The caller's keys, newest first (secrets are never shown again)."""
        keys = await services.list_keys(account_id, uow=platform.new_uow())
        return KeyList([KeyOut.of(k) for k in keys])

    @delete(
        "/{key_id:uuid}",
        status_code=200,
        operation_id="revokePartnerKey",
        responses=problem_responses(401, 404),
    )
    async def revoke(
        self, key_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> KeyOut:
        """Stop a key at once; revoking it again changes nothing."""
        key = await services.revoke_key(
            RevokeKey(key_id, account_id), uow=platform.new_uow(), clock=platform.clock
        )
        return KeyOut.of(key)


class PartnerController(Controller):
    """What a partner platform does with its key: read availability, hold and sell seats."""

    path = "/api/v1/partner"
    tags = ["partners"]
    security = PARTNER_KEY
    dependencies = {"partner_secret": Provide(provide_partner_secret, sync_to_thread=False)}

    @get(
        "/events",
        operation_id="partnerEvents",
        media_type=jsonld.MEDIA_TYPE,
        responses=problem_responses(401, 403, 422),
        response_description=JSONLD_RESPONSES[200],
    )
    async def events(
        self,
        request: Request[Any, Any, Any],
        platform: PlatformDep,
        partner_secret: PartnerSecret,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> JsonLd:
        """The key's organiser's upcoming public events with what is left (ItemList)."""
        key = await services.authenticate(
            partner_secret, KeyScope.AVAILABILITY_READ, uow=platform.new_uow()
        )
        page = await organiser_feed(
            key.organiser_id,
            PageRequest.parse(cursor, limit),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return _feed_response(request, page, platform.settings.public_url, limit)

    @post(
        "/holds",
        operation_id="placeHold",
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def hold(
        self, data: JSONBody[HoldIn], platform: PlatformDep, partner_secret: PartnerSecret
    ) -> Response[HoldOut]:
        """Hold seats until `expires_at`; then confirm (sold) or release them. 201 when new,
        200 with the same hold when the reference was sent before."""
        hold, replayed = await services.place_hold(
            PlaceHold(
                await _holder(platform, partner_secret),
                data.event_id,
                data.seats,
                data.reference,
                timedelta(seconds=data.ttl_seconds),
            ),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return Response(HoldOut.of(hold), status_code=200 if replayed else 201)

    @get(
        "/holds/{hold_id:uuid}", operation_id="getHold", responses=problem_responses(401, 403, 404)
    )
    async def read(
        self, hold_id: FromPath[UUID], platform: PlatformDep, partner_secret: PartnerSecret
    ) -> HoldOut:
        key_id = await _holder(platform, partner_secret)
        return HoldOut.of(await services.get_hold(key_id, hold_id, uow=platform.new_uow()))

    @post(
        "/holds/{hold_id:uuid}/confirm",
        status_code=200,
        operation_id="confirmHold",
        responses=problem_responses(401, 403, 404, 409),
    )
    async def confirm(
        self, hold_id: FromPath[UUID], platform: PlatformDep, partner_secret: PartnerSecret
    ) -> HoldOut:
        """Your buyer paid: the seats are sold. Confirming again is harmless."""
        key_id = await _holder(platform, partner_secret)
        uow, clock = platform.new_uow(), platform.clock
        return HoldOut.of(await services.confirm_hold(key_id, hold_id, uow=uow, clock=clock))

    @post(
        "/holds/{hold_id:uuid}/release",
        status_code=200,
        operation_id="releaseHold",
        responses=problem_responses(401, 403, 404, 409),
    )
    async def release(
        self, hold_id: FromPath[UUID], platform: PlatformDep, partner_secret: PartnerSecret
    ) -> HoldOut:
        """Give the seats back. Releasing again is harmless."""
        key_id = await _holder(platform, partner_secret)
        uow, clock = platform.new_uow(), platform.clock
        return HoldOut.of(await services.release_hold(key_id, hold_id, uow=uow, clock=clock))


async def _holder(platform: Platform, secret: str) -> UUID:
    """The id of the key a partner holds seats with."""
    key = await services.authenticate(secret, KeyScope.HOLDS_WRITE, uow=platform.new_uow())
    return key.id
