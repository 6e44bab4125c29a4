"""Pushes owed to partners, and the circuit breaker that spares a partner who is down.

A delivery is "tell partner P how event E stands": one row per (partner, event) while it is
owed. A change that comes while one is owed bumps its `revision` instead of adding a row, and
the snapshot is read when the push is made, so a partner always gets the latest state and a
burst of bookings costs one push. Failed pushes wait longer each time.

The breaker counts a partner's consecutive failures across all its deliveries. After
`THRESHOLD` of them it opens: nothing is sent to that partner for a cool-down that doubles
with every trip (up to `COOLDOWN_MAX`). When the cool-down is over one delivery goes out as a
probe (half-open): success closes the breaker, failure opens it again for longer.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from uuid import UUID

import attrs

THRESHOLD = 5
COOLDOWN = timedelta(seconds=30)
COOLDOWN_MAX = timedelta(minutes=15)
PROBE_LEASE = timedelta(seconds=60)
RETRY_MAX = timedelta(hours=1)
MAX_ATTEMPTS = 24
"""About a day of retries, an hour apart at the end; then the delivery is given up."""
NEVER = datetime(9999, 1, 1, tzinfo=UTC)


class CircuitState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@attrs.define
class Circuit:
    """The breaker of one partner (an availability exchange, named after its plugin).

    `probing` is set while the one probe of a half-open breaker is out; the breaker counts as
    open meanwhile (for `PROBE_LEASE`), so parallel workers send no second probe.
    """

    exchange: str
    failures: int = 0
    trips: int = 0
    open_until: datetime | None = None
    probing: bool = False

    def state(self, now: datetime) -> CircuitState:
        if self.open_until is None:
            return CircuitState.CLOSED
        return CircuitState.OPEN if now < self.open_until else CircuitState.HALF_OPEN

    def allowance(self, now: datetime, batch: int) -> int:
        """How many deliveries may go out now: a whole batch, one probe, or none."""
        return {
            CircuitState.CLOSED: batch,
            CircuitState.HALF_OPEN: 1,
            CircuitState.OPEN: 0,
        }[self.state(now)]

    def sending(self, now: datetime) -> None:
        """Deliveries are going out; a half-open breaker now has its probe out."""
        if self.state(now) is CircuitState.HALF_OPEN:
            self.probing, self.open_until = True, now + PROBE_LEASE

    def succeeded(self) -> None:
        self.failures, self.trips, self.open_until, self.probing = 0, 0, None, False

    def failed(self, now: datetime) -> bool:
        """Count a failure; True when it (re)opens the breaker. Failures of deliveries that
        were already out when it opened only count."""
        self.failures += 1
        tripping = self.probing or (self.open_until is None and self.failures >= THRESHOLD)
        if not tripping:
            return False
        self.trips += 1
        self.probing = False
        self.open_until = now + min(COOLDOWN * 2 ** (self.trips - 1), COOLDOWN_MAX)
        return True


@attrs.define
class Delivery:
    """An availability push owed to one partner about one event."""

    id: UUID
    exchange: str
    event_id: UUID
    organiser_id: UUID
    created_at: datetime
    next_attempt_at: datetime
    revision: int = 1
    attempts: int = 0
    delivered_at: datetime | None = None
    last_error: str | None = None

    def failed(self, now: datetime, error: str) -> bool:
        """Schedule the next try; True when this was the last one (given up)."""
        self.attempts += 1
        self.last_error = error[:500]
        if self.attempts >= MAX_ATTEMPTS:
            self.next_attempt_at = NEVER
            return True
        self.next_attempt_at = now + min(timedelta(seconds=2**self.attempts), RETRY_MAX)
        return False

    def sent(self, now: datetime) -> None:
        """The partner took it: done, unless a newer revision came in meanwhile (the store
        then keeps it owed and due now)."""
        self.delivered_at, self.next_attempt_at = now, now
        self.attempts, self.last_error = 0, None

    def postponed(self, until: datetime) -> None:
        """The partner's breaker is open: wait for it, without counting an attempt."""
        self.next_attempt_at = max(self.next_attempt_at, until)
