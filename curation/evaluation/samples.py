"""``samples.jsonl``: one line per generated sample that explains its verdicts (as
lm-eval's ``--log_samples``), beside the per-item ``items.jsonl``.

Each line: the item key, run and sample; the item id and gold answer; the sha256 of the
prompt (the prompt itself is the dataset's, rebuilt by ``mathif eval``); the response as
the model gave it; how it was split (the answer text the constraints and the grader read,
and the lengths of both parts, by ``--think-mode``); the answer math-verify extracted;
each constraint's id, scope and verdict; hard, soft and correct; the finish reason and the
completion tokens.  With ``--trace-scope reasoning|both`` the verdicts on the reasoning
trace are added.  Pure: rows in, rows out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from curation.core import sha256_text
from curation.evaluation.score import EvalScores, Samples, outputs_of_run
from curation.evaluation.store import Generation, GenKey
from curation.scoring import ItemScore, split_response

SAMPLES = "samples.jsonl"


def _verdicts(score: ItemScore, k: int) -> dict[str, Any]:
    s = score.samples[k]
    return {"follow": list(s.follow), "hard": s.hard, "soft": s.soft}


def sample_rows(
    scores: EvalScores,
    done: Mapping[GenKey, Generation],
    samples: Samples,
    think_mode: str,
) -> Iterator[dict[str, Any]]:
    """The lines of ``samples.jsonl``, item by item, the run with constraints first."""
    runs: Sequence[tuple[str, tuple[ItemScore, ...] | None]] = (
        ("constraints", scores.constraints),
        ("plain", scores.plain),
    )
    for i, e in enumerate(scores.items):
        for run, run_scores in runs:
            if run_scores is None:
                continue
            score = run_scores[i]
            prompt = e.prompt_for(run)
            for k, gen in enumerate(outputs_of_run(done, e.key, run, samples)):
                s = score.samples[k]
                parts = split_response(gen.output, think_mode)
                row: dict[str, Any] = {
                    "key": e.key,
                    "run": run,
                    "sample": k,
                    "id": e.item.id,
                    "prompt_sha256": sha256_text(prompt),
                    "response": gen.output,
                    "answer": parts.answer,
                    "answer_chars": s.answer_chars,
                    "reasoning_chars": s.reasoning_chars,
                    "extracted_answer": s.extracted,
                    "gold": e.item.answer,
                    "constraint_name": list(e.item.constraint_ids),
                    "constraint_scope": list(score.scopes),
                    **_verdicts(score, k),
                    "correct": s.correct,
                    "finish_reason": gen.finish_reason,
                    "completion_tokens": gen.completion_tokens,
                }
                if run == "constraints" and scores.reasoning is not None:
                    row["reasoning_scope"] = _verdicts(scores.reasoning[i], k)
                if run == "constraints" and scores.both is not None:
                    row["both_scope"] = _verdicts(scores.both[i], k)
                yield row
