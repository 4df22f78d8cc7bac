"""`mathif eval` and `mathif compare`: configuration, the items to prompt, the resumable run folder, backends (vLLM, OpenAI-compatible), scoring a run, its summary and report. Imports core and scoring."""

from curation.evaluation.config import EvalConfig, make_config
from curation.evaluation.records import RunRecord
from curation.evaluation.run import EvalIncomplete, EvalOutcome, run_compare, run_eval
from curation.evaluation.summary import EvalSummary

__all__ = [
    "EvalConfig",
    "EvalIncomplete",
    "EvalOutcome",
    "EvalSummary",
    "make_config",
    "run_compare",
    "run_eval",
    "RunRecord",
]
