"""Erlang C: published worked examples, an exact cross-check, stability, refusal at full load."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.distribution.erlang import erlang_b, erlang_c, queue_figures
from core.shared.errors import ValidationFailed


def test_call_centre_example_matches_published_figures() -> None:
    # Westbay Engineers, "The Erlang-C formula" (erlang.com), worked example: 360 calls per
    # half hour (λ = 0.2 per second), 240 s average call, 55 agents, 15 s target answer time:
    # traffic 48 erlangs, probability of waiting 0.2387, average speed of answer 8.184 s,
    # 84.59 % answered within 15 s. (Reproduced with Maxima by R. Dodier, "Expressing
    # well-known formulas for service waiting time", whose figures agree.)
    figures = queue_figures(arrival_rate=0.2, service_seconds=240, servers=55)
    assert figures.offered_load == pytest.approx(48)
    assert figures.utilisation == pytest.approx(0.873, abs=5e-4)
    assert figures.p_wait == pytest.approx(0.2387, abs=5e-5)
    assert figures.mean_wait == pytest.approx(8.184, abs=5e-4)
    assert 1 - figures.p_wait_over(15) == pytest.approx(0.8459, abs=5e-5)


def test_three_servers_at_two_erlangs_wait_with_probability_four_ninths() -> None:
    # Wolfram Language documentation, ErlangC, basic example: ErlangC[3, 2] = 4/9. With
    # λ = 2 per minute and μ = 1 per minute the textbook M/M/3 figures follow by hand:
    # P0 = 1/9, Wq = C / (cμ - λ) = 4/9 min, Lq = λ·Wq = 8/9.
    assert erlang_c(3, 2) == pytest.approx(4 / 9, rel=1e-12)
    figures = queue_figures(arrival_rate=2 / 60, service_seconds=60, servers=3)
    assert figures.mean_wait == pytest.approx(4 / 9 * 60, rel=1e-12)
    assert figures.mean_queue_length == pytest.approx(8 / 9, rel=1e-12)


def exact_erlang_c(servers: int, load: Fraction) -> Fraction:
    """The textbook closed form in exact rational arithmetic (factorials and powers)."""
    tail = load**servers / math.factorial(servers) * servers / (servers - load)
    head = sum(load**k / math.factorial(k) for k in range(servers))
    return tail / (head + tail)


@settings(max_examples=80, deadline=None)
@given(servers=st.integers(1, 40), share=st.fractions(Fraction(1, 100), Fraction(99, 100)))
def test_iterative_erlang_c_equals_the_exact_closed_form(servers: int, share: Fraction) -> None:
    load = share.limit_denominator(1000) * servers
    assert erlang_c(servers, float(load)) == pytest.approx(float(exact_erlang_c(servers, load)))


def log_space_erlang_c(servers: int, load: float) -> float:
    """The same formula evaluated with logarithms, as an independent check for many desks."""
    logs = [k * math.log(load) - math.lgamma(k + 1) for k in range(servers)]
    log_tail = (
        servers * math.log(load) - math.lgamma(servers + 1) + math.log(servers / (servers - load))
    )
    peak = max([*logs, log_tail])
    head = sum(math.exp(x - peak) for x in logs)
    tail = math.exp(log_tail - peak)
    return tail / (head + tail)


@pytest.mark.parametrize(("servers", "load"), [(200, 190.0), (800, 780.5), (2500, 2480.0)])
def test_erlang_c_stays_finite_and_exact_for_hundreds_of_desks(servers: int, load: float) -> None:
    value = erlang_c(servers, load)
    assert 0 < value < 1
    assert value == pytest.approx(log_space_erlang_c(servers, load), rel=1e-9)


def test_erlang_b_for_zero_servers_blocks_everyone() -> None:
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(1, 1.0) == pytest.approx(0.5)


@pytest.mark.parametrize(("servers", "load"), [(10, 10.0), (10, 12.5), (1, 1.0)])
def test_utilisation_of_one_or_more_is_refused_with_what_to_change(
    servers: int, load: float
) -> None:
    with pytest.raises(ValidationFailed, match=r"utilisation would be .*add desks, lengthen"):
        erlang_c(servers, load)


def test_a_point_without_desks_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="at least one desk"):
        erlang_c(0, 0.5)


def test_wait_quantile_is_where_the_tail_reaches_its_share() -> None:
    figures = queue_figures(arrival_rate=0.2, service_seconds=240, servers=55)
    p95 = figures.wait_quantile(0.95)
    assert p95 > 0
    assert figures.p_wait_over(p95) == pytest.approx(0.05)
    relaxed = queue_figures(arrival_rate=0.01, service_seconds=30, servers=4)
    assert relaxed.p_wait < 0.05
    assert relaxed.wait_quantile(0.95) == 0.0


def test_more_desks_never_lengthen_the_wait() -> None:
    waits = [queue_figures(0.5, 30, c).mean_wait for c in range(16, 30)]
    assert waits == sorted(waits, reverse=True)
