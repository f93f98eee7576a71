"""Reading chapter titles out of an outline written in markdown."""

from __future__ import annotations

import re

__all__ = ["chapter_titles"]

_HEADING = re.compile(
    r"^#{1,4}\s*Chapter\s+(\d+)\s*[:.\-\u2013\u2014]\s*(.+?)\s*#*\s*$", re.I | re.M
)


def chapter_titles(outline: str) -> dict[int, str]:
    """Map chapter number to title for lines like ``## Chapter 3: The Flood``."""
    titles: dict[int, str] = {}
    for number, title in _HEADING.findall(outline):
        titles.setdefault(int(number), title.strip("*_ "))
    return titles
