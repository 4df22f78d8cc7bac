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
from curation.integrations.lighteval_export import export_lighteval, lighteval_files, lighteval_task_names
from curation.integrations.lm_eval_export import (
    ExportVersion,
    HarnessExport,
    export_lm_eval,
    lm_eval_files,
    load_version,
)
from curation.integrations.rewards import (
    GroundTruthError,
    RewardConfig,
    RewardResult,
    compute_score,
    ground_truth_text,
    make_verl_reward,
    openrlhf_reward,
    parse_ground_truth,
    reward,
    reward_file,
    reward_func,
    trl_reward,
)
from curation.integrations.verl_export import VerlExport, export_verl, verl_parquet_bytes, verl_rows

__all__ = [
    # harness exports (lm_eval_export.py, lighteval_export.py)
    "export_lighteval",
    "export_lm_eval",
    "ExportVersion",
    "HarnessExport",
    "lighteval_files",
    "lighteval_task_names",
    "lm_eval_files",
    "load_version",
    "as_item",
    "Benchmark",
    "BenchItem",
    "ConstraintVerdict",
    "load",
    "mean_scores",
    "score",
    "score_batch",
    "Verdict",
    # RL rewards (rewards.py) and the verl export (verl_export.py)
    "compute_score",
    "export_verl",
    "ground_truth_text",
    "GroundTruthError",
    "make_verl_reward",
    "openrlhf_reward",
    "parse_ground_truth",
    "reward",
    "reward_file",
    "reward_func",
    "RewardConfig",
    "RewardResult",
    "trl_reward",
    "verl_parquet_bytes",
    "verl_rows",
    "VerlExport",
]
