"""Request and response bodies of the partner and plugin endpoints.

Secrets appear once: a partner key's secret only in the answer that issued it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from adapters.http.schemas import NO_NUL, MoneyOut
from core.partners import model as partners
from core.partners.api import PartnerOffer
from core.partners.model import PartnerHold, PartnerKey
from core.partners.ports import PluginProblem
from core.partners.registry import LoadedPlugin, LoadFailure

ScopeName = Literal["availability:read", "holds:write"]
KeyName = Annotated[str, Meta(min_length=1, max_length=partners.KEY_NAME_MAX, pattern=NO_NUL)]
Reference = Annotated[
    str, Meta(min_length=1, max_length=partners.REFERENCE_MAX, pattern=NO_NUL, examples=["A-1042"])
]
HoldSeats = Annotated[int, Meta(ge=1, le=partners.SEATS_PER_HOLD_MAX)]
TtlSeconds = Annotated[
    int,
    Meta(
        ge=int(partners.HOLD_TTL_MIN.total_seconds()),
        le=int(partners.HOLD_TTL_MAX.total_seconds()),
    ),
]


class KeyIn(msgspec.Struct, forbid_unknown_fields=True):
    """A key for a partner platform: name it after the partner, give it what it needs."""

    name: KeyName
    scopes: Annotated[list[ScopeName], Meta(min_length=1, max_length=2)]


class KeyOut(msgspec.Struct):
    id: UUID
    name: str
    scopes: list[str]
    hint: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: PartnerKey) -> KeyOut:
        return cls(
            id=key.id,
            name=key.name,
            scopes=sorted(scope.value for scope in key.scopes),
            hint=key.hint,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class IssuedKeyOut(msgspec.Struct):
    """The new key; `secret` is shown this once and cannot be read again."""

    key: KeyOut
    secret: str


class KeyList(msgspec.Struct):
    items: list[KeyOut]


class HoldIn(msgspec.Struct, forbid_unknown_fields=True):
    """Hold seats; `reference` is your order id (sending it again returns the same hold)."""

    event_id: UUID
    seats: HoldSeats
    reference: Reference
    ttl_seconds: TtlSeconds = int(partners.HOLD_TTL_DEFAULT.total_seconds())


class HoldOut(msgspec.Struct):
    id: UUID
    event_id: UUID
    seats: int
    reference: str
    status: Literal["held", "confirmed", "released", "expired"]
    created_at: datetime
    expires_at: datetime
    confirmed_at: datetime | None
    closed_at: datetime | None
    amount: MoneyOut | None

    @classmethod
    def of(cls, hold: PartnerHold) -> HoldOut:
        return cls(
            id=hold.id,
            event_id=hold.event_id,
            seats=hold.seats,
            reference=hold.reference,
            status=hold.status.value,  # type: ignore[arg-type]
            created_at=hold.created_at,
            expires_at=hold.expires_at,
            confirmed_at=hold.confirmed_at,
            closed_at=hold.closed_at,
            amount=MoneyOut.of(hold.amount),
        )


class OfferOut(msgspec.Struct):
    name: str
    url: str
    starts_at: datetime | None
    seats_left: int | None
    availability: str

    @classmethod
    def of(cls, offer: PartnerOffer) -> OfferOut:
        return cls(offer.name, offer.url, offer.starts_at, offer.seats_left, offer.availability)


class OfferList(msgspec.Struct):
    items: list[OfferOut]


class ActivationIn(msgspec.Struct, forbid_unknown_fields=True):
    active: bool


class PluginOut(msgspec.Struct):
    """A plugin running here, and whether the caller switched it on for their events."""

    name: str
    version: str
    active: bool


class PluginList(msgspec.Struct):
    items: list[PluginOut]


class LoadedOut(msgspec.Struct):
    name: str
    version: str
    requires_api: str
    registrations: dict[str, int]

    @classmethod
    def of(cls, plugin: LoadedPlugin) -> LoadedOut:
        return cls(plugin.name, plugin.version, plugin.requires_api, plugin.registrations.summary())


class FailureOut(msgspec.Struct):
    name: str
    stage: str
    error: str

    @classmethod
    def of(cls, failure: LoadFailure) -> FailureOut:
        return cls(failure.name, failure.stage, failure.error)


class ProblemOut(msgspec.Struct):
    plugin: str
    kind: str
    count: int
    last_error: str
    last_at: datetime

    @classmethod
    def of(cls, problem: PluginProblem) -> ProblemOut:
        return cls(problem.plugin, problem.kind, problem.count, problem.last_error, problem.last_at)


class PluginReport(msgspec.Struct):
    """For platform admins: what loaded, what did not and why, and what failed since."""

    api_version: str
    loaded: list[LoadedOut]
    failed: list[FailureOut]
    problems: list[ProblemOut]
