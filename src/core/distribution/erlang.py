"""Erlang C (the M/M/c queue): how long people wait at a pickup point with c desks.

The model: people arrive one by one at random (a Poisson process of rate λ), each takes an
exponentially distributed time with mean s at a desk, c desks serve one shared FIFO queue.
The offered load a = λ·s (in erlangs) is how many desks would be busy on average; the
utilisation a / c must stay below 1, or the queue grows without bound.

Everything here is computed with the Erlang B recursion, which only multiplies and divides
numbers between 0 and 1: no factorials, no powers, no overflow for hundreds or thousands of
desks.
"""

from __future__ import annotations

import math

import attrs

from core.shared.errors import ValidationFailed


def erlang_b(servers: int, load: float) -> float:
    """The probability that all `servers` are busy when nobody may queue (Erlang B).

    B(0) = 1 and B(k) = a·B(k-1) / (k + a·B(k-1)): every step stays within [0, 1].
    """
    if servers < 0 or load < 0:
        raise ValidationFailed("desks and load must not be negative")
    blocked = 1.0
    for k in range(1, servers + 1):
        blocked = load * blocked / (k + load * blocked)
    return blocked


def erlang_c_from_b(servers: int, load: float, blocked: float) -> float:
    """Erlang C from Erlang B for the same desks and load: C = c·B / (c - a·(1 - B))."""
    return servers * blocked / (servers - load * (1.0 - blocked))


def erlang_c(servers: int, load: float) -> float:
    """The probability that an arriving person has to wait at all, P(wait > 0).

    Refuses a load that keeps every desk busy forever (utilisation ≥ 1).
    """
    _require_stable(servers, load)
    return erlang_c_from_b(servers, load, erlang_b(servers, load))


def _require_stable(servers: int, load: float) -> None:
    if servers < 1:
        raise ValidationFailed("a pickup point needs at least one desk", field="desks")
    if load < 0:
        raise ValidationFailed("the offered load must not be negative")
    if load >= servers:
        raise ValidationFailed(
            f"utilisation would be {load / servers:.2f} (offered load {load:.1f} desks busy "
            f"on average, {servers} desks): at 1 or more the queue grows without bound; add "
            f"desks, lengthen the hand-out window or shorten the service time",
            field="desks",
        )


@attrs.frozen
class QueueFigures:
    """Steady-state figures of one M/M/c queue; times in seconds."""

    servers: int
    offered_load: float
    service_seconds: float
    p_wait: float
    """P(wait > 0): the share of people who find every desk busy."""

    @property
    def utilisation(self) -> float:
        """The share of time a desk is busy, a / c."""
        return self.offered_load / self.servers

    @property
    def arrival_rate(self) -> float:
        """People per second, λ = a / s."""
        return self.offered_load / self.service_seconds

    @property
    def decay(self) -> float:
        """The rate θ = (c - a) / s at which the tail P(wait > t) = C·e^(-θt) falls."""
        return (self.servers - self.offered_load) / self.service_seconds

    @property
    def mean_wait(self) -> float:
        """Mean wait in the queue (seconds), W = C·s / (c - a)."""
        return self.p_wait / self.decay

    @property
    def mean_queue_length(self) -> float:
        """People waiting on average (not being served), Lq = λ·W (Little's law)."""
        return self.arrival_rate * self.mean_wait

    def p_wait_over(self, seconds: float) -> float:
        """P(wait > t) = C·e^(-(c - a)·t / s)."""
        if seconds < 0:
            return 1.0
        return self.p_wait * math.exp(-self.decay * seconds)

    def wait_quantile(self, q: float) -> float:
        """The wait (seconds) that a share `q` of people do not exceed, e.g. q = 0.95."""
        if not 0 < q < 1:
            raise ValidationFailed("a quantile must lie strictly between 0 and 1")
        tail = 1.0 - q
        if self.p_wait <= tail:
            return 0.0
        return math.log(self.p_wait / tail) / self.decay


def queue_figures(arrival_rate: float, service_seconds: float, servers: int) -> QueueFigures:
    """Figures for `servers` desks, people arriving at `arrival_rate` per second."""
    if service_seconds <= 0:
        raise ValidationFailed("the service time must be positive", field="service_time")
    if arrival_rate < 0:
        raise ValidationFailed("the arrival rate must not be negative")
    load = arrival_rate * service_seconds
    return QueueFigures(servers, load, service_seconds, erlang_c(servers, load))
