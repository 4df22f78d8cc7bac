"""Time of pulling the raw sources from the mirror and of the near-duplicate scan.

    python benchmarks/raw_bench.py [--mirror DIR] [--repeat N] [--threshold T]

* pull      -- ``curation.raw.pull.pull`` of all registry sources from the mirror (read,
               normalise, math-verify every distinct gold answer, write cache and lock), into a
               temporary MATHIF home, so the project's own cache and lock are not touched;
* near-dups -- ``find_near_duplicates`` over all cached problems (rapidfuzz ``cdist``),
               against a baseline in the same run: the Python double loop of ``fuzz.ratio``
               calls that ``cdist`` replaces, timed on ``--baseline-problems`` problems
               spread over all sources and scaled to all pairs by its cost per pair;
* match     -- ``match_questions`` of the published release's questions (if present) against
               all problems, as ``mathif raw match`` does.

Library functions are timed, not the CLI, so process start does not count. Each phase is the
best of ``--repeat`` runs (other processes may share the CPUs); the first pull also warms
math-verify's imports, so it is reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from curation.raw.near_dups import (  # noqa: E402
    DEFAULT_DUP_THRESHOLD,
    find_near_duplicates,
    match_key,
    match_questions,
)
from curation.raw.pull import RawPaths, load_problems, pull  # noqa: E402

DEFAULT_MIRROR = os.environ.get("MATHIF_RAW_MIRROR") or str(ROOT.parent / "shared" / "raw")
REFERENCE = ROOT.parent / "shared" / "reference" / "mathif-v1"


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def double_loop(keys: list[str], threshold: float) -> int:
    """The baseline: every pair scored by its own ``fuzz.ratio`` call."""
    found = 0
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            if fuzz.ratio(keys[i], keys[j], score_cutoff=threshold):
                found += 1
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default=DEFAULT_MIRROR)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threshold", type=float, default=DEFAULT_DUP_THRESHOLD)
    parser.add_argument("--baseline-problems", type=int, default=600)
    args = parser.parse_args()
    if not Path(args.mirror).is_dir():
        print(f"error: {args.mirror}: mirror folder not found", file=sys.stderr)
        return 2

    print(f"python {platform.python_version()}, {os.cpu_count()} CPU(s), mirror {args.mirror}")
    with tempfile.TemporaryDirectory() as home:
        paths = RawPaths.under(home)
        start = time.perf_counter()
        outcome = pull(mirror=args.mirror, paths=paths)
        first = time.perf_counter() - start
        if outcome.errors:
            print("\n".join(f"error: {e}" for e in outcome.errors), file=sys.stderr)
            return 2
        pull_time, outcome = best_of(args.repeat, lambda: pull(mirror=args.mirror, paths=paths))
        problems = load_problems(paths=paths)
        dup_time, dups = best_of(args.repeat, lambda: find_near_duplicates(problems, args.threshold))

        per_source = ", ".join(f"{s.spec.name} {len(s.problems)}" for s in outcome.pulled)
        print(f"problems: {outcome.problems} ({per_source}); gradable {outcome.gradable}")
        print(
            f"pull + normalise, all {len(outcome.pulled)} sources: {pull_time:.2f} s (first run {first:.2f} s)"
        )
        pairs = len(problems) * (len(problems) - 1) // 2
        print(
            f"near-duplicate scan (fuzz.ratio >= {args.threshold:g}, {pairs:,} pairs): {dup_time:.2f} s; "
            f"{len(dups.pairs)} pairs in {len(dups.groups)} groups, "
            f"{sum(g.cross_source for g in dups.groups)} across sources"
        )
        step = max(1, len(problems) // args.baseline_problems)  # every source, in proportion
        sample = [match_key(p.question) for p in problems[::step]]
        sample_pairs = len(sample) * (len(sample) - 1) // 2
        loop_time, _ = best_of(1, lambda: double_loop(sample, args.threshold))
        loop_all = loop_time / sample_pairs * pairs
        print(
            f"  baseline, a Python double loop of fuzz.ratio: {loop_time:.2f} s for {sample_pairs:,} pairs, "
            f"{loop_all:.1f} s scaled to all pairs; cdist is {loop_all / dup_time:.1f}x faster"
        )
        files = sorted(REFERENCE.glob("*.jsonl"))
        if files:
            questions = [
                json.loads(line)["question"]
                for f in files
                for line in f.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            match_time, matches = best_of(args.repeat, lambda: match_questions(questions, problems))
            matched = sum(m.problem is not None for m in matches)
            print(f"match {len(questions)} reference questions: {match_time:.2f} s ({matched} matched)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
