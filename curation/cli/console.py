"""What every command shares: the console pair, the one table of exception -> exit code,
the one-line error rule, progress bars and notes."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
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

from curation.core import InputError, ServiceFailure, WorkerFailure, redact
from curation.core import Progress as ProgressFn

console = Console()
err_console = Console(stderr=True)

EXIT_CODES: tuple[tuple[type[Exception] | tuple[type[Exception], ...], int], ...] = (
    (InputError, 2),  # bad input the user can fix
    (ServiceFailure, 1),  # a server or the Hub failed; the work done so far is kept
    (WorkerFailure, 1),  # a worker process was killed (out of memory, say); nothing was written
    ((ConnectionError, TimeoutError), 1),  # a server that cannot be reached (OSErrors too)
    (OSError, 2),  # a path the user gave cannot be read or written (permissions, a full disk, ...)
)
"""The only place an exception becomes an exit code, first match wins; anything else is a
bug (a traceback)."""


def default_note(value: object) -> str:
    r"""`` [default: VALUE]`` for the end of an option's help, where Typer shows none (an
    option whose ``None`` means "not given": the run file or a later rule decides; a flag
    that is off).  Escaped: Rich reads a bare ``[default: 1]`` as a markup tag and drops it."""
    return f" \\[default: {value}]"


def message_of(err: Exception) -> str:
    """The one line an exception of :data:`EXIT_CODES` prints."""
    if isinstance(err, OSError):
        what = (err.strerror or str(err)).lower()
        return f"{err.filename}: {what}" if err.filename is not None else what
    return str(err)


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def printable(text: str) -> str:
    """``text`` safe to print as one line: secrets masked, control characters (newlines
    included) and undecodable bytes of file names escaped."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", redact(text))
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_line(message: str) -> None:
    """``error: message`` on stderr, secrets masked."""
    err_console.print(f"error: {printable(message)}", markup=False, highlight=False, soft_wrap=True)


def note(message: str) -> None:
    """A line for the user on stderr (a :data:`curation.core.progress.Note`), secrets masked."""
    err_console.print(printable(message), markup=False, highlight=False, soft_wrap=True)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the exceptions of :data:`EXIT_CODES` into one line on stderr and their exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_paths(kwargs)
            return fn(*args, **kwargs)
        except Exception as err:
            for kind, code in EXIT_CODES:
                if isinstance(err, kind):
                    error_line(message_of(err))
                    raise typer.Exit(code) from None
            raise

    return wrapper


def check_paths(params: dict[str, Any]) -> None:
    """Paths from the command line that no system call can take are one clear error."""
    for name, value in params.items():
        for path in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(path, Path) and "\x00" in str(path):
                flag = "--" + name.replace("_", "-")
                raise InputError(None, None, f"{flag}: a path cannot hold a NUL byte, got {str(path)!r}")


@contextmanager
def progress_bar(label: str, eta: bool = False) -> Iterator[ProgressFn]:
    """A transient bar on stderr; yields the ``progress(done, total)`` callback to hand the library."""
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if eta:
        columns.append(TimeRemainingColumn())
    bar = Progress(*columns, console=err_console, transient=True)
    task = bar.add_task(label, total=None)
    started = False

    def advance(done: int, total: int) -> None:
        nonlocal started
        if not started:  # shown from the first step: an error before it prints no empty bar line
            bar.start()
            started = True
        bar.update(task, completed=done, total=total)

    try:
        yield advance
    finally:
        if started:
            bar.stop()
