"""Markdown text the tool writes (reports, dataset cards): tables and cell escaping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def markdown_escape(text: str) -> str:
    """A table cell's text with its pipes escaped."""
    return text.replace("|", "\\|")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: bool = False) -> str:
    """A pipe table (no final newline); ``numeric`` right-aligns every column but the first."""
    rule = ["---" if i == 0 or not numeric else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
