"""mathif's stable Python API, in one place (README: "Python API").

- :func:`load` a version in any form (a build folder, ``ORG/NAME@v1.0.0`` on the Hub, a
  published tree, one JSONL or parquet file, MathIF's folder) -> :class:`Benchmark` of
  :class:`BenchItem` (key, item, prompt with and without its constraints);
- :func:`score` one response against one item -> :class:`Verdict` (``hard``, ``soft``,
  ``follow`` per constraint, ``correct``), :func:`score_batch` many, :func:`mean_scores`
  MathIF's three scores over them;
- :func:`as_item` turns a row of any of the tool's, MathIF's or the Hub's formats into an
  item.
- RL rewards: :class:`RewardConfig`, :func:`reward`, :func:`ground_truth_text`, and the
  trainers' adapters :func:`make_verl_reward`, :func:`trl_reward`, :func:`openrlhf_reward`.

Names outside this list (``curation.*``, ``constraints.*``) may change between versions.
"""

from curation.core import InputError, Item, __version__
from curation.integrations import (
    BenchItem,
    Benchmark,
    ConstraintVerdict,
    GroundTruthError,
    RewardConfig,
    RewardResult,
    Verdict,
    as_item,
    ground_truth_text,
    load,
    make_verl_reward,
    mean_scores,
    openrlhf_reward,
    reward,
    score,
    score_batch,
    trl_reward,
)

__all__ = [
    "__version__",
    "as_item",
    "Benchmark",
    "BenchItem",
    "ConstraintVerdict",
    "InputError",
    "Item",
    "load",
    "mean_scores",
    "score",
    "score_batch",
    "Verdict",
    # RL rewards
    "ground_truth_text",
    "GroundTruthError",
    "make_verl_reward",
    "openrlhf_reward",
    "reward",
    "RewardConfig",
    "RewardResult",
    "trl_reward",
]
