"""`mathif eval`, `mathif score` (outside generations) and `mathif compare`: configuration, the items to prompt, the resumable run folder, backends (vLLM, OpenAI-compatible), scoring a run, its summary and report. Imports core and scoring."""

from curation.evaluation.compare import run_compare
from curation.evaluation.config import TRACE_SCOPES, EvalConfig, make_config
from curation.evaluation.data import EvalItem, eval_items, load_dataset, prompts_of, split_of
from curation.evaluation.outside import index_generations, score_generations
from curation.evaluation.records import RunRecord
from curation.evaluation.report.markdown import checked_alike, paired_text
from curation.evaluation.run import EvalIncomplete, EvalOutcome, run_eval
from curation.evaluation.summary import EvalSummary

__all__ = [
    "TRACE_SCOPES",
    "EvalConfig",
    "EvalIncomplete",
    "EvalOutcome",
    "EvalSummary",
    "EvalItem",
    "eval_items",
    "load_dataset",
    "prompts_of",
    "split_of",
    "make_config",
    "index_generations",
    "score_generations",
    "run_compare",
    "run_eval",
    "RunRecord",
    "checked_alike",
    "paired_text",
]
