"""The paper's interventions with a real model on this machine's CPU: a plain run and each
intervention on the same items, compared, with each run's figures and time.

    python benchmarks/eval_interventions.py [--dataset build/1.0.0] [--model build/real-model]
        [--out build/eval-interventions] [--max-tokens 384] [--limit 2] [--think-budget 128]
        [--extensions 2] [--no-openai-check]

The model is SmolLM2-135M-Instruct (``make real-model``).  It is no thinking model: it has
no ``</think>`` token, so the runs name the marker (``--think-end "</think>"``, three tokens
here: the segments stop on the string) and the model's end of turn is its attempt to end
its thinking.  MathIF's sampling (temperature 1.0, top-p 0.95, one seeded sample per
prompt), both prompt runs, float32, the first ``--limit`` items of each split file:

1. ``mathif eval`` (vllm backend) with no intervention, ``--intervention budget-force
   --extensions N``, ``--intervention remind`` and ``--intervention think-budget
   --think-budget T`` into OUT/{none,budget-force,remind,think-budget};
2. ``mathif compare`` of the four into OUT/compare (the table and plot of HAcc, SAcc and
   correctness against reasoning length);
3. unless ``--no-openai-check``: vLLM's ``api_server`` serving the same folder, and the
   budget-force run again through the openai backend (``/v1/completions`` continuations)
   into OUT/budget-force-openai; the script fails when the two backends' scores differ;
4. the figures and times into OUT/figures.md and OUT/figures.json.

Run folders that exist are resumed: only the missing samples are generated, and a run that
had nothing left to generate keeps the time recorded when it was generated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_real import agreement, generated, pct  # noqa: E402

from tests.support.real_model import NAME, is_current  # noqa: E402
from tests.support.vllm_env import ApiServer, all_cpus_env  # noqa: E402

MATHIF = str(Path(sys.executable).with_name("mathif"))
MARKER = "</think>"


def runs_of(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    common = ["--think-end", MARKER]
    return [
        ("none", []),
        ("budget-force", ["--intervention", "budget-force", "--extensions", str(args.extensions), *common]),
        ("remind", ["--intervention", "remind", *common]),
        (
            "think-budget",
            ["--intervention", "think-budget", "--think-budget", str(args.think_budget), *common],
        ),
    ]


def run_eval(args: argparse.Namespace, name: str, out: Path, extra: list[str]) -> dict[str, Any]:
    before = generated(out)
    cmd = [MATHIF, "eval", str(args.dataset), "--max-tokens", str(args.max_tokens), "--out", str(out)]
    cmd += ["--limit", str(args.limit), *extra]
    print(f"$ {' '.join(cmd)}", flush=True)
    start = time.monotonic()
    done = subprocess.run(cmd, env=all_cpus_env(args.kv_cache_gib), check=False)
    if done.returncode != 0:
        raise SystemExit(f"error: mathif eval ({name}) exited with {done.returncode}")
    after = generated(out)
    return {
        "run": name,
        "seconds": round(time.monotonic() - start, 1),
        "samples_generated": after[0] - before[0],
        "tokens_generated": after[1] - before[1],
        "samples": after[0],
        "tokens": after[1],
    }


def effects(folder: Path) -> dict[str, Any]:
    """What the intervention did to the samples with constraints, from generations.jsonl."""
    rows = [
        json.loads(line) for line in (folder / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    rows = [r for r in rows if r["run"] == "constraints"]
    kinds = [[k for k, _ in r.get("spans") or ()] for r in rows]
    n = len(rows) or 1
    thinking = [r["thinking_tokens"] for r in rows if r.get("thinking_tokens") is not None]
    return {
        "samples": len(rows),
        "mean_completion_tokens": sum(r["completion_tokens"] or 0 for r in rows) / n,
        "mean_thinking_tokens": sum(thinking) / len(thinking) if thinking else None,
        "mean_extensions": sum(k.count("extension") for k in kinds) / n,
        "reminded": sum("reminder" in k for k in kinds) / n,
        "budget_closed": sum("final" in k for k in kinds) / n,
    }


def figures(folder: Path) -> dict[str, Any]:
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    out: dict[str, Any] = {"items": s["items"]}
    for key in ("hacc", "sacc", "correctness", "correctness_without_constraints"):
        ci = s["ci"].get(key) or {}
        out[key] = {"value": s[key], "low": ci.get("low"), "high": ci.get("high")}
    out["reasoning_length"] = s.get("reasoning_length")
    out["truncated_share"] = s["endings"]["overall"]["truncated_share"]
    return out | effects(folder)


def rate(f: dict[str, Any]) -> str:
    return f"{pct(f['value'])} ({pct(f['low'])}–{pct(f['high'])})"


def markdown(args: argparse.Namespace, runs: list[dict[str, Any]], figs: dict[str, Any]) -> str:
    lines = [
        f"# Interventions on MathIF {args.dataset.name} with {NAME} on the CPU",
        "",
        f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPUs; float32; temperature 1.0, top-p 0.95, "
        f"one sample per prompt (seed 0), at most {args.max_tokens:,} new tokens; the first {args.limit} "
        f"items of each split file; both prompt runs; end of thinking {MARKER!r} or the end of the turn.",
        "",
        "| run | HAcc % (95% CI) | SAcc % | correct % | correct w/o constraints % | mean tokens "
        "| mean thinking tokens | extensions / sample | reminded % | budget closed % | truncated % | time |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        f = figs[r["run"]]
        thinking = f["mean_thinking_tokens"]
        lines.append(
            f"| {r['run']} | {rate(f['hacc'])} | {rate(f['sacc'])} | {rate(f['correctness'])} | "
            f"{rate(f['correctness_without_constraints'])} | {f['mean_completion_tokens']:.0f} | "
            f"{'–' if thinking is None else f'{thinking:.0f}'} | {f['mean_extensions']:.2f} | "
            f"{100 * f['reminded']:.1f} | {100 * f['budget_closed']:.1f} | {pct(f['truncated_share'])} | "
            f"{r['seconds'] / 60:.1f} min ({r['samples_generated']:,} samples, {r['tokens_generated']:,} tokens) |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / "build" / "1.0.0")
    parser.add_argument("--model", type=Path, default=ROOT / "build" / "real-model")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "eval-interventions")
    parser.add_argument("--max-tokens", type=int, default=384)
    parser.add_argument("--limit", type=int, default=2, help="first N items of each split file")
    parser.add_argument("--think-budget", type=int, default=128)
    parser.add_argument("--extensions", type=int, default=2)
    parser.add_argument("--openai-check", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--kv-cache-gib", type=int, default=4, help="vLLM's CPU KV cache (GiB)")
    args = parser.parse_args()
    args.dataset, args.model, args.out = (p.resolve() for p in (args.dataset, args.model, args.out))
    if not is_current(args.model):
        raise SystemExit(f"error: {args.model}: no converted {NAME} here; run make real-model")
    if not (args.dataset / "manifest.json").is_file():
        raise SystemExit(f"error: {args.dataset}: no built dataset here; run make dataset")
    args.out.mkdir(parents=True, exist_ok=True)
    # a run folder with nothing left to generate keeps the time of the run that generated it
    earlier: dict[str, Any] = {}
    try:
        old = json.loads((args.out / "figures.json").read_text(encoding="utf-8"))
        earlier = {r["run"]: r for r in old.get("runs", []) if isinstance(r, dict) and "run" in r}
        openai_run = old.get("openai_check", {}).get("run")
        if isinstance(openai_run, dict) and "run" in openai_run:
            earlier[openai_run["run"]] = openai_run
    except (OSError, ValueError, AttributeError, TypeError):
        pass

    def kept(run: dict[str, Any]) -> dict[str, Any]:
        before = earlier.get(run["run"])
        if run["samples_generated"] == 0 and before and before.get("samples") == run["samples"]:
            return before
        return run

    local = ["--model", str(args.model), "--dtype", "float32", "--enforce-eager"]
    runs = [kept(run_eval(args, name, args.out / name, local + extra)) for name, extra in runs_of(args)]
    folders = [str(args.out / r["run"]) for r in runs]
    cmd = [MATHIF, "compare", *folders, "--out", str(args.out / "compare")]
    subprocess.run(cmd, env=all_cpus_env(args.kv_cache_gib), check=True, stdout=subprocess.DEVNULL)
    figs = {r["run"]: figures(args.out / r["run"]) for r in runs}
    report: dict[str, Any] = {"model": NAME, "max_tokens": args.max_tokens, "runs": runs, "figures": figs}
    text = markdown(args, runs, figs)
    status = 0
    if args.openai_check:
        name, extra = runs_of(args)[1]
        folder = args.out / f"{name}-openai"
        log = args.out / "api_server.log"
        print(f"starting vLLM's api_server (log: {log})", flush=True)
        with ApiServer(
            args.model, log, name=NAME, extra=["--dtype", "float32"], environ=all_cpus_env(args.kv_cache_gib)
        ) as server:
            server.wait_ready(timeout=600)
            remote = ["--model", NAME, "--backend", "openai", "--base-url", server.base_url]
            remote += ["--tokenizer", str(args.model), "--concurrency", "256"]
            openai_run = kept(run_eval(args, f"{name} (openai)", folder, remote + extra))
        agree = agreement(args.out / name, folder)
        mine, theirs = figs[name], figures(folder)
        differs = [k for k in ("hacc", "sacc", "correctness") if mine[k]["value"] != theirs[k]["value"]]
        report |= {"openai_check": {"run": openai_run, "agreement": agree, "scores_differ": differs}}
        text += (
            f"\nbudget-force through the openai backend (vLLM's api_server, /v1/completions): "
            f"{agree['same']:,} of {agree['of']:,} generations the same text as the vllm backend's; "
            f"scores {'differ: ' + ', '.join(differs) if differs else 'the same'}; "
            f"{openai_run['seconds'] / 60:.1f} min.\n"
        )
        if differs or agree["verdicts_differ"]:
            status = 1
    (args.out / "figures.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.out / "figures.md").write_text(text, encoding="utf-8")
    print(text)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
