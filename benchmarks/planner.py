"""Pickup planner: planning time, and simulated waits of our plan against the alternatives.

For 1,000 / 10,000 / 50,000 participants (windows of 1 h / 2 h / 4 h, 30 s per pack, target
P(wait > 2 min) <= 5 %, points chosen automatically with at most 8 desks each) it prints:

- how long recommending desks and planning take (median of several runs);
- simulated mean and p95 wait, averaged over three synthetic crowds, of our time-slot plan,
  of the alphabetical split by first letters (the usual one), of an alphabetical split cut
  between surnames (perfectly balanced, to separate balance from arrival pattern), and the
  Erlang C figures for the same desks at separate points and pooled into one queue;
- the same with people behaving less well (arrivals +-5 min around their moment, 2 min mean
  lateness, 5 % no-shows).

Pure Python, one process; prints tables, asserts nothing.

    .venv/bin/python benchmarks/planner.py [--runs 5]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from core.distribution.capacity import DeskLayout, WaitOverTarget, recommend_desks
from core.distribution.planner import HandOutWindow, PickupPlan, PlanPoint, plan_pickup
from core.distribution.population import synthetic_participants
from core.distribution.simulation import Behaviour, simulate_alphabetical, simulate_plan

SERVICE = timedelta(seconds=30)
TARGET = WaitOverTarget(timedelta(minutes=2), 0.05)
SCENARIOS = [
    (1_000, timedelta(hours=1)),
    (10_000, timedelta(hours=2)),
    (50_000, timedelta(hours=4)),
]
CROWDS = (1, 2, 3)
OPENING = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
BEHAVIOURS = {
    "as planned": Behaviour(),
    "late & noisy": Behaviour(
        jitter=timedelta(minutes=5), lateness=timedelta(minutes=2), no_show=0.05
    ),
}


def median_ms(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        gc.collect()  # start each run from a clean heap; the collector stays on while timing
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def layout_points(layout: DeskLayout) -> list[PlanPoint]:
    return [
        PlanPoint(uuid.UUID(int=i + 1), f"Point {i + 1}", desks)
        for i, desks in enumerate(layout.desks_per_point)
    ]


def waits(
    count: int, span: timedelta, layout: DeskLayout, behaviour: Behaviour
) -> dict[str, list[float]]:
    """Mean and p95 per scenario row, averaged over the crowds."""
    points = layout_points(layout)
    window = HandOutWindow.lasting(OPENING, span)
    rows: dict[str, list[list[float]]] = {}
    for crowd in CROWDS:
        people = synthetic_participants(count, seed=crowd)
        plan = plan_pickup(people, points, window, SERVICE)
        results = {
            "our plan (15 min slots)": simulate_plan(plan, behaviour, seed=crowd).total,
            "alphabetical, by letter": simulate_alphabetical(
                people, points, window, SERVICE, behaviour, seed=crowd
            ).total,
            "alphabetical, by surname": simulate_alphabetical(
                people, points, window, SERVICE, behaviour, cut="surname", seed=crowd
            ).total,
        }
        for name, stats in results.items():
            rows.setdefault(name, []).append([stats.mean_wait, stats.p95_wait])
    averaged = {
        name: [statistics.fmean(c) for c in zip(*runs, strict=True)] for name, runs in rows.items()
    }
    averaged["Erlang C, these points"] = [layout.mean_wait, layout.wait_quantile(0.95)]
    averaged["Erlang C, one pooled queue"] = [
        layout.pooled.mean_wait,
        layout.pooled.wait_quantile(0.95),
    ]
    return averaged


def max_slot_fill(plan: PickupPlan) -> float:
    return max(
        load / capacity
        for point in plan.loads
        for load, capacity in zip(point.load, point.capacity, strict=True)
        if capacity
    )


def timing_table(runs: int) -> dict[int, DeskLayout]:
    print("Planning time (median of", runs, "runs)")
    print(
        f"{'participants':>12} {'window':>7} {'desks (points)':>16} {'recommend ms':>13}"
        f" {'plan ms':>9} {'max slot fill':>14}"
    )
    print("-" * 76)
    layouts = {}
    for count, span in SCENARIOS:
        layout = recommend_desks(count, span, SERVICE, TARGET)
        layouts[count] = layout
        points = layout_points(layout)
        people = synthetic_participants(count, seed=1)
        window = HandOutWindow.lasting(OPENING, span)
        recommend = median_ms(lambda c=count, s=span: recommend_desks(c, s, SERVICE, TARGET), runs)
        planning = median_ms(
            lambda p=people, w=window, pts=points: plan_pickup(p, pts, w, SERVICE), runs
        )
        fill = max_slot_fill(plan_pickup(people, points, window, SERVICE))
        shape = f"{layout.desks} ({len(points)})"
        print(
            f"{count:>12,} {span.total_seconds() / 3600:>6.0f}h {shape:>16} {recommend:>13.2f}"
            f" {planning:>9.1f} {fill:>14.3f}"
        )
    return layouts


def wait_tables(layouts: dict[int, DeskLayout]) -> None:
    for label, behaviour in BEHAVIOURS.items():
        print()
        print(
            f"Simulated waits, people {label} "
            f"(seconds; mean / p95; average of {len(CROWDS)} crowds)"
        )
        print(f"{'':<28}" + "".join(f"{count:>18,}" for count, _ in SCENARIOS))
        print("-" * (28 + 18 * len(SCENARIOS)))
        table = {count: waits(count, span, layouts[count], behaviour) for count, span in SCENARIOS}
        for name in table[SCENARIOS[0][0]]:
            cells = "".join(
                f"{table[c][name][0]:>9.1f} /{table[c][name][1]:>6.0f}" for c, _ in SCENARIOS
            )
            print(f"{name:<28}{cells}")
        ratios = []
        for count, _ in SCENARIOS:
            row = table[count]
            ours = row["our plan (15 min slots)"][0]
            ratios.append(
                f"{count:,}: ours/Erlang C {ours / row['Erlang C, these points'][0]:.2f}, "
                f"ours/pooled {ours / max(row['Erlang C, one pooled queue'][0], 1e-9):.1f}, "
                f"ours/alphabetical {ours / row['alphabetical, by letter'][0]:.3f}"
            )
        print("Ratios of mean waits:")
        for line in ratios:
            print("  " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    layouts = timing_table(args.runs)
    wait_tables(layouts)


if __name__ == "__main__":
    main()
