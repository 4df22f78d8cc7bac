"""An intervention with the real model (SmolLM2-135M-Instruct): a model that is no thinking
model has no ``</think>`` token, so the marker is three tokens and the thinking stops on the
string; its end of turn is its attempt to end the thinking.  Budget forcing must make it go
on after "Wait" with at least a token of its own, then close the thinking for it.  ``make
eval-interventions`` is the full run, not a test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from curation.evaluation.intervention import scored_output
from curation.evaluation.store import generation_from_row
from curation.scoring import split_response
from tests.support.eval_support import reference_slice
from tests.support.vllm_env import all_cpus_env

pytestmark = pytest.mark.vllm

MATHIF = str(Path(sys.executable).parent / "mathif")


def test_budget_forcing_the_real_model(real_model, tmp_path):
    data = reference_slice(
        tmp_path / "data", per_file=3, files=("gsm8k_single.jsonl", "math500_double.jsonl")
    )
    out = tmp_path / "bf"
    args = [MATHIF, "eval", str(data), "--out", str(out), "--model", str(real_model), "--dtype", "float32"]
    args += ["--enforce-eager", "--max-tokens", "160", "--intervention", "budget-force", "--extensions", "1"]
    args += ["--think-end", "</think>"]
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=900, env=all_cpus_env(), stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    path = out / "generations.jsonl"
    gens = [
        generation_from_row(json.loads(x), path, i)
        for i, x in enumerate(path.read_text("utf-8").splitlines(), 1)
    ]
    assert len(gens) == 6 * 2
    extended = 0
    for g in gens:
        pieces, at = [], 0
        for kind, size in g.spans or ():
            pieces.append((kind, g.output[at : at + size]))
            at += size
        kinds = [k for k, _ in pieces]
        assert kinds.count("extension") <= 1 and g.completion_tokens <= 160
        assert "<|im_end|>" not in g.output and "<|im_start|>" not in g.output
        if "extension" in kinds:  # at least one token of its own after "Wait" (min_tokens=1)
            i = kinds.index("extension")
            assert pieces[i][1] == "Wait"
            assert i + 1 < len(pieces) and kinds[i + 1] == "model" and pieces[i + 1][1].strip()
            extended += 1
        if "close" in kinds:  # closed by the run: the scorer splits there and never reads "Wait"
            assert pieces[kinds.index("close")][1] == "</think>"
            parts = split_response(scored_output(g), "mathif")
            model_thinking = "".join(t for k, t in pieces[: kinds.index("close")] if k == "model")
            assert parts.reasoning == model_thinking
    assert extended >= 1  # some turns ended early enough to be forced on
