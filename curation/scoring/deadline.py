"""A wall-clock limit on a block of code, with ``SIGALRM`` in the main thread.

``with deadline(seconds):`` arms ``signal.setitimer(signal.ITIMER_REAL, ...)`` and a ``SIGALRM``
handler that raises :class:`DeadlineExceeded`; on leaving the block it disarms the timer and
restores the previous handler and the previous timer (with the time it had left; one that
ran out meanwhile fires at once). :class:`DeadlineExceeded` derives from ``BaseException``, so
the ``except Exception`` of libraries (math-verify, sympy) does not swallow it; should some
code swallow it all the same, the timer fires again every :data:`REPEAT_SECONDS` until the
block is left.

Limits: the handler runs between Python bytecodes, so a single long call into C (a huge
integer power, say) is interrupted only when it returns. Signals exist only in the main
thread: anywhere else, on a platform without ``setitimer``, inside another active
``deadline`` (the outer one governs) or with ``seconds=None``, the block runs unlimited.
A handler installed outside Python (``signal.getsignal`` gives ``None``) is restored as
``SIG_DFL``.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["DeadlineExceeded", "REPEAT_SECONDS", "deadline"]

REPEAT_SECONDS = 0.05
"""After the deadline, the timer fires again this often until the block is left."""

_active = False  # a deadline is armed (main thread only, so a plain flag is enough)


class DeadlineExceeded(BaseException):
    """The time limit of a :func:`deadline` block ran out."""


def _raise(signum: int, frame: FrameType | None) -> None:
    if _active:  # a signal handled after the block was left does nothing
        raise DeadlineExceeded("time limit exceeded")


def _can_arm(seconds: float | None) -> bool:
    return (
        seconds is not None
        and seconds > 0
        and not _active
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`DeadlineExceeded` inside the block once ``seconds`` have passed (see the
    module for where it is not armed)."""
    global _active
    if not _can_arm(seconds):
        yield
        return
    assert seconds is not None
    previous_delay, previous_interval = signal.getitimer(signal.ITIMER_REAL)
    previous_handler = signal.signal(signal.SIGALRM, _raise)
    started = time.monotonic()
    _active = True
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT_SECONDS)
        yield
    finally:
        try:
            _active = False  # a signal that comes before this line still raises: see below
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            _active = False
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous_handler is None else previous_handler)
            if previous_delay > 0:
                left = previous_delay - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), previous_interval)
