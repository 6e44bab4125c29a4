"""docs/plugins.md shows exactly the example plugin and test the suite runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
MARKER = re.compile(r"<!-- file: (?P<path>[^ ]+) -->\n```python\n(?P<code>.*?)```", re.S)


def test_the_plugin_guide_quotes_the_files_it_tests() -> None:
    guide = (ROOT / "docs" / "plugins.md").read_text()
    quoted = {m["path"]: m["code"] for m in MARKER.finditer(guide)}
    assert sorted(quoted) == [
        "docs/examples/booking_counter.py",
        "docs/examples/test_booking_counter.py",
    ]
    for path, code in quoted.items():
        assert code == (ROOT / path).read_text(), f"docs/plugins.md shows an old {path}"
