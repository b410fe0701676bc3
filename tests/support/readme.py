"""The README as the tests read it: its text and the code blocks it shows a newcomer."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def code_block(after: str, lang: str = "") -> str:
    """The first fenced block (of ``lang``, if given) after the first place the README says ``after``."""
    assert after in README, f"the README no longer says {after!r}"
    match = re.search(rf"```{lang}[a-z]*\n(.*?)```", README.split(after, 1)[1], re.S)
    assert match, f"no {lang or 'code'} block after {after!r}"
    return match.group(1)
