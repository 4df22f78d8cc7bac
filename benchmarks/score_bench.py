"""Throughput and memory of scoring (``mathif score``) on reasoning-model-sized outputs.

    python benchmarks/score_bench.py [--responses N] [--chars C] [--seed S] [--quick]

A corpus of N responses (default 2,000 of ~30,000 characters: a long ``<think>``
block, then an answer ending in a ``\\boxed{}`` number) is generated
deterministically from the seed over the 420 items of the published MathIF
release (cycling through them).  Then, in one run:

* split only       -- ``split_response`` alone (the floor: touching every character);
* (a) constraints  -- ``score_item(..., with_correctness=False)``;
* baseline         -- a naive loop that re-parses the item's JSON line and re-validates
                      its constraint arguments for every response, then scores like (a);
* (b) + correctness -- ``score_item(..., with_correctness=True)`` (math-verify grading);
* run_score        -- one full ``mathif score`` (``score_generations``) over the corpus written
                      to JSONL files (reading, aligning, scoring with correctness, writing the
                      items, the per-sample log, the summary, report and plots), in a child
                      process so its peak RSS is its own.

Peak memory: tracemalloc peak over a subset of the corpus for each library phase
(tracemalloc slows Python down, so it is never on while timing) and the peak RSS
of the process during each phase.  The library functions are timed, not the CLI,
so terminal output and process start do not dominate.  Each process (this one and
the run_score child) is warmed up on 10 responses first, and each phase is timed
as the best of ``--repeat`` passes (other processes may share the CPUs).
math-verify's parse cache holds only 20 entries, so cycling over 420 items does
not turn grading into cache hits.

Peak RSS per phase is the kernel's VmHWM after resetting it (Linux
``/proc/self/clear_refs``); elsewhere it falls back to ``getrusage`` (monotonic).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.core.items import Item, item_from_dict, read_items
from curation.scoring.score import score_item
from curation.scoring.split import split_response
from curation.scoring.summary import summarize

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = ROOT.parent / "shared" / "reference" / "mathif-v1"
if not DEFAULT_REFERENCE.is_dir():
    DEFAULT_REFERENCE = Path("/work/shared/reference/mathif-v1")

MIB = 1024 * 1024


# corpus -----------------------------------------------------------------------------

_OPENERS = (
    "Let me think about this.",
    "Wait, let me re-check that step.",
    "Hmm, that does not look right.",
    "Okay, so far so good.",
    "Alternatively, we could try another approach.",
    "Let me verify with a small case.",
    "So, putting this together,",
    "Hold on, I made an arithmetic slip.",
)


def _sentence(rng: random.Random) -> str:
    a, b, c = rng.randint(2, 99), rng.randint(2, 99), rng.randint(1, 9)
    kind = rng.randrange(8)
    if kind == 0:
        return f"If $x = {a}$, then $x^2 + {b}x = {a * a + b * a}$, which we keep for later."
    if kind == 1:
        return f"Dividing, $\\frac{{{a * c}}}{{{c}}} = {a}$, so the quotient is {a}."
    if kind == 2:
        return f"We need the number of ways to choose {c} of {a} objects, that is $\\binom{{{a}}}{{{c}}}$."
    if kind == 3:
        return f"Since {a} + {b} = {a + b}, and {a + b} is {'even' if (a + b) % 2 == 0 else 'odd'}, the parity fits."
    if kind == 4:
        return f"Check: {a} times {b} is {a * b}, minus {c} gives {a * b - c}."
    if kind == 5:
        return f"The area is $\\tfrac12 \\cdot {a} \\cdot {b} = {a * b / 2:g}$ square units, I think."
    if kind == 6:
        return f"Modulo {c + 1}, the residue of {a * b} is {(a * b) % (c + 1)}, as expected."
    return rng.choice(_OPENERS)


def _sentence_pool(rng: random.Random, size: int = 600) -> list[str]:
    return [_sentence(rng) for _ in range(size)]


def _text(rng: random.Random, pool: Sequence[str], chars: int) -> str:
    parts: list[str] = []
    n = 0
    while n < chars:
        s = pool[rng.randrange(len(pool))]
        parts.append(s)
        n += len(s) + 1
    return " ".join(parts)[:chars]


def _wrong(gold: str, rng: random.Random) -> str:
    try:
        return str(int(gold.strip()) + rng.randint(1, 9))
    except ValueError:
        return str(rng.randint(2, 999))


def make_response(item: Item, rng: random.Random, chars: int, pool: Sequence[str]) -> str:
    """One deterministic reasoning-model-like output for ``item`` of about ``chars`` characters."""
    answer_len = min(2_000, max(200, chars // 15))
    reasoning = _text(rng, pool, max(0, chars - answer_len - 40))
    boxed = item.answer if rng.random() < 0.6 else _wrong(item.answer, rng)
    style = rng.random()
    if style < 0.05:  # cut off by the token limit: no </think>, no answer
        return "<think>" + reasoning + _text(rng, pool, answer_len)
    if style < 0.50:  # tries to follow: each constraint's witness, then the box
        body = "\n".join(c.family.witness(c.args, rng) for c in item.constraints)
        answer = f"{body}\n\nThe final answer is \\boxed{{{boxed}}}."
    else:  # ignores the constraints: a plain summary with commas, then the box
        answer = _text(rng, pool, answer_len) + f"\n\nTherefore, the final answer is $\\boxed{{{boxed}}}$."
    if style > 0.95:
        answer = f"<answer>{answer}</answer>"
    return f"<think>{reasoning}</think>\n\n{answer}"


def make_corpus(items: Sequence[Item], n: int, chars: int, seed: int) -> list[tuple[Item, str]]:
    pool = _sentence_pool(random.Random(f"pool:{seed}"))
    return [
        (
            items[i % len(items)],
            make_response(items[i % len(items)], random.Random(f"{seed}:{i}"), chars, pool),
        )
        for i in range(n)
    ]


# measuring --------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    responses: int
    seconds: float
    chars: int
    peak_mib: float | None = None  # tracemalloc peak over a subset
    peak_of: int = 0  # size of that subset
    rss_start_mib: float | None = None  # resident set size when the phase started
    rss_mib: float | None = None  # peak RSS during the phase (see peak_rss_mib)
    passes: Sequence[float] = ()  # every timed pass; ``seconds`` is the best

    @property
    def rate(self) -> float:
        return self.responses / self.seconds if self.seconds else float("inf")

    @property
    def mb_per_s(self) -> float:
        return self.chars / 1e6 / self.seconds if self.seconds else float("inf")


def _proc_status(key: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux >= 4.0: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def rss_mib() -> float | None:
    return _proc_status("VmRSS")


def peak_rss_mib() -> float:
    """Peak RSS since the last reset_peak_rss (VmHWM); else getrusage's max RSS of the
    process, which never goes down (and on Linux counts the parent's RSS at fork time)."""
    hwm = _proc_status("VmHWM")
    if hwm is not None:
        return hwm
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return kb / MIB if sys.platform == "darwin" else kb / 1024


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[list[float], Any]:
    """Wall times of ``repeat`` calls and the last result (the best time is reported:
    other processes may share the CPUs)."""
    times, result = [], None
    for _ in range(max(1, repeat)):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def traced_peak(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / MIB


def run_phase(
    name: str,
    corpus: Sequence[tuple[Item, str]],
    body: Callable[[Sequence[tuple[Item, str]]], Any],
    mem_n: int,
    repeat: int,
) -> tuple[Phase, Any]:
    gc.collect()
    start = rss_mib()
    reset_peak_rss()
    times, result = timed(lambda: body(corpus), repeat)
    phase = Phase(name, len(corpus), min(times), sum(len(o) for _, o in corpus), passes=times)
    phase.rss_start_mib, phase.rss_mib = start, peak_rss_mib()
    phase.peak_mib = traced_peak(lambda: body(corpus[:mem_n]))
    phase.peak_of = min(mem_n, len(corpus))
    return phase, result


def split_only(corpus: Sequence[tuple[Item, str]]) -> int:
    return sum(len(split_response(o).answer) for _, o in corpus)


def constraints_only(corpus: Sequence[tuple[Item, str]]) -> list[Any]:
    return [score_item(i, item, [o], with_correctness=False) for i, (item, o) in enumerate(corpus)]


def with_correctness(corpus: Sequence[tuple[Item, str]]) -> list[Any]:
    return [score_item(i, item, [o], with_correctness=True) for i, (item, o) in enumerate(corpus)]


def naive_baseline(lines: dict[int, str]) -> Callable[[Sequence[tuple[Item, str]]], list[Any]]:
    """Re-read the item's JSON line and re-validate its arguments for every response."""

    def body(corpus: Sequence[tuple[Item, str]]) -> list[Any]:
        out = []
        for i, (item, o) in enumerate(corpus):
            fresh = item_from_dict(json.loads(lines[id(item)]), item.path, item.line)
            out.append(score_item(i, fresh, [o], with_correctness=False))
        return out

    return body


# run_score in a child process ---------------------------------------------------------


def child_run_score(data: str, gens: str, out: str) -> None:
    """Hidden entry point: time one run_score, print a JSON line with time and RSS."""
    from curation.core.jsonio import read_jsonl
    from curation.evaluation import score_generations
    from curation.scoring.score import outputs_of

    # warm-up on the first 10 responses, as for the in-process phases (ANTLR builds its
    # DFA lazily, so the first few math-verify parses of a process are much slower)
    warm = zip(read_items(data)[:10], itertools.islice(read_jsonl(gens), 10), strict=False)
    with_correctness([(item, outputs_of(obj)[0]) for item, (_, obj) in warm])
    gc.collect()
    rss0 = rss_mib()
    reset_peak_rss()
    t0 = time.perf_counter()
    summary = score_generations(Path(data), Path(gens), Path(out))
    seconds = time.perf_counter() - t0
    info = {
        "seconds": seconds,
        "rss_start_mib": rss0,
        "rss_peak_mib": peak_rss_mib(),
        "hacc": summary.hacc,
    }
    print(json.dumps(info))


def full_run_score(
    corpus: Sequence[tuple[Item, str]], tmp: Path, repeat: int
) -> tuple[Phase, dict[str, Any]]:
    data, gens, out = tmp / "data.jsonl", tmp / "gen.jsonl", tmp / "out"
    with data.open("w", encoding="utf-8") as fd, gens.open("w", encoding="utf-8") as fg:
        for item, o in corpus:
            fd.write(json.dumps(item.to_mathif(), ensure_ascii=False) + "\n")
            fg.write(json.dumps({"output": o}, ensure_ascii=False) + "\n")
    runs = []
    for _ in range(max(1, repeat)):  # a fresh process each time, keep the fastest
        proc = subprocess.run(
            [sys.executable, __file__, "--_child-run-score", str(data), str(gens), str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"run_score child failed ({proc.returncode}):\n{proc.stderr}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    info = min(runs, key=lambda r: r["seconds"])
    info["passes"] = [r["seconds"] for r in runs]
    info["gen_mib"] = gens.stat().st_size / MIB
    info["items_jsonl_lines"] = sum(1 for _ in (out / "items.jsonl").open(encoding="utf-8"))
    chars = sum(len(o) for _, o in corpus)
    phase = Phase(
        "run_score (files, +correctness)", len(corpus), info["seconds"], chars, passes=info["passes"]
    )
    phase.rss_start_mib, phase.rss_mib = info["rss_start_mib"], info["rss_peak_mib"]
    return phase, info


# report -----------------------------------------------------------------------------


def fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def print_table(phases: Sequence[Phase]) -> None:
    head = (
        "phase",
        "responses",
        "seconds (passes)",
        "resp/s",
        "MB/s",
        "tracemalloc peak MiB",
        "RSS start -> peak MiB",
    )
    rows = [
        (
            p.name,
            str(p.responses),
            "/".join(f"{t:.2f}" for t in p.passes) if len(p.passes) > 1 else f"{p.seconds:.2f}",
            f"{p.rate:,.0f}",
            f"{p.mb_per_s:.1f}",
            f"{fmt(p.peak_mib, '.2f')} (of {p.peak_of})" if p.peak_mib is not None else "-",
            f"{fmt(p.rss_start_mib, '.0f')} -> {fmt(p.rss_mib, '.0f')}",
        )
        for p in phases
    ]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]

    def show(cells: Sequence[str]) -> None:
        first, *rest = cells
        print(
            "  ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))])
        )

    line = "  ".join("-" * w for w in widths)
    print(line)
    show(head)
    print(line)
    for r in rows:
        show(r)
    print(line)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--responses", type=int, default=2_000, help="number of responses (default 2000)")
    ap.add_argument("--chars", type=int, default=30_000, help="characters per response (default 30000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="a tiny run (40 responses of 3000 characters)")
    ap.add_argument("--repeat", type=int, default=2, help="timed passes per phase, best kept (default 2)")
    ap.add_argument("--mem-subset", type=int, default=300, help="responses traced by tracemalloc per phase")
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="the published MathIF release")
    ap.add_argument("--_child-run-score", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._child_run_score:
        child_run_score(*args._child_run_score)
        return 0
    if args.quick:
        args.responses, args.chars, args.mem_subset, args.repeat = 40, 3_000, 20, 1
    if args.responses < 1 or args.chars < 100:
        ap.error("--responses must be >= 1 and --chars >= 100")

    files = sorted(args.reference.glob("*.jsonl"))
    if not files:
        ap.error(f"no .jsonl files in {args.reference}")
    items = [it for f in files for it in read_items(f)]
    # the items' own JSON lines, for the naive baseline that re-parses them every time
    raw = {
        (str(f), n): line
        for f in files
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
    }
    lines = {id(it): raw[(it.path, it.line)] for it in items}

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s)")
    print(f"items: {len(items)} from {len(files)} files in {args.reference}")
    t0 = time.perf_counter()
    (gen_s,), corpus = timed(lambda: make_corpus(items, args.responses, args.chars, args.seed))
    total_chars = sum(len(o) for _, o in corpus)
    digest = hashlib.sha256("\x00".join(o for _, o in corpus).encode()).hexdigest()[:16]
    print(
        f"corpus: {len(corpus)} responses, {total_chars / 1e6:.1f} M chars "
        f"(mean {total_chars / len(corpus):,.0f}), seed {args.seed}, sha256 {digest}, built in {gen_s:.1f} s"
    )
    print(
        f"RSS after building the corpus: {fmt(rss_mib(), '.0f')} MiB; timings: best of {args.repeat} pass(es)"
    )

    with_correctness(corpus[:10])  # warm-up: langdetect profiles, math-verify grammar, regex caches
    mem_n = args.mem_subset
    phases: list[Phase] = []
    p_split, _ = run_phase("split only (floor)", corpus, split_only, mem_n, args.repeat)
    p_a, scores_a = run_phase("(a) constraints only", corpus, constraints_only, mem_n, args.repeat)
    p_base, scores_base = run_phase(
        "baseline: re-parse item per response", corpus, naive_baseline(lines), mem_n, args.repeat
    )
    p_b, scores_b = run_phase("(b) constraints + correctness", corpus, with_correctness, mem_n, args.repeat)
    phases += [p_split, p_a, p_base, p_b]

    assert [s.samples for s in scores_a] == [s.samples for s in scores_base], "baseline disagrees with (a)"
    assert [s.samples[0].follow for s in scores_a] == [s.samples[0].follow for s in scores_b]

    with tempfile.TemporaryDirectory(prefix="score_bench.") as tmp:
        p_run, info = full_run_score(corpus, Path(tmp), args.repeat)
    phases.append(p_run)
    if info["items_jsonl_lines"] != len(corpus):
        raise SystemExit(f"run_score wrote {info['items_jsonl_lines']} lines for {len(corpus)} responses")

    s = summarize(scores_b).overall
    print(
        f"corpus verdicts: HAcc {100 * s.hacc:.1f}%  SAcc {100 * s.sacc:.1f}%  "
        f"correct {100 * s.correctness:.1f}%  (run_score HAcc {100 * info['hacc']:.1f}%)"
    )
    print()
    print_table(phases)
    print(f"baseline / (a) time ratio:           {p_base.seconds / p_a.seconds:.2f}x")
    print(f"(b) / (a) time ratio (correctness):  {p_b.seconds / p_a.seconds:.2f}x")
    print(f"(a) / (b) throughput ratio:          {p_a.rate / p_b.rate:.2f}x")
    print(f"split share of (a):                  {100 * p_split.seconds / p_a.seconds:.0f}%")
    print(f"run_score / (b) time ratio (I/O):    {p_run.seconds / p_b.seconds:.2f}x")
    print(
        f"run_score child: RSS {fmt(info['rss_start_mib'], '.0f')} MiB after imports and warm-up, "
        f"{info['rss_peak_mib']:.0f} MiB peak; generations file {info['gen_mib']:.1f} MiB"
    )
    print(f"per response: (a) {1e3 / p_a.rate:.2f} ms, (b) {1e3 / p_b.rate:.2f} ms")
    print(f"total benchmark time: {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
