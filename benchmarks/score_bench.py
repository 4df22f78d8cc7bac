"""CPU time, peak memory and grading accuracy of ``mathif score``, this code against the code before it.

    .venv/bin/python benchmarks/score_bench.py            # 1x, 4x, 16x; baseline at 1x and 4x
    .venv/bin/python benchmarks/score_bench.py --quick    # a smoke check (tiny sizes, < 1 minute)
    .venv/bin/python benchmarks/score_bench.py --scales 1 --baseline 7f8a796 --keep /tmp/sb

The corpus (``benchmarks/score_corpus.py``) is generated deterministically from ``--seed``
over the 420 items of the published MathIF release, as issue 14 describes it: reasoning-length
responses (10,000 to 60,000 characters, a ``<think>`` block then an answer; some truncated,
some blank, some in ``<answer>`` tags), about half built from the constraints' witnesses, in
many answer forms, with the truth of each response's correctness known (``correct``,
``wrong`` or ``none``: no answer stated).  At 1x it has 3,000 responses (about 107 M
characters) for the runs that check constraints only and 1,000 for the runs that also grade
correctness, the sizes of the issue; 4x and 16x multiply the samples per item.

Every measured run is one whole ``mathif score`` process (reading, scoring, writing
``items.jsonl``, ``samples.jsonl``, ``summary.json``, the report and the plots), started from
a neutral folder with the venv's Python and a fresh ``MATHIF_HOME`` (nothing remembered from
an earlier run):

* new      -- the working tree of this repository, ``--jobs 1`` and ``--jobs 2`` at every
              scale when ``mathif score`` has that option;
* baseline -- ``--baseline REF`` (default 7f8a796, the last commit before issue 14) checked
              out in a temporary ``git worktree`` and imported from there (``PYTHONPATH``;
              checked before any run), at ``--baseline-scales`` (default 1 and 4: at 16x it
              needs about 10 GB).

For each run: CPU seconds (user + system of the process and every process it waited for,
``getrusage(RUSAGE_CHILDREN)`` around it), wall seconds, peak RSS of the largest single process
(``ru_maxrss`` from ``wait4``) and the peak of the RSS summed over the process tree (polled
from ``/proc`` every 20 ms; a page shared by several processes counts in each).  The
same polling sums each process's own CPU time as a cross-check (a note is printed when it
exceeds the ``getrusage`` figure, i.e. a process of the tree was never waited for).

It prints: the machine, the corpus (mix of forms and truths, sha256), a table of the runs
(scale, code, mode, jobs, responses, MB of generations, CPU-s, wall-s, peak RSS single/tree
MiB), then the ratios: new against baseline CPU in this run, new against the issue's
reference figures (MathIF's own scorer, measured on another machine: constraints only 5.7
CPU-s for the 3,000 responses, with correctness 4.1 CPU-s for 1,000; the goal is 5x less),
CPU as a fixed cost plus a cost per response and RSS growth from the smallest to the largest
scale, ``--jobs 1`` against ``--jobs 2`` (wall
speed-up; ``items.jsonl``, ``samples.jsonl`` and ``summary.json`` must be byte-identical),
whether the constraint verdicts of the baseline and the new code agree, and the accuracy of
the correctness grading against the known truth (credit on truly correct responses, false
credit on wrong or unanswered ones, per answer form at the first scale).  Exit status 1 if a
run failed or an identity check did not hold.

Files live in a temporary folder (about 1.7 GB of generations at 16x, and as much again per
run's ``samples.jsonl``; each is removed once read) unless ``--keep DIR`` is given.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from score_corpus import FORMS, CorpusStats, read_truth, write_corpus

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "reference" / "mathif-v1"
DEFAULT_BASELINE = "7f8a796"  # the last commit before issue 14
MIB = 1024 * 1024

# issue 14: MathIF's own scorer, whole process, measured by the author (other machine)
REFERENCE_CONSTRAINTS = (3_000, 5.7)  # responses, CPU-s (constraints only)
REFERENCE_CORRECTNESS = (1_000, 4.1)  # responses, CPU-s (with correctness)
GOAL = 5.0  # times less CPU than the reference

BASE_SIZES = {"constraints": 3_000, "correctness": 1_000}  # responses at 1x
QUICK_SIZES = {"constraints": 90, "correctness": 45}
QUICK_LINES = 3  # --quick: the first lines of each split file (45 items)
MODES = ("constraints", "correctness")
OUTPUTS = ("items.jsonl", "samples.jsonl", "summary.json")

Key = tuple[str, int]  # (item key, sample)


# the process tree's RSS ------------------------------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _children(pid: int) -> list[int]:
    """Child pids of ``pid``: /proc/PID/task/*/children, else a scan of /proc/*/stat."""
    try:
        out: list[int] = []
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                out += [int(x) for x in fh.read().split()]
        return out
    except OSError:
        pass
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as fh:
                    stat = fh.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # field 4: ppid
                out.append(int(name))
    return out


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def tree_sample(root: int) -> dict[int, tuple[int, float]]:
    """pid -> (resident bytes, own CPU seconds so far) for ``root`` and all its descendants."""
    out: dict[int, tuple[int, float]] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
                rss = int(fh.read().split()[1]) * _PAGE
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14, 15)
        except (OSError, ValueError, IndexError):
            continue
        out[pid] = (rss, cpu)
        todo += _children(pid)
    return out


class TreePoller(threading.Thread):
    """Polls a process tree until stopped: the peak of its summed RSS, the most processes at
    once, and each process's CPU time as last seen (a cross-check of ``getrusage``: a
    process nobody waited for is missing from that)."""

    def __init__(self, root: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak_bytes = 0
        self.peak_processes = 0
        self.cpu: dict[int, float] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            sample = tree_sample(self.root)
            self.peak_bytes = max(self.peak_bytes, sum(rss for rss, _ in sample.values()))
            self.peak_processes = max(self.peak_processes, len(sample))
            for pid, (_, cpu) in sample.items():
                self.cpu[pid] = max(cpu, self.cpu.get(pid, 0.0))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


# one measured process --------------------------------------------------------------------


@dataclass
class Measure:
    returncode: int
    cpu_s: float
    wall_s: float
    maxrss_mib: float  # the largest single process (ru_maxrss of it and its waited children)
    tree_mib: float  # peak of the summed RSS of the tree
    processes: int  # most processes seen at once in the tree
    polled_cpu_s: float  # CPU seconds of the tree's processes as last polled (a lower bound)


def measure(cmd: Sequence[str], env: dict[str, str], cwd: Path, log: Path) -> Measure:
    """Run ``cmd`` to its end; its CPU time, wall time and peak RSS (see the module doc)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            list(cmd), env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT
        )
    poller = TreePoller(proc.pid)
    poller.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        wall = time.perf_counter() - t0
        poller.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen.wait
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    kib = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss  # bytes on macOS
    return Measure(
        proc.returncode,
        cpu,
        wall,
        kib / 1024,
        poller.peak_bytes / MIB,
        max(1, poller.peak_processes),
        sum(poller.cpu.values()),
    )


# the code under test -------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    name: str  # new | new-noplots | baseline
    env: dict[str, str]
    source: Path  # where curation must be imported from
    jobs: bool  # mathif score has --jobs
    args: tuple[str, ...] = ()  # more options of mathif score


def child_env(pythonpath: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env.update(
        {
            "MATHIF_PLUGINS": "",  # no installed third-party plugin
            "NO_COLOR": "1",
            "TERM": "dumb",
            "COLUMNS": "200",
        }
    )
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def imported_from(env: dict[str, str], cwd: Path) -> list[Path]:
    """Where ``curation`` and ``constraints`` are imported from under ``env``."""
    probe = "import constraints, curation; print(curation.__file__); print(constraints.__file__)"
    proc = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"cannot import curation ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return [Path(line).resolve() for line in proc.stdout.split()]


def check_source(code: Code, cwd: Path) -> None:
    for path in imported_from(code.env, cwd):
        if not path.is_relative_to(code.source.resolve()):
            raise SystemExit(f"{code.name} code imports {path}, not from {code.source}")


def has_jobs(env: dict[str, str], cwd: Path) -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "curation.cli", "score", "--help"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return "--jobs" in proc.stdout + proc.stderr


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


# runs --------------------------------------------------------------------------------------


@dataclass
class Run:
    scale: int
    code: str
    mode: str
    jobs: int | None  # None: no --jobs given (the baseline has none)
    responses: int
    gen_bytes: int
    m: Measure | None = None
    error: str = ""
    digests: dict[str, str] = field(default_factory=dict)  # output file -> sha256
    follow: dict[Key, tuple[bool, ...]] = field(default_factory=dict)
    correct: dict[Key, bool | None] = field(default_factory=dict)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def read_samples(path: Path) -> tuple[dict[Key, tuple[bool, ...]], dict[Key, bool | None]]:
    follow: dict[Key, tuple[bool, ...]] = {}
    correct: dict[Key, bool | None] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("run", "constraints") != "constraints":
                continue
            key = (row["key"], row["sample"])
            follow[key] = tuple(row["follow"])
            correct[key] = row.get("correct")
    return follow, correct


def score_run(
    run: Run, code: Code, data: Path, gens: Path, work: Path, keep: bool, show_log_lines: int = 30
) -> None:
    out = work / f"out-{run.scale}x-{run.code}-{run.mode}-j{run.jobs or 0}"
    log = out.with_suffix(".log")
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "curation.cli", "score", "--data", str(data)]
    cmd += ["--generations", str(gens), "--out", str(out)]
    if run.mode == "constraints":
        cmd.append("--no-correctness")
    if run.jobs is not None:
        cmd += ["--jobs", str(run.jobs)]
    cmd += list(code.args)
    print(f"  {run.scale}x {run.code:11} {run.mode:11} jobs {run.jobs or '-'} ...", end="", flush=True)
    home = out.with_suffix(".home")  # a fresh MATHIF_HOME: no gradability remembered from a run before
    shutil.rmtree(home, ignore_errors=True)
    run.m = measure(cmd, code.env | {"MATHIF_HOME": str(home)}, work, log)
    shutil.rmtree(home, ignore_errors=True)
    if run.m.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-show_log_lines:]
        run.error = f"exit {run.m.returncode}: " + " | ".join(t.strip() for t in tail[-3:])
        print(f" FAILED ({run.error[:300]})")
        print("    " + "\n    ".join(tail))
        return
    print(f" {run.m.cpu_s:.2f} CPU-s, {run.m.wall_s:.2f} s, {run.m.tree_mib:.0f} MiB")
    if run.m.polled_cpu_s > run.m.cpu_s + 0.5:  # a process of the tree was not waited for
        print(f"    note: polling saw {run.m.polled_cpu_s:.2f} CPU-s in the tree, more than getrusage")
    run.digests = {name: sha256_file(out / name) for name in OUTPUTS}
    run.follow, run.correct = read_samples(out / "samples.jsonl")
    if not keep:
        shutil.rmtree(out)
        log.unlink()


# accuracy ----------------------------------------------------------------------------------


@dataclass
class Tally:
    n: int = 0
    true: int = 0
    false: int = 0
    null: int = 0  # gold not gradable: left out of the shares
    missing: int = 0  # no line in samples.jsonl

    def add(self, verdict: bool | None, present: bool = True) -> None:
        self.n += 1
        if not present:
            self.missing += 1
        elif verdict is None:
            self.null += 1
        elif verdict:
            self.true += 1
        else:
            self.false += 1

    @property
    def share(self) -> float | None:
        graded = self.true + self.false
        return self.true / graded if graded else None

    def text(self) -> str:
        share = self.share
        head = "-" if share is None else f"{100 * share:5.1f}%"
        tail = f", {self.null} not gradable" if self.null else ""
        tail += f", {self.missing} missing" if self.missing else ""
        return f"{head} ({self.true}/{self.true + self.false}{tail})"


def tallies(run: Run, truth: dict[Key, dict[str, Any]], by: str) -> dict[str, Tally]:
    out: dict[str, Tally] = {}
    for key, rec in truth.items():
        group = rec[by]
        out.setdefault(group, Tally()).add(run.correct.get(key), key in run.correct)
    return out


# report ------------------------------------------------------------------------------------


def table(head: Sequence[str], rows: Iterable[Sequence[str]], left: int = 3) -> None:
    rows = [list(r) for r in rows]
    widths = [max(len(r[i]) for r in [list(head), *rows]) for i in range(len(head))]

    def show(cells: Sequence[str]) -> None:
        print(
            "  ".join(
                c.ljust(w) if i < left else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )

    rule = "  ".join("-" * w for w in widths)
    print(rule)
    show(head)
    print(rule)
    for r in rows:
        show(r)
    print(rule)


def find(runs: Sequence[Run], scale: int, code: str, mode: str, jobs: int | None = -1) -> Run | None:
    for r in runs:
        if r.scale == scale and r.code == code and r.mode == mode and (jobs == -1 or r.jobs == jobs):
            if r.m is not None and not r.error:
                return r
    return None


def main_run(runs: Sequence[Run], scale: int, code: str, mode: str) -> Run | None:
    """The run of (scale, code, mode) the ratios use: --jobs 1 (or no --jobs)."""
    return find(runs, scale, code, mode, 1) or find(runs, scale, code, mode, None)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "-"


def describe_corpus(name: str, s: CorpusStats, seconds: float) -> None:
    truths = ", ".join(f"{t} {100 * s.truths[t] / s.responses:.0f}%" for t in ("correct", "wrong", "none"))
    forms = ", ".join(
        f"{f} {100 * s.forms[f] / s.responses:.0f}%" for f in (*FORMS, "truncated", "blank") if s.forms[f]
    )
    print(
        f"  {name}: {s.responses} responses, {s.chars / 1e6:.1f} M chars (mean {s.chars / s.responses:,.0f}), "
        f"{s.bytes / 1e6:.1f} MB, sha256 {s.sha256[:16]}, written in {seconds:.1f} s"
    )
    print(
        f"    truth: {truths}; follows {100 * s.follows / s.responses:.0f}%, <answer> tags {100 * s.tags / s.responses:.0f}%"
    )
    print(f"    forms: {forms}")


def report_runs(runs: Sequence[Run]) -> None:
    print()
    print(
        "runs (CPU: user+sys of the process tree; RSS single: largest process; tree: summed over processes)"
    )
    rows = []
    for r in runs:
        m = r.m
        cells = [f"{r.scale}x", r.code, r.mode, "-" if r.jobs is None else str(r.jobs), str(r.responses)]
        cells.append(f"{r.gen_bytes / 1e6:.0f}")
        if m is None or r.error:
            cells += ["FAILED", "", "", ""]
        else:
            cells += [f"{m.cpu_s:.2f}", f"{m.wall_s:.2f}", f"{m.maxrss_mib:.0f}", f"{m.tree_mib:.0f}"]
        rows.append(cells)
    head = ("scale", "code", "mode", "jobs", "responses", "MB", "CPU-s", "wall-s", "RSS single MiB")
    table((*head, "RSS tree MiB"), rows, left=3)


def report_against_baseline(runs: Sequence[Run], scales: Sequence[int]) -> None:
    print()
    print("new against baseline, this run (baseline / new: above 1x, the new code needs less)")
    for scale in scales:
        for mode in MODES:
            new, base = main_run(runs, scale, "new", mode), main_run(runs, scale, "baseline", mode)
            if new and base and new.m and base.m:
                print(
                    f"  {scale:>2}x {mode:11}  CPU {ratio(base.m.cpu_s, new.m.cpu_s):>7}  "
                    f"wall {ratio(base.m.wall_s, new.m.wall_s):>7}  peak RSS tree {base.m.tree_mib:.0f} -> "
                    f"{new.m.tree_mib:.0f} MiB"
                )


def report_reference(runs: Sequence[Run], scale: int) -> None:
    print()
    print(
        "vs the issue's reference figures, other machine (MathIF's own scorer, whole process; "
        f"reference CPU-s / ours, goal >= {GOAL:g}x)"
    )
    references = (("constraints", REFERENCE_CONSTRAINTS), ("correctness", REFERENCE_CORRECTNESS))
    for mode, (ref_n, ref_cpu) in references:
        for code in ("new", "new-noplots", "baseline"):
            r = main_run(runs, scale, code, mode)
            if r is None or r.m is None:
                continue
            if r.responses == ref_n:
                x = ref_cpu / r.m.cpu_s
                verdict = f"  goal {'met' if x >= GOAL else 'NOT met'}" if code != "baseline" else ""
                print(
                    f"  {mode:11} {code:11} {r.m.cpu_s:6.2f} CPU-s for {r.responses} responses, reference "
                    f"{ref_cpu} CPU-s: {x:.2f}x{verdict}"
                )
            else:
                print(
                    f"  {mode:11} {code:11} {r.m.cpu_s:6.2f} CPU-s for {r.responses} responses: not comparable "
                    f"(the issue's {ref_cpu} CPU-s are for {ref_n}; run the default sizes)"
                )


def ends(
    runs: Sequence[Run], scales: Sequence[int], code: str, mode: str
) -> tuple[Run, Measure, Run, Measure, int] | None:
    """The runs of (code, mode), with their measures, at the first scale and at the largest one
    it has, and that scale; None unless both ran."""
    lo = main_run(runs, scales[0], code, mode)
    top = max((s for s in scales if main_run(runs, s, code, mode) is not None), default=scales[0])
    hi = main_run(runs, top, code, mode)
    if lo and hi and lo.m and hi.m and hi is not lo:
        return lo, lo.m, hi, hi.m, top
    return None


def report_cpu_scaling(runs: Sequence[Run], scales: Sequence[int]) -> None:
    """CPU as fixed + per-response cost, from the smallest and the largest scale of each code."""
    first = scales[0]
    print()
    print(
        f"CPU against input size (a line through {first}x and the largest scale: fixed cost + per response)"
    )
    for code in ("new", "baseline"):
        for mode in MODES:
            span = ends(runs, scales, code, mode)
            if span is None:
                continue
            lo, lo_m, hi, hi_m, top = span
            per = (hi_m.cpu_s - lo_m.cpu_s) / (hi.responses - lo.responses)
            fixed = lo_m.cpu_s - per * lo.responses
            split = (
                f"about {fixed:.2f} s fixed + {1000 * per:.2f} s per 1000 responses"
                if hi_m.cpu_s - lo_m.cpu_s >= 1.0
                else "too close to tell a fixed cost from a cost per response"
            )
            print(
                f"  {code:8} {mode:11} {first}x -> {top}x: CPU {lo_m.cpu_s:.2f} -> {hi_m.cpu_s:.2f} s "
                f"({ratio(hi_m.cpu_s, lo_m.cpu_s)} for {top // first}x the input); {split}"
            )


def report_growth(runs: Sequence[Run], scales: Sequence[int]) -> None:
    first = scales[0]
    print()
    print(f"peak RSS growth from {first}x (input grows with the scale)")
    for code in ("new", "baseline"):
        for mode in MODES:
            span = ends(runs, scales, code, mode)
            if span is None:
                continue
            _, lo_m, _, hi_m, top = span
            print(
                f"  {code:8} {mode:11} {first}x -> {top}x: single {lo_m.maxrss_mib:.0f} -> "
                f"{hi_m.maxrss_mib:.0f} MiB ({ratio(hi_m.maxrss_mib, lo_m.maxrss_mib)}), tree "
                f"{lo_m.tree_mib:.0f} -> {hi_m.tree_mib:.0f} MiB ({ratio(hi_m.tree_mib, lo_m.tree_mib)})"
            )


def report_jobs(runs: Sequence[Run], scale: int, jobs_available: bool) -> bool:
    """--jobs 1 against --jobs 2; False if their outputs differ."""
    ok = True
    print()
    print(f"--jobs 1 against --jobs 2 (new code, {scale}x)")
    if not jobs_available:
        print("  skipped: this mathif score has no --jobs option")
    for mode in MODES:
        one, two = find(runs, scale, "new", mode, 1), find(runs, scale, "new", mode, 2)
        if not (one and two and one.m and two.m):
            continue
        same = [name for name in OUTPUTS if one.digests.get(name) == two.digests.get(name)]
        differ = [name for name in OUTPUTS if name not in same]
        ok &= not differ
        print(
            f"  {mode:11} wall {one.m.wall_s:.2f} -> {two.m.wall_s:.2f} s (speed-up {ratio(one.m.wall_s, two.m.wall_s)}), "
            f"CPU {one.m.cpu_s:.2f} -> {two.m.cpu_s:.2f} s ({ratio(two.m.cpu_s, one.m.cpu_s)}), RSS tree "
            f"{one.m.tree_mib:.0f} -> {two.m.tree_mib:.0f} MiB ({two.m.processes} processes)"
        )
        print(
            f"    outputs byte-identical: {'yes' if not differ else 'NO'} "
            f"({', '.join(same) or 'none'} identical{'; differ: ' + ', '.join(differ) if differ else ''})"
        )
    return ok


def report_verdicts(runs: Sequence[Run], scales: Sequence[int]) -> bool:
    """Constraint verdicts of the baseline against the new code; False if they differ."""
    ok, compared = True, False
    print()
    print("constraint verdicts, baseline against new (follow of every sample)")
    for scale in scales:
        for mode in MODES:
            new, base = main_run(runs, scale, "new", mode), main_run(runs, scale, "baseline", mode)
            if not (new and base):
                continue
            compared = True
            keys = set(new.follow) | set(base.follow)
            differ = sorted(k for k in keys if new.follow.get(k) != base.follow.get(k))
            ok &= not differ
            line = f"  {scale:>2}x {mode:11} {len(keys)} samples: "
            if not differ:
                print(line + "identical")
            else:
                k = differ[0]
                print(
                    line + f"{len(differ)} DIFFER (first {k[0]} sample {k[1]}: baseline "
                    f"{base.follow.get(k)}, new {new.follow.get(k)})"
                )
    if not compared:
        print("  nothing to compare (no baseline run next to a new one)")
    return ok


def report_accuracy(
    runs: Sequence[Run], scales: Sequence[int], truths: dict[tuple[int, str], dict[Key, dict[str, Any]]]
) -> None:
    print()
    print("correctness against the known truth (share graded correct; null = gold not gradable, left out)")
    rows = []
    for scale in scales:
        truth = truths.get((scale, "correctness"))
        for code in ("baseline", "new"):
            r = main_run(runs, scale, code, "correctness")
            if r is None or truth is None:
                continue
            t = tallies(r, truth, "truth")
            bad = Tally()
            for name in ("wrong", "none"):
                part = t.get(name, Tally())
                bad.n += part.n
                bad.true += part.true
                bad.false += part.false
                bad.null += part.null
                bad.missing += part.missing
            rows.append(
                [
                    f"{scale}x",
                    code,
                    t.get("correct", Tally()).text(),
                    bad.text(),
                    t.get("wrong", Tally()).text(),
                    t.get("none", Tally()).text(),
                ]
            )
    if rows:
        head = ("scale", "code", "credit on correct", "false credit wrong|none", "on wrong", "on none")
        table(head, rows, left=2)


def report_forms(runs: Sequence[Run], scale: int, truth: dict[Key, dict[str, Any]] | None) -> None:
    graded = {code: main_run(runs, scale, code, "correctness") for code in ("baseline", "new")}
    if not truth or not any(graded.values()):
        return
    print()
    print(f"share graded correct per answer form ({scale}x; truth in brackets)")
    forms: Counter[tuple[str, str]] = Counter((rec["form"], rec["truth"]) for rec in truth.values())
    by: dict[str, dict[tuple[str, str], Tally]] = {}
    for code, r in graded.items():
        if r is not None:
            sub = by.setdefault(code, {})
            for key, rec in truth.items():
                sub.setdefault((rec["form"], rec["truth"]), Tally()).add(r.correct.get(key), key in r.correct)
    order = [*FORMS, "truncated", "blank"]
    rows = []
    for form, truth_name in sorted(forms, key=lambda ft: (order.index(ft[0]), ft[1])):
        cells = [f"{form} [{truth_name}]", str(forms[(form, truth_name)])]
        cells += [by[code][(form, truth_name)].text() if code in by else "-" for code in ("baseline", "new")]
        rows.append(cells)
    table(("form [truth]", "n", "baseline", "new"), rows, left=1)


def report(
    runs: Sequence[Run],
    scales: Sequence[int],
    truths: dict[tuple[int, str], dict[Key, dict[str, Any]]],
    jobs_available: bool,
) -> bool:
    """Print the table and the ratios; False if an identity check failed."""
    first = scales[0]
    report_runs(runs)
    report_against_baseline(runs, scales)
    report_reference(runs, first)
    if len(scales) > 1:
        report_cpu_scaling(runs, scales)
        report_growth(runs, scales)
    ok = True
    for scale in scales:
        ok &= report_jobs(runs, scale, jobs_available)
    ok &= report_verdicts(runs, scales)
    report_accuracy(runs, scales, truths)
    report_forms(runs, first, truths.get((first, "correctness")))
    return ok


# main --------------------------------------------------------------------------------------


def parse_scales(text: str) -> list[int]:
    try:
        scales = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,4,16, got {text!r}") from None
    if not scales or scales[0] < 1:
        raise argparse.ArgumentTypeError("scales must be >= 1")
    return scales


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def subset(data: Path, folder: Path, lines: int) -> Path:
    """The first ``lines`` lines of each split file of ``data``, under the same names."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(data.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            head = [line for _, line in zip(range(lines), fh, strict=False)]
        (folder / path.name).write_text("".join(head), encoding="utf-8")
    return folder


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--scales", type=parse_scales, default=None, help="input multiples (default 1,4,16)")
    ap.add_argument(
        "--baseline",
        default=DEFAULT_BASELINE,
        help=f"git ref of the code before (default {DEFAULT_BASELINE})",
    )
    ap.add_argument("--no-baseline", action="store_true", help="measure the new code only")
    ap.add_argument(
        "--baseline-scales",
        type=parse_scales,
        default=None,
        help="scales the baseline runs at (default 1,4; add 16 for about 10 GB more)",
    )
    ap.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes at 1x and 2x, for a smoke check")
    ap.add_argument("--keep", type=Path, default=None, help="keep the corpora and outputs in this folder")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the published MathIF release")
    args = ap.parse_args(argv)

    sizes = QUICK_SIZES if args.quick else BASE_SIZES
    scales = args.scales or ([1, 2] if args.quick else [1, 4, 16])
    base_scales = set(args.baseline_scales or [1, 4]) & set(scales)
    data = args.data.resolve()
    if not data.is_dir():
        ap.error(f"no dataset at {data}")

    from curation.core import open_dataset
    from curation.evaluation.data import eval_items

    if args.keep:
        work = args.keep.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="score_bench."))
    tree: Path | None = None
    failed = False
    t_start = time.perf_counter()
    try:
        if args.quick:  # every item needs a generation: a smaller dataset, same file names and keys
            data = subset(data, work / "quick-data", QUICK_LINES)
        items = eval_items(open_dataset(data))
        too_small = [m for m in MODES if sizes[m] < len(items)]
        if too_small:
            raise SystemExit(f"{sizes[too_small[0]]} responses for {len(items)} items: every item needs one")
        print(
            f"machine: {cpu_model()}, {platform.machine()}, {os.cpu_count()} CPU(s), "
            f"{platform.system()} {platform.release()}, python {platform.python_version()} ({sys.executable})"
        )
        if hasattr(os, "getloadavg"):
            print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"dataset: {len(items)} items from {data}")
        neutral = work / "cwd"  # children start here: nothing importable on sys.path[0]
        neutral.mkdir(exist_ok=True)
        for package in ("curation", "constraints", "mathif"):  # bytecode compiled before timing,
            # as the baseline's (where PYTHONDONTWRITEBYTECODE is set no run would write it)
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", str(ROOT / package)],
                check=False,
                capture_output=True,
            )
        new = Code("new", child_env(None), ROOT, False)
        check_source(new, neutral)
        new = Code("new", new.env, ROOT, has_jobs(new.env, neutral))
        # the same code without the report's plots (matplotlib: a fixed cost), at the first scale
        codes = [new, Code("new-noplots", new.env, ROOT, False, ("--no-plots",))]
        head = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
        print(f"new code: {ROOT} (HEAD {head}{', uncommitted changes' if dirty else ''})")
        if not new.jobs:
            print("  note: mathif score has no --jobs option here: --jobs runs skipped")
        if not args.no_baseline and base_scales:
            sha = git("rev-parse", "--verify", f"{args.baseline}^{{commit}}")
            tree = work / f"baseline-{sha[:10]}"
            if tree.exists():
                git("worktree", "remove", "--force", str(tree))
            git("worktree", "add", "--detach", str(tree), sha)
            # its bytecode compiled before timing, as the new code's is
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", str(tree)], check=False, capture_output=True
            )
            base = Code("baseline", child_env(tree), tree, False)
            check_source(base, neutral)
            base = Code("baseline", base.env, tree, has_jobs(base.env, neutral))
            codes.append(base)
            print(
                f"baseline: {args.baseline} = {sha[:10]} {git('log', '-1', '--format=%s', sha)[:80]!r}, "
                f"worktree {tree}; imports checked; at {','.join(f'{s}x' for s in sorted(base_scales))}"
            )

        runs: list[Run] = []
        truths: dict[tuple[int, str], dict[Key, dict[str, Any]]] = {}
        for scale in scales:
            print()
            print(f"scale {scale}x")
            for mode in MODES:
                n = sizes[mode] * scale
                gens, truth_path = work / f"gen-{scale}x-{mode}.jsonl", work / f"truth-{scale}x-{mode}.jsonl"
                t0 = time.perf_counter()
                stats = write_corpus(items, n, args.seed, gens, truth_path)
                describe_corpus(mode, stats, time.perf_counter() - t0)
                if mode == "correctness":  # only the graded runs need the truth
                    truths[(scale, mode)] = read_truth(truth_path)
                for code in codes:
                    if code.name == "baseline" and scale not in base_scales:
                        continue
                    if code.name == "new-noplots" and scale != scales[0]:
                        continue
                    jobs: list[int | None] = [None]
                    if code.jobs:
                        jobs = [1, 2]
                    if code.name == "new-noplots":
                        jobs = [1]
                    for j in jobs:
                        run = Run(scale, code.name, mode, j, n, stats.bytes)
                        runs.append(run)
                        score_run(run, code, data, gens, work, bool(args.keep))
                        failed |= bool(run.error)
                if not args.keep:
                    gens.unlink()
                    truth_path.unlink()
        failed |= not report(runs, scales, truths, new.jobs)
    finally:
        if tree is not None:
            try:
                git("worktree", "remove", "--force", str(tree))
            except subprocess.CalledProcessError as exc:
                print(f"note: could not remove the worktree {tree}: {exc.stderr.strip()}")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    if hasattr(os, "getloadavg"):
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"total benchmark time: {time.perf_counter() - t_start:.0f} s" + ("; FAILED" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
