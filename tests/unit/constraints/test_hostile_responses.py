"""Model output is untrusted: every checker is linear (or bounded) in the response's length.

Every registered family's ``check`` (and ``check_fixed``, the --fix-quirks variant) runs on
each pathological response below, of ``SIZE`` characters, and must return a bool within
``BUDGET_S`` seconds: a checker that is quadratic on one of them takes minutes to hours
here (MathIF's bullet pattern took 43 s on 100 KB of newlines), so a regression fails
(an alarm stops a runaway check).  ``benchmarks/hostile_bench.py`` runs the same
responses at 5 MB and prints the slowest family of each.
"""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from constraints import Context, default_registry

SIZE = 1_000_000
BUDGET_S = 10.0  # per family per response, generous for a slow 2-core machine (measured: < 1 s)
CTX = Context(question="Natalia sold 48 clips in April and half as many in May. How many clips did she sell?")

# name -> (repeated unit, tail): the tail is what a backtracking pattern fails on at the end.
SHAPES: dict[str, tuple[str, str]] = {
    "newlines": ("\n", ""),
    "newlines then a bracket": ("\n", "]"),
    "blank lines with spaces": ("\n \t", "x"),
    "crlf": ("\r\n", ""),
    "dots": (".", ""),
    "dots then a letter": (".", "x"),
    "bangs then a letter": ("!", "x"),
    "spaced dots": (" .", ""),
    "sentences": ("a. ", ""),
    "abbreviations": ("e.g. ", ""),
    "stars": ("*", ""),
    "star lines": ("*\n", ""),
    "dash lines": ("-\n", ""),
    "bullets": ("* a\n", ""),
    "open brackets": ("[", ""),
    "open brackets per line": ("[\n", "]"),
    "empty brackets": ("[]", ""),
    "latex brackets": ("\\[", "x"),
    "open braces": ("{", ""),
    "double angles": ("<<", ""),
    "double angles then close": ("<<", ">>"),
    "nested boxes": ("\\boxed{", ""),
    "spaces": (" ", "x"),
    "alternating": ("ab", ""),
    "one word": ("a", ""),
    "dotted capital I": ("İ", ""),
    "headers": ("# h\n", ""),
    "separators": ("***\n", ""),
    "quotes": ('"', ""),
    "single quotes": ("'", "x"),
    "backticks": ("`a", ""),
    "quote after bracket": ('("', ""),
    "commas": (",a", ""),
    "digits": ("7", ""),
    "digits and commas": ("1,", ""),
    "dollars": ("$", "x"),
    "let": ("let x ", ""),
    "mail-like": ("a@", ""),
    "urls": ("https://a", ""),
    "combining marks": ("a\u0300", ""),
    "words": ("the answer is 12. ", ""),
}


def hostile_response(name: str, size: int = SIZE) -> str:
    unit, tail = SHAPES[name]
    body = size - len(tail)
    return (unit * (body // len(unit) + 1))[:body] + tail


def checks() -> Iterator[tuple[str, Callable[[str, dict], bool], dict]]:
    """(label, checker, args) for every registered family, args drawn with a fixed seed."""
    for family in default_registry():
        args = family.validate(family.sample(random.Random(1), CTX))
        yield family.id, family.check, args
        if family.check_fixed is not None:
            yield family.id + " (--fix-quirks)", family.check_fixed, args


class Runaway(Exception):
    pass


@contextmanager
def alarm(seconds: float):
    """Stop the block after ``seconds`` (where SIGALRM exists; elsewhere only the timing fails)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        raise Runaway(f"still running after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_checker_is_fast_on_a_hostile_response(name):
    response = hostile_response(name)
    slow = []
    for label, check, args in checks():
        start = time.perf_counter()
        try:
            with alarm(3 * BUDGET_S):
                verdict = check(response, args)
        except Runaway as exc:
            pytest.fail(f"{label} on {name!r} ({len(response)} characters): {exc}")
        elapsed = time.perf_counter() - start
        assert verdict in (True, False), (label, name, verdict)
        if elapsed > BUDGET_S:
            slow.append(f"{label}: {elapsed:.1f} s")
    assert not slow, f"over {BUDGET_S} s on {name!r}: {slow}"


def test_the_shapes_have_the_size_asked_for():
    assert all(len(hostile_response(name, 1000)) == 1000 for name in SHAPES)
