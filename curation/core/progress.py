"""How long work reports on itself without knowing who watches: plain callbacks.

The library calls them; the CLI passes ones that draw a bar or print a line, tests and
other callers pass their own or none.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]
"""``progress(done, total)`` after each unit of long work."""

Note = Callable[[str], None]
"""``note(message)``: something the user should read (a warning, a step begun)."""


def no_progress(done: int, total: int) -> None:
    """The default :data:`Progress`: report nothing."""


def no_note(message: str) -> None:
    """The default :data:`Note`: say nothing."""
