"""The one cattrs converter for domain events at the edges: outbox rows and queue payloads.

An event is stored as its `name`, its schema `version` and a JSON payload of its fields. A row
written by an older version of an event is brought up to date by the upgrade registered for
(name, old version) before it is structured; a row newer than this code refuses to load, so a
worker that was not upgraded yet fails loudly (and retries later) instead of guessing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
from cattrs.preconf.json import make_converter

from core.shared.catalogue import EVENT_TYPES
from core.shared.events import DomainEvent

converter = make_converter()
converter.register_unstructure_hook(UUID, str)
converter.register_structure_hook(UUID, lambda value, _: UUID(str(value)))
converter.register_structure_hook(datetime, lambda value, _: _aware(value))

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]

UPGRADES: dict[tuple[str, int], Upgrade] = {}
"""(event name, version) -> function turning that version's payload into the next one's."""


class UnknownEvent(LookupError):
    """Raised when a stored event has a name or version this code cannot read."""


def _aware(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"stored instant {value!r} has no time zone")
    return moment


def dump_event(event: DomainEvent) -> str:
    """The JSON payload of an event: its own fields, without name and version."""
    return json.dumps(converter.unstructure(event), separators=(",", ":"), ensure_ascii=False)


def load_event(
    name: str,
    version: int,
    payload: str | Mapping[str, Any],
    types: Mapping[str, type[DomainEvent]] = EVENT_TYPES,
) -> DomainEvent:
    """Rebuild an event from what `dump_event` wrote, upgrading old versions first."""
    cls = types.get(name)
    if cls is None:
        raise UnknownEvent(f"no event class is named {name!r}")
    data = dict(json.loads(payload) if isinstance(payload, str) else payload)
    while version < cls.version:
        upgrade = UPGRADES.get((name, version))
        if upgrade is None:
            raise UnknownEvent(f"no upgrade for {name!r} from version {version}")
        data, version = upgrade(data), version + 1
    if version > cls.version:
        raise UnknownEvent(
            f"{name!r} version {version} is newer than this code's {cls.version}; upgrade it"
        )
    known = {a.alias for a in attrs.fields(cls)}
    return converter.structure({k: v for k, v in data.items() if k in known}, cls)
