"""The grading functions, loaded on first use.

:mod:`curation.scoring.grading` imports math-verify, latex2sympy2 and sympy (about a quarter
of a second).  Many runs never grade (``mathif --help``, ``mathif score --no-correctness``),
so the stage's public face and :mod:`curation.scoring.score` take these forwarders instead:
each imports :mod:`curation.scoring.grading` when it is called and hands the call on, so
what it does (and a test's ``monkeypatch`` of the grading module) is exactly that module's.
"""

from __future__ import annotations

__all__ = ["grade", "grade_detail", "is_gradable"]


def grade(response_answer: str, gold: str) -> bool:
    """Whether ``response_answer`` is mathematically equivalent to ``gold`` (math_verify): see
    :func:`curation.scoring.grading.grade`.  Never raises."""
    from curation.scoring.grading import grade as grade_now

    return grade_now(response_answer, gold)


def grade_detail(response_answer: str, gold: str) -> tuple[bool, str | None]:
    """:func:`grade`, and the answer math-verify extracted from the response: see
    :func:`curation.scoring.grading.grade_detail`.  Never raises."""
    from curation.scoring.grading import grade_detail as grade_detail_now

    return grade_detail_now(response_answer, gold)


def is_gradable(answer: str) -> bool:
    """Whether the gold ``answer`` is machine-gradable: see
    :func:`curation.scoring.grading.is_gradable`.  Never raises."""
    from curation.scoring.grading import is_gradable as is_gradable_now

    return is_gradable_now(answer)
