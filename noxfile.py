"""Developer sessions: `nox -s tests lint mutate bench`.

CI and scripts/test.sh run `nox --no-venv` inside the project's one .venv; locally plain `nox`
builds per-session environments with uv.
"""

from __future__ import annotations

import json
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "tests"]


def _install(session: nox.Session) -> None:
    if session.venv_backend != "none":
        session.install("-e", ".[dev]")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite: unit, contract, integration, API (real PostgreSQL and Redis)."""
    _install(session)
    session.run("pytest", "-q", "-p", "no:cacheprovider", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, mypy --strict on the core, and the import-linter contracts."""
    _install(session)
    session.run("ruff", "check", "src", "tests", "plugins", "benchmarks", "noxfile.py")
    session.run("mypy", "--strict", "src/core")
    session.run("lint-imports")


@nox.session
def mutate(session: nox.Session) -> None:
    """Mutation-test the core against the unit tests; fails when the score drops below 80 %."""
    _install(session)
    session.run("mutmut", "run", "--max-children", "2", success_codes=[0, 1, 2])
    session.run("mutmut", "export-cicd-stats")
    stats = json.loads(Path("mutants/mutmut-cicd-stats.json").read_text())
    killed = stats.get("killed", 0)
    total = killed + stats.get("survived", 0) + stats.get("no_tests", 0) + stats.get("timeout", 0)
    score = killed / total if total else 0.0
    session.log(f"mutation score: {killed}/{total} = {score:.1%}")
    if score < 0.8:
        session.error(f"mutation score {score:.1%} is below 80 %")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against PostgreSQL; they print tables, they assert nothing."""
    _install(session)
    session.run("python", "benchmarks/booking.py", *session.posargs)
    session.run("python", "benchmarks/planner.py")
    session.run("python", "benchmarks/desk.py")
    session.run("python", "benchmarks/partners.py")
    session.run("python", "benchmarks/resale_feed.py")
    session.run("python", "benchmarks/renewals.py")
