"""Scoring a response against an item: the answer/reasoning split, grading, per-item verdicts, summaries and `mathif score` as a function. Imports core only."""

from curation.scoring.grading import grade, is_gradable
from curation.scoring.run import run_score
from curation.scoring.score import ItemScore, SampleScore, outputs_of, score_item, score_output
from curation.scoring.split import THINK_MODES, SplitResponse, split_response
from curation.scoring.summary import (
    Breakdown,
    FollowRate,
    GroupScores,
    ScoreSettings,
    ScoreSummary,
    summarize,
)

__all__ = [
    "Breakdown",
    "FollowRate",
    "grade",
    "GroupScores",
    "is_gradable",
    "ItemScore",
    "outputs_of",
    "run_score",
    "SampleScore",
    "score_item",
    "score_output",
    "ScoreSettings",
    "ScoreSummary",
    "split_response",
    "SplitResponse",
    "summarize",
    "THINK_MODES",
]
