"""Scoring a response against an item: the answer/reasoning split, grading, per-item verdicts, summaries. Imports core only."""

# grade, grade_detail and is_gradable import math-verify (and sympy) on their first call
# (curation.scoring.lazy_grading): importing the stage stays light.
from curation.scoring.lazy_grading import (
    GradeResult,
    gradability_judged,
    gradability_known,
    grade,
    grade_detail,
    grade_result,
    grader_fingerprint,
    is_gradable,
    prepare_golds,
)
from curation.scoring.score import (
    ItemScore,
    SampleScore,
    outputs_of,
    score_item,
    score_output,
    score_split,
)
from curation.scoring.split import THINK_MODES, SplitResponse, split_response
from curation.scoring.stats import (
    INTERVALS_NOTE,
    SMALL,
    Interval,
    PairedDifference,
    interval,
    ks_for,
    majority_index,
    paired_difference,
    pass_at_k,
)
from curation.scoring.summary import (
    Breakdown,
    FollowRate,
    GroupScores,
    intervals_of,
    summarize,
    ungraded,
)

__all__ = [
    "Breakdown",
    "FollowRate",
    "grade",
    "grade_detail",
    "grade_result",
    "prepare_golds",
    "gradability_judged",
    "gradability_known",
    "grader_fingerprint",
    "GradeResult",
    "GroupScores",
    "is_gradable",
    "ItemScore",
    "outputs_of",
    "SampleScore",
    "score_item",
    "score_output",
    "score_split",
    "split_response",
    "SplitResponse",
    "summarize",
    "ungraded",
    "THINK_MODES",
    "INTERVALS_NOTE",
    "SMALL",
    "Interval",
    "interval",
    "intervals_of",
    "ks_for",
    "majority_index",
    "PairedDifference",
    "paired_difference",
    "pass_at_k",
]
