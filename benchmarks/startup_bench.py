"""Start-up time: ``mathif --help``, ``mathif score --help``, ``import curation.cli``, ``import mathif``.

    python benchmarks/startup_bench.py [--runs N] [--against DIR]

Each case runs ``--runs`` times (default 10, after one warm-up) in a fresh interpreter, this
one's, from the checkout (``python -c``: the command line is ``curation.cli.app``, as the
``mathif`` script runs it).  Printed per case: the median, min and max wall seconds, the
median CPU seconds (user + system, of the child), and the heavy libraries the case loads.

``--against DIR``: the same cases from another checkout, run in turn with this one (A B A B
...), and the ratio of the medians; e.g. the previous commit::

    git worktree add /tmp/startup-base HEAD
    python benchmarks/startup_bench.py --against /tmp/startup-base
    git worktree remove /tmp/startup-base

The machine's load moves wall times: compare runs made together, and read the CPU column.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEAVY = (
    "math_verify",
    "latex2sympy2_extended",
    "sympy",
    "matplotlib",
    "numpy",
    "pyarrow",
    "datasets",
    "huggingface_hub",
    "rapidfuzz",
    "langdetect",
    "nltk",
)

CLI = "import sys\nfrom curation.cli import app\nsys.argv[0] = 'mathif'\napp({args!r})"
CASES = {
    "mathif --help": CLI.format(args=["--help"]),
    "mathif score --help": CLI.format(args=["score", "--help"]),
    "import curation.cli": "import curation.cli",
    "import mathif": "import mathif",
}


def run_once(code: str, where: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -c code`` run from the checkout ``where``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=where,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_loaded(code: str, where: Path) -> list[str]:
    """The heavy libraries loaded once ``code`` has run (exits caught)."""
    probe = (
        "import sys, json\ntry:\n"
        + "\n".join("    " + line for line in code.splitlines())
        + f"\nexcept SystemExit:\n    pass\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=where, capture_output=True, text=True, check=False
    )
    lines = done.stdout.strip().splitlines()
    try:
        return list(json.loads(lines[-1])) if lines else ["?"]
    except json.JSONDecodeError:
        return ["?"]


def checkout_of(where: Path) -> Path:
    """Where ``curation`` is imported from when run from ``where`` (it must be ``where``)."""
    code = "import curation; print(curation.__file__)"
    done = subprocess.run([sys.executable, "-c", code], cwd=where, capture_output=True, text=True, check=True)
    return Path(done.stdout.strip()).parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--against", type=Path, help="another checkout to compare with (B)")
    options = parser.parse_args()
    sides = {"A": ROOT}
    if options.against:
        sides["B"] = options.against.resolve()
    for name, where in sides.items():
        got = checkout_of(where)
        if got != where:
            sys.exit(f"{name}: run from {where}, curation comes from {got}")
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; {options.runs} runs"
    )
    for name, where in sides.items():
        print(f"{name}: {where}")
    print(
        f"{'case':<22} {'':2} {'wall median':>11} {'min':>6} {'max':>6} {'cpu median':>10}  heavy libraries loaded"
    )
    for case, code in CASES.items():
        for where in sides.values():
            run_once(code, where)  # warm-up (file cache, bytecode)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
        for _ in range(options.runs):
            for name, where in sides.items():
                times[name].append(run_once(code, where))
        medians = {}
        for name, where in sides.items():
            walls = [w for w, _ in times[name]]
            cpu = statistics.median(c for _, c in times[name])
            medians[name] = statistics.median(walls)
            loaded = ", ".join(heavy_loaded(code, where)) or "none"
            print(
                f"{case:<22} {name:2} {medians[name]:>10.3f}s {min(walls):>6.3f} {max(walls):>6.3f} "
                f"{cpu:>9.3f}s  {loaded}"
            )
        if "B" in medians:
            print(f"{case:<22} A/B wall medians {medians['A'] / medians['B']:.2f}")


if __name__ == "__main__":
    main()
