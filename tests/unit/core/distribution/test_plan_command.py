"""`stagedoor plan`: the report's shape, and clear refusals of bad durations and targets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from entrypoints.cli import main
from entrypoints.plan_report import ascii_chart, parse_duration


def test_plan_prints_recommendation_slots_comparison_and_chart(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["plan", "--participants", "2000", "--points", "auto", "--window", "1h",
         "--service", "30s", "--target-p", "0.05", "--target-over", "2m", "--seed", "3"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "Recommendation for 2,000 participants, window 1h, service 30s" in out
    assert "target P(wait > 120 s) ≤ 5.0%" in out
    assert "assuming they spread evenly over the window" in out
    slot_rows = [line for line in out.splitlines() if line.startswith(("  0:", "  1:"))]
    assert [row.split()[0] for row in slot_rows] == [
        "0:00-0:15",
        "0:15-0:30",
        "0:30-0:45",
        "0:45-1:00",
    ]
    for label in ("our plan (time slots)", "alphabetical split (letters)", "Erlang C (same desks)"):
        row = next(line for line in out.splitlines() if line.strip().startswith(label))
        mean, p95 = (float(x) for x in row.removeprefix(f"  {label}").split()[:2])
        assert 0 <= mean <= p95
    assert "Queue length over time" in out
    chart_rows = [line for line in out.splitlines() if re.match(r"^  [ \d]{6} \|", line)]
    assert len(chart_rows) == 2 * 8  # two charts, eight rows each


def test_plan_with_a_mean_wait_target_and_fixed_points(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["plan", "--participants", "900", "--points", "2", "--window", "1h30m",
         "--service", "45s", "--target-wait", "60s", "--slot", "30m"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "target mean wait ≤ 60 s" in out
    assert "at 2 point(s)" in out
    assert "Point 2" in out
    assert "Point 3" not in out
    assert "Plan: 3 slot(s)" in out


@pytest.mark.parametrize("bad", ["2x", "h", "", "1m30h", "0s", "-5m"])
def test_a_malformed_duration_is_refused_with_an_example(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["plan", "--participants", "100", "--window", bad, "--service", "30s"])
    assert exited.value.code == 2
    assert "--window" in capsys.readouterr().err


def test_target_over_without_target_p_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["plan", "--participants", "100", "--window", "1h", "--service", "30s",
         "--target-over", "2m"]
    )  # fmt: skip
    assert code == 2
    assert "--target-over goes with --target-p" in capsys.readouterr().err


def test_both_kinds_of_target_at_once_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(
            ["plan", "--participants", "100", "--window", "1h", "--service", "30s",
             "--target-wait", "1m", "--target-p", "0.05"]
        )  # fmt: skip
    assert "not allowed with" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2h", timedelta(hours=2)), ("90m", timedelta(minutes=90)), ("30s", timedelta(seconds=30)),
     ("1h30m", timedelta(minutes=90)), (" 1H5S ", timedelta(hours=1, seconds=5))],
)  # fmt: skip
def test_durations_read_like_people_write_them(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_malformed_duration_message_shows_the_accepted_forms() -> None:
    with pytest.raises(Exception, match=r"write it like 2h, 90m, 30s or 1h30m"):
        parse_duration("two hours")


def test_chart_bars_reach_the_top_at_the_maximum() -> None:
    rows = ascii_chart([0.0, 2.0, 4.0, 8.0], step_seconds=60, height=4, width=4)
    assert rows[0].endswith("|   #")
    assert rows[3].endswith("| ###")
    assert rows[0].lstrip().startswith("8 |")


def test_own_desks_at_full_utilisation_are_refused_with_what_to_change(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["plan", "--participants", "5000", "--window", "2h", "--service", "30s",
         "--desks", "10,10"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "utilisation would be 1.04" in err
    assert "Add at least 1 desk" in err


def test_own_desks_are_checked_against_the_target(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["plan", "--participants", "5000", "--window", "2h", "--service", "30s",
         "--desks", "11,11", "--target-wait", "10s"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Your layout for 5,000 participants")
    assert "MISSES the target at some point" in out
