"""``samples.jsonl``: one line per generated sample that explains its verdicts (as
lm-eval's ``--log_samples``), beside the per-item ``items.jsonl``.

Each line: the item key, run and sample; the item id and gold answer; the sha256 of the
prompt (the prompt itself is the dataset's, rebuilt by ``mathif eval``); the response as
the model gave it (under ``--intervention``, with the injected text, and its ``spans`` and
``thinking_tokens``); how it was split (the injected text left out) (the answer text the constraints and the grader read,
and the lengths of both parts, by ``--think-mode``); the answer math-verify extracted;
each constraint's id, scope and verdict; hard, soft and correct; the finish reason and the
completion tokens.  With ``--trace-scope reasoning|both`` the verdicts on the reasoning
trace are added.  Pure: rows in, rows out.
"""

from __future__ import annotations

from typing import Any

from curation.core import sha256_text
from curation.evaluation.data import EvalItem
from curation.evaluation.store import Generation
from curation.scoring import ItemScore, SplitResponse

SAMPLES = "samples.jsonl"


def _verdicts(score: ItemScore, k: int) -> dict[str, Any]:
    s = score.samples[k]
    return {"follow": list(s.follow), "hard": s.hard, "soft": s.soft}


def sample_row(
    e: EvalItem,
    run: str,
    k: int,
    gen: Generation,
    parts: SplitResponse,
    score: ItemScore,
    reasoning: ItemScore | None,
    both: ItemScore | None,
) -> dict[str, Any]:
    """The line of ``samples.jsonl`` of sample ``k`` of item ``e`` in ``run``: ``parts`` is
    its split, ``score`` the item's verdicts in that run, ``reasoning``/``both`` those on the
    reasoning trace (the run with constraints, with ``--trace-scope``)."""
    s = score.samples[k]
    row: dict[str, Any] = {
        "key": e.key,
        "run": run,
        "sample": k,
        "id": e.item.id,
        "prompt_sha256": sha256_text(e.prompt_for(run)),
        "response": gen.output,
        "answer": parts.answer,
        "answer_chars": s.answer_chars,
        "reasoning_chars": s.reasoning_chars,
        "extracted_answer": s.extracted,
        "answer_source": s.answer_source,
        "grading": s.grading,
        "gold": e.item.answer,
        "constraint_name": list(e.item.constraint_ids),
        "constraint_scope": list(score.scopes),
        **_verdicts(score, k),
        "correct": s.correct,
        "finish_reason": gen.finish_reason,
        "completion_tokens": gen.completion_tokens,
    } | gen.intervention_fields()
    if reasoning is not None:
        row["reasoning_scope"] = _verdicts(reasoning, k)
    if both is not None:
        row["both_scope"] = _verdicts(both, k)
    return row
