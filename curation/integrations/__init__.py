"""Where other tools meet mathif: the Python API (load a version, score responses), harness
exports (lm-evaluation-harness, lighteval, inspect_ai), RL rewards (verl, TRL, OpenRLHF).
Imports core, scoring and evaluation."""

from curation.integrations.api import (
    BenchItem,
    Benchmark,
    ConstraintVerdict,
    Verdict,
    as_item,
    load,
    mean_scores,
    score,
    score_batch,
)

__all__ = [
    "as_item",
    "Benchmark",
    "BenchItem",
    "ConstraintVerdict",
    "load",
    "mean_scores",
    "score",
    "score_batch",
    "Verdict",
]
