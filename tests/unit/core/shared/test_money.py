"""Money: integer minor units of one ISO currency; arithmetic only within a currency."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.shared.errors import ValidationFailed
from core.shared.money import Money

currencies = st.sampled_from(["RUB", "USD", "EUR", "GBP"])
amounts = st.integers(min_value=-(10**15), max_value=10**15)


def money(currency: str = "RUB") -> st.SearchStrategy[Money]:
    return st.builds(Money, amounts, st.just(currency))


@pytest.mark.parametrize("amount", [1.5, 1.0, Decimal("1"), "100", None])
def test_amount_must_be_an_integer(amount: object) -> None:
    with pytest.raises(ValidationFailed, match="integer minor units"):
        Money(amount, "RUB")  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [True, False])
def test_amount_cannot_be_a_bool(amount: bool) -> None:
    with pytest.raises(ValidationFailed):
        Money(amount, "RUB")


@pytest.mark.parametrize("currency", ["rub", "RU", "RUBL", "", "РУБ", "Rub", 643, None])
def test_currency_must_be_three_uppercase_ascii_letters(currency: object) -> None:
    with pytest.raises(ValidationFailed, match="ISO 4217"):
        Money(100, currency)  # type: ignore[arg-type]


@pytest.mark.parametrize("currency", ["US1", "R2D", "E$R", "R B"])
def test_currency_with_non_letters_is_refused(currency: str) -> None:
    with pytest.raises(ValidationFailed):
        Money(100, currency)


def test_zero_is_zero_minor_units_of_the_currency() -> None:
    assert Money.zero("EUR") == Money(0, "EUR")


def test_money_is_immutable() -> None:
    price = Money(100, "RUB")
    with pytest.raises(AttributeError):
        price.amount = 5  # type: ignore[misc]


@given(currencies, amounts, amounts)
def test_addition_and_subtraction_are_integer_exact(currency: str, a: int, b: int) -> None:
    assert Money(a, currency) + Money(b, currency) == Money(a + b, currency)
    assert Money(a, currency) - Money(b, currency) == Money(a - b, currency)


@given(money(), money(), money())
def test_addition_is_associative_and_commutative(a: Money, b: Money, c: Money) -> None:
    assert (a + b) + c == a + (b + c)
    assert a + b == b + a


@given(money())
def test_zero_is_neutral_and_negation_cancels(a: Money) -> None:
    assert a + Money.zero("RUB") == a
    assert a + -a == Money.zero("RUB")
    assert (a - a).amount == 0


@given(money(), st.integers(min_value=-1000, max_value=1000))
def test_multiplying_by_an_integer_works_on_either_side(a: Money, times: int) -> None:
    assert a * times == Money(a.amount * times, "RUB")
    assert times * a == a * times


@pytest.mark.parametrize("times", [1.5, 2.0, True, Decimal(2)])
def test_multiplying_by_a_non_integer_is_refused(times: object) -> None:
    with pytest.raises(ValidationFailed):
        Money(100, "RUB") * times  # type: ignore[operator]


@given(currencies, currencies, amounts, amounts)
def test_arithmetic_and_comparison_only_within_one_currency(
    ca: str, cb: str, a: int, b: int
) -> None:
    left, right = Money(a, ca), Money(b, cb)
    if ca == cb:
        assert (left < right) == (a < b)
        assert (left <= right) == (a <= b)
        assert (left > right) == (a > b)
        return
    for combine in (
        lambda: left + right,
        lambda: left - right,
        lambda: left < right,
        lambda: left <= right,
    ):
        with pytest.raises(ValidationFailed, match="cannot combine"):
            combine()


def test_same_amount_in_different_currencies_is_not_equal() -> None:
    assert Money(100, "RUB") != Money(100, "USD")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "0.00 RUB"),
        (5, "0.05 RUB"),
        (150050, "1500.50 RUB"),
        (-1, "-0.01 RUB"),
        (-12345, "-123.45 RUB"),
    ],
)
def test_str_shows_whole_units_and_two_decimals(amount: int, text: str) -> None:
    assert str(Money(amount, "RUB")) == text


@given(money())
def test_is_negative_only_below_zero(a: Money) -> None:
    assert a.is_negative == (a.amount < 0)
