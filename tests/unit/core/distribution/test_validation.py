"""Refusals of the planner family: the exact message, the field it names, and the boundary.

A value exactly at a limit is either accepted or refused; each rule is pinned on both sides.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.core.distribution.support import OPENING, SERVICE, person, pid, point, window

from core.distribution.alphabetical import alphabetical_split
from core.distribution.capacity import (
    MeanWaitTarget,
    WaitOverTarget,
    evaluate_layout,
    recommend_desks,
)
from core.distribution.erlang import QueueFigures, erlang_b, erlang_c, queue_figures
from core.distribution.planner import HandOutWindow, PlanPoint, plan_pickup
from core.distribution.simulation import Behaviour, simulate_plan
from core.shared.errors import ValidationFailed

HOUR = timedelta(hours=1)
LAX = MeanWaitTarget(timedelta(hours=1))


def refusal(call: object, *args: object, **kwargs: object) -> ValidationFailed:
    """The ValidationFailed that `call(*args, **kwargs)` raises (exactly that class)."""
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert type(caught.value) is ValidationFailed
    return caught.value


# --- Erlang ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("servers", "load"), [(-1, 1.0), (1, -0.5), (-1, -1.0)])
def test_erlang_b_refuses_negative_desks_or_load(servers: int, load: float) -> None:
    error = refusal(erlang_b, servers, load)
    assert error.detail == "desks and load must not be negative"
    assert error.field is None


def test_erlang_b_accepts_zero_load_and_then_nobody_is_blocked() -> None:
    assert erlang_b(2, 0.0) == 0.0
    assert erlang_b(0, 0.0) == 1.0


def test_erlang_c_refuses_a_point_without_desks_naming_the_desks() -> None:
    error = refusal(erlang_c, 0, 0.5)
    assert error.detail == "a pickup point needs at least one desk"
    assert error.field == "desks"


def test_erlang_c_accepts_a_single_desk() -> None:
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) is the utilisation


def test_erlang_c_refuses_a_negative_load() -> None:
    error = refusal(erlang_c, 2, -0.5)
    assert error.detail == "the offered load must not be negative"
    assert error.field is None


def test_erlang_c_accepts_zero_load_and_then_nobody_waits() -> None:
    assert erlang_c(2, 0.0) == 0.0


def test_erlang_c_refusal_at_full_load_gives_the_utilisation_and_the_remedies() -> None:
    error = refusal(erlang_c, 4, 5.0)
    assert error.detail == (
        "utilisation would be 1.25 (offered load 5.0 desks busy on average, 4 desks): at 1 or "
        "more the queue grows without bound; add desks, lengthen the hand-out window or "
        "shorten the service time"
    )
    assert error.field == "desks"


def test_erlang_c_refuses_utilisation_exactly_one_and_accepts_just_below() -> None:
    assert refusal(erlang_c, 2, 2.0).detail.startswith("utilisation would be 1.00 (offered")
    assert 0.99 < erlang_c(2, 1.999) < 1.0


@pytest.mark.parametrize("service", [0.0, -1.0])
def test_queue_figures_refuse_a_service_time_that_is_not_positive(service: float) -> None:
    error = refusal(queue_figures, 0.1, service, 2)
    assert error.detail == "the service time must be positive"
    assert error.field == "service_time"


def test_queue_figures_refuse_a_negative_arrival_rate() -> None:
    error = refusal(queue_figures, -0.01, 30.0, 2)
    assert error.detail == "the arrival rate must not be negative"
    assert error.field is None


def test_queue_figures_accept_nobody_arriving() -> None:
    figures = queue_figures(0.0, 30.0, 1)
    assert figures == QueueFigures(1, 0.0, 30.0, 0.0)
    assert figures.mean_wait == 0.0


def test_queue_figures_accept_a_tiny_service_time() -> None:
    assert queue_figures(1.0, 0.5, 1).utilisation == 0.5


@pytest.mark.parametrize("q", [0.0, 1.0, -0.1, 1.5])
def test_a_wait_quantile_must_lie_strictly_between_zero_and_one(q: float) -> None:
    figures = QueueFigures(2, 1.0, 4.0, 0.5)
    error = refusal(figures.wait_quantile, q)
    assert error.detail == "a quantile must lie strictly between 0 and 1"
    assert error.field is None


# --- Targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("wait", [timedelta(0), timedelta(seconds=-1)])
def test_a_mean_wait_target_must_be_positive(wait: timedelta) -> None:
    error = refusal(MeanWaitTarget, wait)
    assert error.detail == "the target mean wait must be positive"
    assert error.field == "target"


def test_a_mean_wait_target_of_one_microsecond_is_accepted() -> None:
    assert MeanWaitTarget(timedelta(microseconds=1)).mean_wait == timedelta(microseconds=1)


def test_a_wait_over_target_refuses_a_negative_limit() -> None:
    error = refusal(WaitOverTarget, timedelta(seconds=-1), 0.05)
    assert error.detail == "the wait limit must not be negative"
    assert error.field == "target"


def test_a_wait_over_target_accepts_a_limit_of_zero() -> None:
    target = WaitOverTarget(timedelta(0), 0.05)
    assert (target.over, target.probability) == (timedelta(0), 0.05)


@pytest.mark.parametrize("probability", [0.0, 1.0, -0.05, 1.05])
def test_a_wait_over_probability_must_lie_strictly_between_zero_and_one(
    probability: float,
) -> None:
    error = refusal(WaitOverTarget, timedelta(minutes=2), probability)
    assert error.detail == "the probability must lie strictly between 0 and 1, e.g. 0.05"
    assert error.field == "target"


@pytest.mark.parametrize("probability", [1e-9, 0.999999])
def test_a_wait_over_probability_just_inside_the_bounds_is_accepted(probability: float) -> None:
    assert WaitOverTarget(timedelta(minutes=2), probability).probability == probability


# --- Layouts and recommendations -------------------------------------------------------------


@pytest.mark.parametrize(
    ("participants", "window_", "service", "field", "detail"),
    [
        (0, HOUR, SERVICE, "participants", "plan for at least one participant"),
        (-3, HOUR, SERVICE, "participants", "plan for at least one participant"),
        (10, timedelta(0), SERVICE, "window", "the hand-out window must be longer than zero"),
        (10, -HOUR, SERVICE, "window", "the hand-out window must be longer than zero"),
        (10, HOUR, timedelta(0), "service_time", "the service time must be positive"),
        (10, HOUR, -SERVICE, "service_time", "the service time must be positive"),
    ],
)
def test_layouts_refuse_nonsense_crowds_windows_and_service_times(
    participants: int, window_: timedelta, service: timedelta, field: str, detail: str
) -> None:
    for call in (
        lambda: evaluate_layout(participants, window_, service, [1]),
        lambda: recommend_desks(participants, window_, service, LAX),
        lambda: recommend_desks(participants, window_, service, LAX, points=2),
    ):
        error = refusal(call)
        assert (error.detail, error.field) == (detail, field)


def test_one_participant_with_a_microsecond_service_is_a_valid_question() -> None:
    layout = evaluate_layout(1, timedelta(seconds=60), timedelta(microseconds=1), [1])
    assert layout.participants == 1
    assert layout.offered_load == pytest.approx(1e-6 / 60)


@pytest.mark.parametrize("desks", [[], [0], [3, 0], [2, -1]])
def test_every_point_of_a_layout_needs_a_desk(desks: list[int]) -> None:
    error = refusal(evaluate_layout, 100, HOUR, SERVICE, desks)
    assert error.detail == "every pickup point needs at least one desk"
    assert error.field == "desks"


def test_a_layout_exactly_at_utilisation_one_is_refused_with_the_figures() -> None:
    # 120 people in an hour at 30 s keep exactly one desk busy
    error = refusal(evaluate_layout, 120, HOUR, SERVICE, [1])
    assert error.detail == (
        "utilisation would be 1.00: 120 participants at 30 s each over 60 min keep 1.0 desks "
        "busy on average and there are 1; at 1 or more the queue grows without bound. Add at "
        "least 1 desk, lengthen the window beyond 60 min or shorten the service time below "
        "30.0 s"
    )
    assert error.field == "desks"


def test_a_layout_just_below_utilisation_one_is_accepted() -> None:
    layout = evaluate_layout(119, HOUR, SERVICE, [1])
    assert layout.utilisation == pytest.approx(119 / 120)


def test_the_refusal_counts_the_missing_desks_in_the_plural() -> None:
    # 600 people in an hour at 30 s keep 5 desks busy; with 3 desks at least 3 more are needed
    error = refusal(evaluate_layout, 600, HOUR, SERVICE, [2, 1])
    assert error.detail == (
        "utilisation would be 1.67: 600 participants at 30 s each over 60 min keep 5.0 desks "
        "busy on average and there are 3; at 1 or more the queue grows without bound. Add at "
        "least 3 desks, lengthen the window beyond 100 min or shorten the service time below "
        "18.0 s"
    )


@pytest.mark.parametrize("most", [0, -1])
def test_a_point_holds_at_least_one_desk(most: int) -> None:
    error = refusal(recommend_desks, 10, HOUR, SERVICE, LAX, max_desks_per_point=most)
    assert error.detail == "a point holds at least one desk"
    assert error.field == "max_desks_per_point"


def test_one_desk_per_point_is_a_valid_ceiling() -> None:
    layout = recommend_desks(300, HOUR, SERVICE, LAX, max_desks_per_point=1)
    assert layout.desks_per_point == (1, 1, 1)


@pytest.mark.parametrize("points", [0, -2])
def test_a_recommendation_needs_at_least_one_point(points: int) -> None:
    error = refusal(recommend_desks, 10, HOUR, SERVICE, LAX, points=points)
    assert error.detail == "plan at least one pickup point"
    assert error.field == "points"


def test_a_recommendation_for_exactly_one_point_is_accepted() -> None:
    assert recommend_desks(10, HOUR, SERVICE, LAX, points=1).desks_per_point == (1,)


def test_an_unreachable_target_is_refused_after_the_desk_ceiling() -> None:
    # 99,999 desks busy on average: the search starts at 100,000 desks, the ceiling
    unreachable = WaitOverTarget(timedelta(0), 1e-9)
    error = refusal(recommend_desks, 99_999, timedelta(seconds=30), SERVICE, unreachable)
    assert error.detail == (
        "no layout of up to 100000 desks meets P(wait > 0 s) ≤ 0.0%; relax the target"
    )
    assert error.field == "target"


def test_a_layout_of_exactly_the_desk_ceiling_may_still_be_recommended() -> None:
    layout = recommend_desks(99_999, timedelta(seconds=30), SERVICE, LAX, points=1)
    assert layout.desks == 100_000


# --- Planner ---------------------------------------------------------------------------------


@pytest.mark.parametrize("service", [timedelta(0), -SERVICE])
def test_a_plan_refuses_a_service_time_that_is_not_positive(service: timedelta) -> None:
    error = refusal(plan_pickup, [person(1, "A")], [point(1, 1)], window(60), service)
    assert (error.detail, error.field) == ("the service time must be positive", "service_time")


@pytest.mark.parametrize("slot", [timedelta(0), timedelta(minutes=-5)])
def test_a_plan_refuses_a_slot_length_that_is_not_positive(slot: timedelta) -> None:
    error = refusal(
        plan_pickup, [person(1, "A")], [point(1, 1)], window(60), SERVICE, slot_length=slot
    )
    assert (error.detail, error.field) == ("the slot length must be positive", "slot_length")


def test_a_plan_refuses_points_that_share_an_id() -> None:
    error = refusal(plan_pickup, [person(1, "A")], [point(1, 1), point(1, 2)], window(60), SERVICE)
    assert (error.detail, error.field) == ("two pickup points share an id", "points")


def test_a_plan_refuses_participants_that_share_an_id() -> None:
    people = [person(1, "A"), person(1, "B")]
    error = refusal(plan_pickup, people, [point(1, 1)], window(60), SERVICE)
    assert (error.detail, error.field) == ("two participants share an id", "participants")


def test_a_plan_refuses_an_empty_list_of_points() -> None:
    error = refusal(plan_pickup, [person(1, "A")], [], window(60), SERVICE)
    assert (error.detail, error.field) == ("plan at least one pickup point", "points")


def test_a_plan_of_microsecond_slots_and_service_is_accepted() -> None:
    tiny = timedelta(microseconds=1)
    brief = HandOutWindow.lasting(OPENING, 3 * tiny)
    plan = plan_pickup([person(1, "A")], [point(1, 1)], brief, tiny, slot_length=tiny)
    assert plan.loads[0].capacity == (1, 1, 1)
    assert len(plan.assignments) == 1


def test_asking_a_plan_for_a_foreign_point_is_refused() -> None:
    plan = plan_pickup([person(1, "A")], [point(1, 1)], window(60), SERVICE)
    stranger = pid(77)
    error = refusal(plan.load_of, stranger)
    assert error.detail == f"point {stranger} is not part of this plan"
    assert error.field == "point_id"


@pytest.mark.parametrize("desks", [0, -1])
def test_a_pickup_point_needs_at_least_one_desk(desks: int) -> None:
    error = refusal(PlanPoint, pid(1), "Hall", desks)
    assert (error.detail, error.field) == ("a pickup point needs at least one desk", "desks")


def test_a_pickup_point_with_one_desk_is_accepted() -> None:
    assert PlanPoint(pid(1), "Hall", 1).desks == 1


def test_the_start_of_a_window_must_carry_a_time_zone() -> None:
    error = refusal(HandOutWindow, OPENING.replace(tzinfo=None), OPENING + HOUR)
    assert (error.detail, error.field) == ("start must include a time zone offset", "start")


def test_the_end_of_a_window_must_carry_a_time_zone() -> None:
    error = refusal(HandOutWindow, OPENING, (OPENING + HOUR).replace(tzinfo=None))
    assert (error.detail, error.field) == ("end must include a time zone offset", "end")


@pytest.mark.parametrize("length", [timedelta(0), -HOUR])
def test_a_window_must_end_after_it_starts(length: timedelta) -> None:
    error = refusal(HandOutWindow, OPENING, OPENING + length)
    assert (error.detail, error.field) == ("the hand-out window must end after it starts", "end")


def test_a_window_of_one_microsecond_is_accepted() -> None:
    tiny = HandOutWindow(OPENING, OPENING + timedelta(microseconds=1))
    assert tiny.duration == timedelta(microseconds=1)


# --- Alphabetical split ----------------------------------------------------------------------


def test_an_alphabetical_split_needs_at_least_one_point() -> None:
    error = refusal(alphabetical_split, [person(1, "Орлов")], [])
    assert (error.detail, error.field) == ("plan at least one pickup point", "points")


def test_the_alphabet_is_cut_by_letter_or_by_surname_only() -> None:
    error = refusal(alphabetical_split, [person(1, "Орлов")], [point(1, 1)], "syllable")
    assert error.detail == "cut the alphabet by 'letter' or by 'surname'"
    assert error.field == "cut"


# --- Behaviour -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "behaviour",
    [
        {"jitter": timedelta(microseconds=-1)},
        {"lateness": timedelta(microseconds=-1)},
        {"jitter": timedelta(seconds=-5), "lateness": timedelta(seconds=-5)},
    ],
)
def test_behaviour_refuses_negative_jitter_or_lateness(behaviour: dict[str, timedelta]) -> None:
    error = refusal(Behaviour, **behaviour)
    assert error.detail == "jitter and lateness must not be negative"
    assert error.field == "behaviour"


@pytest.mark.parametrize("share", [1.0, -0.01, 1.5])
def test_behaviour_refuses_a_no_show_share_outside_zero_to_one(share: float) -> None:
    error = refusal(Behaviour, no_show=share)
    assert error.detail == "the no-show share must lie in [0, 1)"
    assert error.field == "no_show"


@pytest.mark.parametrize("share", [0.0, 0.999])
def test_behaviour_accepts_a_no_show_share_at_zero_and_just_below_one(share: float) -> None:
    assert Behaviour(no_show=share).no_show == share


def test_behaviour_refuses_a_negative_service_variation() -> None:
    error = refusal(Behaviour, service_variation=-0.1)
    assert error.detail == "service variation must not be negative"
    assert error.field == "behaviour"


def test_behaviour_accepts_a_fixed_service_time_and_no_delays() -> None:
    behaviour = Behaviour(timedelta(0), timedelta(0), 0.0, 0.0)
    assert behaviour.service_variation == 0.0


def test_behaviour_defaults_to_punctual_people_and_exponential_service() -> None:
    assert Behaviour() == Behaviour(
        jitter=timedelta(0), lateness=timedelta(0), no_show=0.0, service_variation=1.0
    )


@pytest.mark.parametrize("steps", [0, -1])
def test_a_simulation_needs_at_least_one_step(steps: int) -> None:
    plan = plan_pickup([person(1, "A")], [point(1, 1)], window(60), SERVICE)
    error = refusal(simulate_plan, plan, steps=steps)
    assert error.detail == "the queue series needs at least one step"
    assert error.field == "steps"


def test_a_simulation_of_a_single_step_is_accepted() -> None:
    plan = plan_pickup([person(1, "A")], [point(1, 1)], window(60), SERVICE)
    result = simulate_plan(plan, steps=1)
    assert result.step_seconds == 3600.0
    assert result.total.queue_length == (0.0,)
