"""Tests for the time limit of a grade (curation.scoring.deadline and its use in grading)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from curation.scoring import deadline as deadline_module
from curation.scoring import grading, safe_math_verify
from curation.scoring.deadline import DeadlineExceeded, deadline


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Cached golds and verdicts would hide the (patched) math-verify calls."""
    grading._gold.cache_clear()
    grading._math_verify_verdict.cache_clear()
    yield
    grading._gold.cache_clear()
    grading._math_verify_verdict.cache_clear()


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_deadline_interrupts_and_restores_the_handler() -> None:
    before = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded), deadline(0.05):
        _spin(5)
    assert time.monotonic() - start < 2
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert not deadline_module._active


def test_deadline_not_reached() -> None:
    with deadline(5):
        _spin(0.01)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_deadline_restores_an_outer_timer_and_handler() -> None:
    fired: list[int] = []

    def outer(signum: int, frame: Any) -> None:
        fired.append(signum)

    previous = signal.signal(signal.SIGALRM, outer)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with deadline(1):
            pass
        assert signal.getsignal(signal.SIGALRM) is outer
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < left <= 30  # the outer timer runs on with the time it had left
        signal.setitimer(signal.ITIMER_REAL, 0.01)  # an outer timer that runs out inside a block
        with deadline(1):
            _spin(0.05)
        _spin(0.05)
        assert fired  # fired once the block was left
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_nested_deadlines_the_outer_governs() -> None:
    with pytest.raises(DeadlineExceeded), deadline(0.05):
        with deadline(10):  # not armed: the outer one is
            _spin(5)
    assert not deadline_module._active


def test_no_deadline_off_the_main_thread_nor_without_a_limit() -> None:
    def slow() -> str:
        with deadline(0.01):
            _spin(0.1)
        return "done"

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(slow).result(timeout=30) == "done"
    with deadline(None):
        _spin(0.02)


def _sleeping_verify(seconds: float) -> Any:
    def verify(*args: Any, **kwargs: Any) -> bool:
        time.sleep(seconds)
        return True

    return verify


def test_a_slow_grade_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    grading.is_gradable("x+1")  # the gold's own checks run before the patch
    monkeypatch.setattr(safe_math_verify, "verify", _sleeping_verify(10))
    monkeypatch.setattr(grading, "GRADE_TIMEOUT_SECONDS", 0.1)
    start = time.monotonic()
    result = grading.grade_result(r"The answer is $\boxed{1+x}$.", "x+1")
    assert time.monotonic() - start < 3
    assert result == grading.GradeResult(False, "1+x", "timeout", "boxed")
    assert grading.grade(r"\boxed{1+x}", "x+1") is False
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    # nothing cut short is cached: with math-verify back, the same grade goes through
    monkeypatch.undo()
    assert grading.grade_result(r"The answer is $\boxed{1+x}$.", "x+1").correct is True


def test_a_slow_gold_check_times_out_and_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    real_parse = safe_math_verify.parse

    def slow_parse(*args: Any, **kwargs: Any) -> Any:
        time.sleep(10)
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(safe_math_verify, "parse", slow_parse)
    monkeypatch.setattr(grading, "GRADE_TIMEOUT_SECONDS", 0.1)
    assert grading.grade_result(r"\boxed{y^2}", "y^2").how == "timeout"
    assert grading.is_gradable("y^2") is False  # the limit was hit
    monkeypatch.undo()
    assert grading.is_gradable("y^2") is True
    assert grading.grade_result(r"\boxed{y^2}", "y^2").correct is True


def test_no_timer_off_the_main_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    grading.is_gradable("x+1")
    monkeypatch.setattr(safe_math_verify, "verify", _sleeping_verify(0.3))
    monkeypatch.setattr(grading, "GRADE_TIMEOUT_SECONDS", 0.05)
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(grading.grade_result, r"\boxed{1+x}", "x+1").result(timeout=30)
    assert (result.correct, result.how) == (True, "math-verify")


def test_math_verify_runs_without_its_own_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, Any]] = []
    real_parse, real_verify = safe_math_verify.parse, safe_math_verify.verify

    def parse(*args: Any, **kwargs: Any) -> Any:
        seen.append(("parsing_timeout", kwargs.get("parsing_timeout", "unset")))
        return real_parse(*args, **kwargs)

    def verify(*args: Any, **kwargs: Any) -> Any:
        seen.append(("timeout_seconds", kwargs.get("timeout_seconds", "unset")))
        return real_verify(*args, **kwargs)

    monkeypatch.setattr(safe_math_verify, "parse", parse)
    monkeypatch.setattr(safe_math_verify, "verify", verify)
    assert grading.grade(r"\boxed{\sqrt{4}}", "2")
    assert {name for name, _ in seen} == {"parsing_timeout", "timeout_seconds"}
    assert all(value is None for _, value in seen)
