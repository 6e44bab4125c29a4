"""`stagedoor plan`: how many desks and points, a slot plan, and how it compares, as text.

It plans a synthetic crowd of the given size (surnames drawn like a Russian participant list)
so that an organiser can size a hand-out before any list exists. Times are shown from the
opening of the window (0:00), since only the window's length matters here.
"""

from __future__ import annotations

import argparse
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

import attrs

from core.distribution.alphabetical import alphabetical_split
from core.distribution.capacity import (
    DeskLayout,
    MeanWaitTarget,
    WaitOverTarget,
    WaitTarget,
    evaluate_layout,
    recommend_desks,
)
from core.distribution.planner import HandOutWindow, PickupPlan, PlanPoint, plan_pickup
from core.distribution.population import synthetic_participants
from core.distribution.queues import QueueStats
from core.distribution.simulation import (
    Behaviour,
    SimulationResult,
    simulate_alphabetical,
    simulate_plan,
)
from core.shared.errors import ValidationFailed

OPENING = datetime(2000, 1, 1, tzinfo=UTC)
"""Any aware instant serves as the opening: the report shows times relative to it."""
POINT_IDS = uuid.UUID("6f1d2a8e-4c1b-4d6e-9b7a-0c5e3f2a1b90")
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
CHART_HEIGHT = 8
CHART_WIDTH = 64


def parse_duration(text: str) -> timedelta:
    """`2h`, `90m`, `30s`, `1h30m` -> timedelta; anything else is refused with an example."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration; write it like 2h, 90m, 30s or 1h30m"
        )
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    duration = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if duration <= timedelta(0):
        raise argparse.ArgumentTypeError(f"{text!r} is zero; a duration must be positive")
    return duration


def _points(text: str) -> int | Literal["auto"]:
    if text == "auto":
        return "auto"
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r}: give a number of points (1 or more) or 'auto'")


def _positive(text: str) -> int:
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a share between 0 and 1, e.g. 0.05")
    return value


def _desks(text: str) -> tuple[int, ...]:
    parts = text.split(",")
    if all(part.strip().isdigit() and int(part) >= 1 for part in parts):
        return tuple(int(part) for part in parts)
    raise argparse.ArgumentTypeError(f"{text!r}: give desks per point like 8,8,6")


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `stagedoor plan`."""
    add = parser.add_argument
    add("--participants", type=_positive, required=True, help="how many participants")
    add("--points", type=_points, default="auto", help="number of pickup points, or auto")
    add("--window", type=parse_duration, required=True, help="hand-out window, e.g. 2h")
    add("--service", type=parse_duration, required=True, help="mean time per pack, e.g. 30s")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--target-wait", type=parse_duration, help="mean wait at most, e.g. 60s")
    target.add_argument("--target-p", type=_share, help="P(wait > --target-over) at most")
    add("--target-over", type=parse_duration, help="wait limit for --target-p (default 2m)")
    add("--max-desks", type=_positive, default=8, help="desks one point can hold (auto points)")
    add("--desks", type=_desks, help="check your own layout instead, e.g. 8,8,6 (one per point)")
    add("--slot", type=parse_duration, default=timedelta(minutes=15), help="slot length")
    add("--jitter", type=parse_duration, help="people arrive within ± this of their moment")
    add("--lateness", type=parse_duration, help="mean extra delay of arrivals, e.g. 2m")
    add("--no-show", type=_share, default=0.0, help="share of participants who never come")
    add("--seed", type=int, default=1, help="seed of the synthetic crowd and the simulation")


@attrs.frozen
class PlanRequest:
    """What the organiser asked for, checked."""

    participants: int
    points: int | Literal["auto"]
    window: timedelta
    service: timedelta
    target: WaitTarget
    max_desks: int
    desks: tuple[int, ...] | None
    slot: timedelta
    behaviour: Behaviour
    seed: int

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> PlanRequest:
        if args.target_over is not None and args.target_p is None:
            raise ValidationFailed("--target-over goes with --target-p, e.g. --target-p 0.05")
        target: WaitTarget
        if args.target_wait is not None:
            target = MeanWaitTarget(args.target_wait)
        else:
            over = args.target_over or timedelta(minutes=2)
            target = WaitOverTarget(over, 0.05 if args.target_p is None else args.target_p)
        if args.desks is not None and args.points not in ("auto", len(args.desks)):
            raise ValidationFailed("--points and --desks disagree; --desks alone is enough")
        behaviour = Behaviour(
            jitter=args.jitter or timedelta(0),
            lateness=args.lateness or timedelta(0),
            no_show=args.no_show,
        )
        return cls(
            participants=args.participants,
            points=args.points,
            window=args.window,
            service=args.service,
            target=target,
            max_desks=args.max_desks,
            desks=args.desks,
            slot=args.slot,
            behaviour=behaviour,
            seed=args.seed,
        )


def choose_layout(request: PlanRequest) -> DeskLayout:
    """The organiser's own desks when given (refused at utilisation 1 or more), else ours."""
    if request.desks is not None:
        return evaluate_layout(request.participants, request.window, request.service, request.desks)
    return recommend_desks(
        request.participants,
        request.window,
        request.service,
        request.target,
        points=request.points,
        max_desks_per_point=request.max_desks,
    )


def render_plan(request: PlanRequest) -> str:
    """The whole report: recommendation, slot loads, simulated comparison, queue chart."""
    layout = choose_layout(request)
    points = [
        PlanPoint(uuid.uuid5(POINT_IDS, str(i)), f"Point {i + 1}", desks)
        for i, desks in enumerate(layout.desks_per_point)
    ]
    crowd = synthetic_participants(request.participants, request.seed)
    window = HandOutWindow.lasting(OPENING, request.window)
    plan = plan_pickup(crowd, points, window, request.service, slot_length=request.slot)
    ours = simulate_plan(plan, request.behaviour, seed=request.seed)
    alphabetical = simulate_alphabetical(
        crowd, points, window, request.service, request.behaviour, seed=request.seed
    )
    ranges, _ = alphabetical_split(crowd, points)
    name = {p.id: p.name for p in points}
    range_text = ", ".join(
        f"{name[r.point_id]} {r.first}-{r.last} ({r.participants})" for r in ranges
    )
    sections = [
        recommendation_lines(request, layout),
        slot_lines(plan),
        [*comparison_lines(ours, alphabetical, layout, request.seed), f"  letters: {range_text}"],
        chart_lines(ours, alphabetical, layout),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections)


def recommendation_lines(request: PlanRequest, layout: DeskLayout) -> list[str]:
    """What to set up, and what Erlang C expects from it."""
    over = (
        request.target.over.total_seconds() if isinstance(request.target, WaitOverTarget) else 120
    )
    desks = " + ".join(str(d) for d in layout.desks_per_point)
    verdict = (
        "meets the target at every point"
        if layout.meets(request.target)
        else "MISSES the target at some point"
    )
    return [
        f"{'Your layout' if request.desks else 'Recommendation'} for "
        f"{request.participants:,} participants, window "
        f"{human(request.window)}, service {human(request.service)}, "
        f"target {request.target.describe()}",
        f"  arrivals: {layout.arrival_rate * 60:.1f} per minute, assuming they spread evenly over "
        f"the window (time slots make that happen)",
        f"  offered load: {layout.offered_load:.1f} desks busy on average",
        f"  desks: {layout.desks} at {len(layout.points)} point(s) ({desks}), "
        f"utilisation {layout.utilisation:.0%}, {verdict}",
        f"  Erlang C: mean wait {layout.mean_wait:.1f} s, P(wait > {over:g} s) "
        f"{layout.p_wait_over(over):.1%}, p95 {layout.wait_quantile(0.95):.0f} s",
        f"  one shared queue with the same {layout.desks} desks: mean wait "
        f"{layout.pooled.mean_wait:.1f} s",
    ]


def slot_lines(plan: PickupPlan) -> list[str]:
    """Planned participants / capacity per point and slot."""
    names = [p.name for p in plan.points]
    width = max(11, *(len(n) + 2 for n in names))
    lines = [
        f"Plan: {len(plan.slots)} slot(s); participants / capacity per point and slot",
        "  (capacity = desks x slot length / service time, rounded down)",
        "  slot         " + "".join(n.rjust(width) for n in names),
    ]
    for slot in plan.slots:
        cells = [f"{load.load[slot.index]}/{load.capacity[slot.index]}" for load in plan.loads]
        start, end = slot.start - plan.window.start, slot.end - plan.window.start
        label = f"{clock(start)}-{clock(end)}"
        lines.append(f"  {label:<13}" + "".join(c.rjust(width) for c in cells))
    totals = [f"{load.total_load}/{load.total_capacity}" for load in plan.loads]
    lines.append("  total        " + "".join(t.rjust(width) for t in totals))
    if plan.unhonoured:
        lines.append(f"  preferences not honoured: {len(plan.unhonoured)}")
    return lines


def comparison_lines(
    ours: SimulationResult, alphabetical: SimulationResult, layout: DeskLayout, seed: int
) -> list[str]:
    """Simulated waits of our plan and of the alphabetical split, next to Erlang C."""

    def row(name: str, stats: QueueStats) -> str:
        return (
            f"  {name:<30}{stats.mean_wait:>8.1f}{stats.p95_wait:>8.1f}"
            f"{stats.max_queue:>11}{clock(timedelta(seconds=stats.finished), True):>11}"
        )

    erlang = f"{layout.mean_wait:>8.1f}{layout.wait_quantile(0.95):>8.1f}{'-':>11}{'-':>11}"
    return [
        f"Simulated hand-out (seed {seed}), waits in seconds",
        f"  {'':<30}{'mean':>8}{'p95':>8}{'max queue':>11}{'last pack':>11}",
        row("our plan (time slots)", ours.total),
        row("alphabetical split (letters)", alphabetical.total),
        f"  {'Erlang C (same desks)':<30}{erlang}",
    ]


def chart_lines(
    ours: SimulationResult, alphabetical: SimulationResult, layout: DeskLayout
) -> list[str]:
    """Two charts of people waiting over time (all points), each on its own scale."""
    lines = ["Queue length over time (people waiting at all points; '-' = Erlang C mean)"]
    for title, result in (("our plan", ours), ("alphabetical split", alphabetical)):
        lines.append(f"  {title}")
        lines.extend(
            ascii_chart(
                result.total.queue_length, result.step_seconds, reference=layout.mean_queue_length
            )
        )
    return lines


def ascii_chart(
    series: Sequence[float],
    step_seconds: float,
    *,
    reference: float | None = None,
    height: int = CHART_HEIGHT,
    width: int = CHART_WIDTH,
) -> list[str]:
    """A bar chart in text: one column per (merged) step, '#' up to the value."""
    columns = _merge(series, width)
    per_column = step_seconds * len(series) / max(1, len(columns))
    top = max([*columns, reference or 0.0, 1.0])
    rows = []
    for level in range(height, 0, -1):
        threshold = top * (level - 0.5) / height
        marks = "".join(_mark(v, threshold, top / height, reference) for v in columns)
        label = f"{top:.0f}" if level == height else ("0" if level == 1 else "")
        rows.append(f"  {label:>6} |{marks}".rstrip())
    rows.append("  " + " " * 6 + " +" + "-" * len(columns))
    rows.append("  " + " " * 8 + _time_axis(len(columns), per_column))
    return rows


def _mark(value: float, threshold: float, band: float, reference: float | None) -> str:
    if value >= threshold:
        return "#"
    if reference is not None and abs(reference - threshold) <= band / 2:
        return "-"
    return " "


def _merge(series: Sequence[float], width: int) -> list[float]:
    """Average neighbouring steps so that the chart fits `width` columns."""
    if not series:
        return [0.0]
    group = -(-len(series) // width)
    return [
        sum(series[i : i + group]) / len(series[i : i + group])
        for i in range(0, len(series), group)
    ]


def _time_axis(columns: int, per_column: float) -> str:
    axis = [" "] * (columns + 8)
    for at in range(0, columns, 16):
        label = clock(timedelta(seconds=at * per_column))
        axis[at : at + len(label)] = label
    return "".join(axis).rstrip()


def human(span: timedelta) -> str:
    """`2h`, `1h30m`, `30s`: the way durations are typed on the command line."""
    total = round(span.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "m"), (seconds, "s")]
    return "".join(f"{value}{unit}" for value, unit in parts if value) or "0s"


def clock(span: timedelta, seconds: bool = False) -> str:
    """`1:30` (hours:minutes), or `1:30:05` with seconds."""
    total = round(span.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if seconds else f"{hours}:{minutes:02d}"
