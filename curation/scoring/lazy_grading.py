"""The grading functions, handed on to :mod:`curation.scoring.grading` at each call.

:mod:`curation.scoring.grading` itself now imports no maths library (math-verify, latex2sympy2
and sympy load inside it the first time a grade needs them), but the stage's public face and
:mod:`curation.scoring.score` keep taking these forwarders: each looks the function up in
:mod:`curation.scoring.grading` when it is called and hands the call on, so what it does (and a
test's ``monkeypatch`` of the grading module) is exactly that module's. :class:`GradeResult` is
the grading module's own class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from curation.scoring.grading import GradeResult

__all__ = [
    "GradeResult",
    "grade",
    "grade_detail",
    "grade_result",
    "gradability_judged",
    "gradability_known",
    "grader_fingerprint",
    "is_gradable",
    "prepare_golds",
]


def grade_result(response_answer: str, gold: str) -> GradeResult:
    """The full grade of ``response_answer`` against ``gold`` (correct, the final answer found,
    how it was decided, where the answer came from): see
    :func:`curation.scoring.grading.grade_result`.  Never raises."""
    from curation.scoring.grading import grade_result as grade_result_now

    return grade_result_now(response_answer, gold)


def grade(response_answer: str, gold: str) -> bool:
    """Whether ``response_answer`` is correct against ``gold``: see
    :func:`curation.scoring.grading.grade`.  Never raises."""
    from curation.scoring.grading import grade as grade_now

    return grade_now(response_answer, gold)


def grade_detail(response_answer: str, gold: str) -> tuple[bool, str | None]:
    """:func:`grade`, and the final answer found in the response: see
    :func:`curation.scoring.grading.grade_detail`.  Never raises."""
    from curation.scoring.grading import grade_detail as grade_detail_now

    return grade_detail_now(response_answer, gold)


def is_gradable(answer: str) -> bool:
    """Whether the gold ``answer`` is machine-gradable: see
    :func:`curation.scoring.grading.is_gradable`.  Never raises."""
    from curation.scoring.grading import is_gradable as is_gradable_now

    return is_gradable_now(answer)


def prepare_golds(golds: Iterable[str]) -> None:
    """Judge and parse each distinct gold now (before forking workers): see
    :func:`curation.scoring.grading.prepare_golds`.  Never raises."""
    from curation.scoring.grading import prepare_golds as prepare_golds_now

    prepare_golds_now(golds)


def grader_fingerprint() -> str:
    """What a gradability verdict depends on: see
    :func:`curation.scoring.grading.grader_fingerprint`."""
    from curation.scoring.grading import grader_fingerprint as now

    return now()


def gradability_known(verdicts: Mapping[str, bool]) -> None:
    """See :func:`curation.scoring.grading.gradability_known`."""
    from curation.scoring.grading import gradability_known as now

    now(verdicts)


def gradability_judged(golds: Iterable[str]) -> dict[str, bool]:
    """See :func:`curation.scoring.grading.gradability_judged`."""
    from curation.scoring.grading import gradability_judged as now

    return now(golds)
