"""The README tells a newcomer what the issue found missing, and the pictures it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 3)
    return README[start : end if end > 0 else None]


def test_the_first_steps_say_where_the_tools_are_and_what_comes_first():
    first = _section("First steps, for a newcomer")
    assert ".venv/bin/qianfan" in first and "source .venv/bin/activate" in first
    assert first.index("qianfan init-db") < first.index("qianfan demo")
    assert "printed **once**" in first or "prints them **once**" in first
    assert "qianfan create-user" in first  # how to make an account when the demo passwords are lost
    assert "rm -f instance/qianfan.sqlite3" in first  # resetting the demo
    assert "tests/data/eval-tiny" in first and "make bench" in first


def test_every_command_in_the_makefile_bench_and_the_cli_table_exists():
    assert re.search(r"(?m)^bench: ", (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert "qianfan stats" in _section("Command line")


def test_the_readme_shows_two_screenshots_that_are_in_docs():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", README)
    assert len(images) >= 2
    for image in images:
        assert image.startswith("docs/") and (ROOT / image).is_file(), image
