"""What every command shares: the console pair, the one table of exception -> exit code,
the one-line error rule, progress bars and notes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from curation.core import InputError, ServiceFailure, redact
from curation.core import Progress as ProgressFn

console = Console()
err_console = Console(stderr=True)

EXIT_CODES: tuple[tuple[type[Exception], int], ...] = (
    (InputError, 2),  # bad input the user can fix
    (ServiceFailure, 1),  # a server or the Hub failed; the work done so far is kept
)
"""The only place an exception becomes an exit code; anything else is a bug (a traceback)."""


def error_line(message: str) -> None:
    """``error: message`` on stderr, secrets masked."""
    err_console.print(f"error: {redact(message)}", markup=False, highlight=False, soft_wrap=True)


def note(message: str) -> None:
    """A line for the user on stderr (a :data:`curation.core.progress.Note`), secrets masked."""
    err_console.print(redact(message), markup=False, highlight=False, soft_wrap=True)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the exceptions of :data:`EXIT_CODES` into one line on stderr and their exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as err:
            for kind, code in EXIT_CODES:
                if isinstance(err, kind):
                    error_line(str(err))
                    raise typer.Exit(code) from None
            raise

    return wrapper


@contextmanager
def progress_bar(label: str, eta: bool = False) -> Iterator[ProgressFn]:
    """A transient bar on stderr; yields the ``progress(done, total)`` callback to hand the library."""
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if eta:
        columns.append(TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
