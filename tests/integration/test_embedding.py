"""The embedding guide's example must keep working, on SQLite and in memory."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "embed.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("embed_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("backend", ["sqlite", "memory"])
async def test_embedding_example_books_and_notifies(backend: str, tmp_path: Path) -> None:
    where = str(tmp_path / "embed.db") if backend == "sqlite" else ":memory:"
    subjects = await _load_example().main(where)
    assert sorted(subjects) == ["Booked: Film night", "Cancelled: Film night"]
