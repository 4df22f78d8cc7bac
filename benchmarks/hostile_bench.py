"""How long every constraint checker takes on hostile 5 MB responses.

    python benchmarks/hostile_bench.py [--size CHARS] [--limit S] [--family TEXT] [--shape NAME]

Model output is untrusted, so every checker must be linear in the response's length.
The responses are the pathological shapes of ``tests/unit/constraints/test_hostile_responses.py``
(newlines, dots, stars, brackets, nested boxes, ...) at ``--size`` characters (default
5,000,000).  Every registered family's ``check``, and ``check_fixed`` (``--fix-quirks``)
where it has one, runs on each, with arguments drawn with a fixed seed; a check still
running after ``--limit`` seconds (default 60) is stopped and reported as over it.

Printed: for each shape, the slowest family and its time; then for each family, its
slowest shape and time.  The budget is a few seconds per family per response.
"""

from __future__ import annotations

import argparse
import platform
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.unit.constraints.test_hostile_responses import SHAPES, checks, hostile_response  # noqa: E402


class Stopped(Exception):
    pass


def timed(check, response: str, args: dict, limit: float) -> float:
    """Seconds ``check`` took (inf: stopped at ``limit``; negative: it raised after that long)."""

    def stop(signum, frame):
        raise Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, limit)
    start = time.perf_counter()
    try:
        check(response, args)
        return time.perf_counter() - start
    except Stopped:
        return float("inf")
    except Exception:  # noqa: BLE001 - a checker that raises counts as not followed, but is reported
        return -(time.perf_counter() - start)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def shown(seconds: float, limit: float) -> str:
    if seconds == float("inf"):
        return f"> {limit:.0f} s"
    return f"{-seconds:.2f} s (raised)" if seconds < 0 else f"{seconds:.2f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=5_000_000)
    ap.add_argument("--limit", type=float, default=60.0, help="seconds before a check is stopped")
    ap.add_argument("--family", default="", help="only families whose id contains this")
    ap.add_argument("--shape", action="append", choices=list(SHAPES), help="only these shapes (repeatable)")
    opts = ap.parse_args()
    if opts.size < 1000 or opts.limit <= 0:
        ap.error("--size must be >= 1000 and --limit > 0")
    print(f"# {platform.python_implementation()} {platform.python_version()}, {platform.machine()}")
    print(f"# responses of {opts.size:,} characters, checks stopped after {opts.limit:.0f} s\n")
    runs = [c for c in checks() if opts.family in c[0]]
    for _, check, args in runs:  # load what checkers load on first use (nltk, langdetect's profiles)
        check("Warm up. We add the numbers.", args)
    worst: dict[str, tuple[float, str]] = {}
    print(f"{'response shape':28} {'slowest family':58} time")
    for name in opts.shape or list(SHAPES):
        response = hostile_response(name, opts.size)
        times = [(timed(check, response, args, opts.limit), label) for label, check, args in runs]
        for seconds, label in times:
            if label not in worst or abs(seconds) > abs(worst[label][0]):
                worst[label] = (seconds, name)
        seconds, label = max(times, key=lambda t: abs(t[0]))
        print(f"{name:28} {label:58} {shown(seconds, opts.limit)}", flush=True)
    print(f"\n{'family':58} {'slowest shape':28} time")
    for label, (seconds, name) in sorted(worst.items(), key=lambda kv: -abs(kv[1][0])):
        print(f"{label:58} {name:28} {shown(seconds, opts.limit)}")


if __name__ == "__main__":
    main()
