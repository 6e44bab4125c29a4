"""Money as integer minor units plus an ISO 4217 currency code; never a float."""

from __future__ import annotations

import attrs

from core.shared.errors import ValidationFailed


def _is_currency(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not (
        isinstance(value, str)
        and len(value) == 3
        and value.isascii()
        and value.isalpha()
        and value.isupper()
    ):
        raise ValidationFailed(f"currency must be a three-letter ISO 4217 code, got {value!r}")


def _is_int(_: object, __: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"money amounts are integer minor units, got {value!r}")


@attrs.frozen(order=False)
class Money:
    """An amount in minor units (kopecks, cents) of one currency."""

    amount: int = attrs.field(validator=_is_int)
    currency: str = attrs.field(validator=_is_currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValidationFailed(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, times: int) -> Money:
        _is_int(None, None, times)  # type: ignore[arg-type]
        return Money(self.amount * times, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        sign = "-" if self.amount < 0 else ""
        whole, cents = divmod(abs(self.amount), 100)
        return f"{sign}{whole}.{cents:02d} {self.currency}"
