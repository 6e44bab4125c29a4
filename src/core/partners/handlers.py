"""Partner event handlers: partners are owed the new availability when seats move."""

from __future__ import annotations

from collections.abc import Sequence

from core.booking.events import AvailabilityChanged
from core.partners.pushes import owe_availability
from core.shared.events import Handler

HANDLERS: dict[str, Sequence[Handler]] = {AvailabilityChanged.name: [owe_availability]}
