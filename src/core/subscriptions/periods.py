"""Calendar arithmetic of subscriptions: monthly periods, proration and the dunning calendar.

Everything here is a pure function of instants the Clock port gave: a year of renewals can
be stepped through in a test without waiting for one.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from core.shared.errors import ValidationFailed
from core.shared.money import Money

RETRY_AFTER = (timedelta(days=1), timedelta(days=3), timedelta(days=7))
"""When a renewal that failed on its due date is tried again, counted from that date."""

CANCEL_AFTER = timedelta(days=14)
"""A subscription still unpaid this long after its renewal was due is cancelled."""


def add_months(anchor: datetime, months: int) -> datetime:
    """`anchor` moved by whole calendar months, on the anchor's day of the month or the
    month's last day when it is shorter (31 January + 1 month = 28 or 29 February), at the
    same time of day. Counting every period from one anchor keeps the day from drifting:
    31 January + 2 months is 31 March, not 28 March."""
    if months < 0:
        raise ValidationFailed("a subscription period moves forward in time")
    month_index = anchor.month - 1 + months
    year, month = anchor.year + month_index // 12, month_index % 12 + 1
    day = min(anchor.day, calendar.monthrange(year, month)[1])
    return anchor.replace(year=year, month=month, day=day)


def remaining_share(amount: Money, start: datetime, end: datetime, now: datetime) -> Money:
    """The part of `amount` that pays for the time left between `now` and `end` of the
    period [`start`, `end`), rounded down to a minor unit: what a refund of the unused time
    gives back, or what moving to a dearer plan for the rest of the period costs."""
    if end <= start:
        raise ValidationFailed("a period ends after it starts")
    left = min(max(end - now, timedelta(0)), end - start)
    whole = (end - start) // timedelta(microseconds=1)
    part = left // timedelta(microseconds=1)
    sign = -1 if amount.amount < 0 else 1
    return Money(sign * (abs(amount.amount) * part // whole), amount.currency)


def next_retry(due: datetime, now: datetime) -> datetime | None:
    """When to try a renewal due at `due` again after an attempt failed at `now`: the first
    retry day still ahead, or None when the last one has passed (the subscription is then
    past due)."""
    return next((due + wait for wait in RETRY_AFTER if due + wait > now), None)
