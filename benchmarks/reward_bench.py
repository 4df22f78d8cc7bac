"""Calls per second of the RL rewards on reasoning-length responses.

    python benchmarks/reward_bench.py [--responses N] [--min-chars A] [--max-chars B] [--seed S] [--quick]

A corpus of N responses (default 1,000, each of A..B characters, default 10,000..60,000,
drawn per response: a long ``<think>`` block, then an answer ending in a ``\\boxed{}``
number; 5% cut off without ``</think>``) is made deterministically from the seed over the
420 items of the published MathIF release with ``score_bench``'s generator.  Every reward
gets the item's ground truth as verl's rows hold it (``mathif.ground_truth_text``, JSON
text).  Then, in one run, each phase the best of ``--repeat`` passes:

* baseline: mathif.score   -- ``mathif.score(item, response, think_mode="strict",
                              correctness=False)`` on the already loaded item (no ground
                              truth to read);
* verl compute_score        -- the default reward (constraints only, hard, strict), the
                              ground truth parsed once per distinct text (LRU cache);
* ... ground truth uncached -- the same with the cache emptied before every call: the
                              per-call cost of parsing and validating the ground truth;
* TRL reward (groups of 16) -- ``trl_reward()`` called as GRPOTrainer does, 16
                              completions per call (calls/s counts completions);
* OpenRLHF reward_func      -- one query per call (as OpenRLHF calls it), prompt cut off,
                              torch tensors out;
* and with correctness: ``mathif.score(..., correctness=True)`` against ``compute_score``
  with ``correctness="multiply"`` (math-verify grading).

The rewards' verdicts are checked against ``mathif.score``'s before anything is printed.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # score_bench's corpus generator

from score_bench import DEFAULT_DATA as DEFAULT_REFERENCE  # noqa: E402
from score_corpus import make_response  # noqa: E402

import mathif  # noqa: E402
from curation.core.items import Item, read_items  # noqa: E402
from curation.integrations import rewards  # noqa: E402

Case = tuple[Item, str, str]  # item, response, ground truth


def make_cases(items: Sequence[Item], n: int, seed: int) -> list[Case]:
    """``n`` responses of score_bench's corpus (response i: item i mod len(items), as a sample)."""
    truths = {id(it): mathif.ground_truth_text(it) for it in items}
    cases = []
    for i in range(n):
        item = items[i % len(items)]
        key = f"{Path(item.path).name}:{item.line}"
        cases.append((item, make_response(item, key, i // len(items), seed).output, truths[id(item)]))
    return cases


@dataclass
class Phase:
    name: str
    calls: int
    seconds: float
    chars: int
    passes: Sequence[float]

    @property
    def rate(self) -> float:
        return self.calls / self.seconds

    @property
    def mb_per_s(self) -> float:
        return self.chars / 1e6 / self.seconds


def run_phase(
    name: str, cases: Sequence[Case], body: Callable[[Sequence[Case]], Any], repeat: int
) -> tuple[Phase, Any]:
    times, result = [], None
    for _ in range(max(1, repeat)):
        gc.collect()
        t0 = time.perf_counter()
        result = body(cases)
        times.append(time.perf_counter() - t0)
    return Phase(name, len(cases), min(times), sum(len(r) for _, r, _ in cases), times), result


# the phases -----------------------------------------------------------------------------


def api_score(correctness: bool) -> Callable[[Sequence[Case]], list[float]]:
    def body(cases: Sequence[Case]) -> list[float]:
        return [
            float(mathif.score(it, r, think_mode="strict", correctness=correctness).hard)
            for it, r, _ in cases
        ]

    return body


def verl(**reward_kwargs: Any) -> Callable[[Sequence[Case]], list[dict[str, float]]]:
    def body(cases: Sequence[Case]) -> list[dict[str, float]]:
        return [
            rewards.compute_score(
                data_source="mathif/v/s", solution_str=r, ground_truth=gt, extra_info={}, **reward_kwargs
            )
            for _, r, gt in cases
        ]

    return body


def verl_uncached(cases: Sequence[Case]) -> list[dict[str, float]]:
    out = []
    for _, r, gt in cases:
        rewards._item_of_text.cache_clear()
        out.append(rewards.compute_score("mathif/v/s", r, gt, {}))
    return out


def trl_groups(cases: Sequence[Case], group: int = 16) -> list[float | None]:
    fn = mathif.trl_reward()
    out: list[float | None] = []
    for start in range(0, len(cases), group):
        chunk = cases[start : start + group]
        out += fn(
            prompts=["p"] * len(chunk),
            completions=[r for _, r, _ in chunk],
            completion_ids=[[0]] * len(chunk),
            ground_truth=[gt for _, _, gt in chunk],
            trainer_state=None,
            log_extra=lambda column, values: None,
            log_metric=lambda name, value: None,
        )
    return out


PROMPT = "<|im_start|>user\nSolve it.<|im_end|>\n<|im_start|>assistant\n"


def openrlhf(cases: Sequence[Case]) -> list[float]:
    return [
        float(rewards.reward_func([PROMPT + r + "<|im_end|>"], [PROMPT], [gt])["rewards"][0])
        for _, r, gt in cases
    ]


# report ---------------------------------------------------------------------------------


def print_table(phases: Sequence[Phase]) -> None:
    head = ("phase", "calls", "seconds (passes)", "calls/s", "ms/call", "MB/s")
    rows = [
        (
            p.name,
            str(p.calls),
            "/".join(f"{t:.2f}" for t in p.passes),
            f"{p.rate:,.0f}",
            f"{1e3 / p.rate:.2f}",
            f"{p.mb_per_s:.1f}",
        )
        for p in phases
    ]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    line = "  ".join("-" * w for w in widths)
    print(line)
    for cells in (head, None, *rows):
        if cells is None:
            print(line)
            continue
        first, *rest = cells
        print(
            "  ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))])
        )
    print(line)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--responses", type=int, default=1_000, help="number of responses (default 1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=2, help="timed passes per phase, best kept (default 2)")
    ap.add_argument("--quick", action="store_true", help="a tiny run (48 responses, one pass)")
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="the published MathIF release")
    args = ap.parse_args(argv)
    if args.quick:
        args.responses, args.repeat = 48, 1
    if args.responses < 1:
        ap.error("--responses must be >= 1")

    files = sorted(args.reference.glob("*.jsonl"))
    if not files:
        ap.error(f"no .jsonl files in {args.reference}")
    items = [it for f in files for it in read_items(f)]
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s)")
    print(f"items: {len(items)} from {len(files)} files in {args.reference}")
    t0 = time.perf_counter()
    cases = make_cases(items, args.responses, args.seed)
    total = sum(len(r) for _, r, _ in cases)
    digest = hashlib.sha256("\x00".join(r for _, r, _ in cases).encode()).hexdigest()[:16]
    print(
        f"corpus: {len(cases)} responses, {total / 1e6:.1f} M chars (mean {total / len(cases):,.0f}), "
        f"seed {args.seed}, sha256 {digest}, "
        f"built in {time.perf_counter() - t0:.1f} s; best of {args.repeat} pass(es)"
    )

    warm = cases[:10]  # langdetect profiles, math-verify's grammar, regex caches, torch
    api_score(True)(warm), verl(correctness="multiply")(warm), openrlhf(warm)

    def prime() -> None:  # a trainer's steady state: every item's ground truth seen before
        for _, _, gt in cases:
            rewards.parse_ground_truth(gt)

    prime()

    base, base_hard = run_phase("baseline: mathif.score (item loaded)", cases, api_score(False), args.repeat)
    cached, verl_out = run_phase("verl compute_score (cached truth)", cases, verl(), args.repeat)
    uncached, _ = run_phase("verl compute_score (truth uncached)", cases, verl_uncached, args.repeat)
    prime()
    trl, trl_out = run_phase("TRL reward (groups of 16)", cases, trl_groups, args.repeat)
    orl, orl_out = run_phase("OpenRLHF reward_func (1 per call)", cases, openrlhf, args.repeat)
    base_c, base_c_hard = run_phase(
        "baseline: mathif.score + correctness", cases, api_score(True), args.repeat
    )
    with_c, verl_c = run_phase(
        "verl compute_score + correctness", cases, verl(correctness="multiply"), args.repeat
    )

    assert [r["hard"] for r in verl_out] == base_hard == trl_out == orl_out, (
        "a reward disagrees with mathif.score"
    )
    assert [r["hard"] for r in verl_c] == base_c_hard
    hacc = sum(base_hard) / len(base_hard)
    correct = sum(r["correct"] for r in verl_c) / len(verl_c)
    print(
        f"verdicts (strict): HAcc {100 * hacc:.1f}%, correct {100 * correct:.1f}%, reward x correct "
        f"{100 * sum(r['score'] for r in verl_c) / len(verl_c):.1f}%"
    )
    print()
    print_table([base, cached, uncached, trl, orl, base_c, with_c])
    print(f"constraints only: compute_score / mathif.score throughput  {cached.rate / base.rate:.2f}x")
    print(
        f"constraints only: cached / uncached ground truth           {cached.rate / uncached.rate:.2f}x "
        f"({1e3 * (uncached.seconds - cached.seconds) / len(cases):.3f} ms per call re-validating)"
    )
    print(f"with correctness: compute_score / mathif.score throughput  {with_c.rate / base_c.rate:.2f}x")
    print(f"correctness costs: constraints only / with correctness     {cached.rate / with_c.rate:.2f}x")
    print(f"total benchmark time: {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
