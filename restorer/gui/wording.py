"""Messages worded for the command line, shown in the window."""

from __future__ import annotations

import re

#: A message that starts with a path or a name (``photos/a.png: ...``, ``inpaint-gan: ...``) keeps its case.
_NAMED = re.compile(r"^[^\s]*[/\\:.]")


def as_sentence(text: str) -> str:
    """``text`` (a model's progress report, an error written for ``restorer: error: ...``) with its first
    letter upper-case, as a line in the window reads; left as it is where it starts with a path or name."""
    if not text or _NAMED.match(text):
        return text
    return text[:1].upper() + text[1:]
