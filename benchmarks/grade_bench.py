"""Grading alone: the new grader (``grade_result``) against the one before issue 14.

    python benchmarks/grade_bench.py [--data DIR] [--seed S] [--long-share F] [--quick]

A deterministic set of (answer, gold, truth) cases is built from the gold answers of the 420
items of the published MathIF release (``--data``, default ``../shared/reference/mathif-v1``).
Per item, correct answers in mixed forms (boxed, ``The answer is X.``, ``#### X``, bare,
``<answer>X</answer>``, an equal number written otherwise: ``1,234``, ``\\frac{p}{q}``, a later
plain answer after LaTeX) and wrong ones (another value boxed or stated, a box corrected
later, truncated prose whose last number is the gold, a long answer whose wrong box is far
from the end); a share of the answers (``--long-share``, default 0.2) are 10k-60k characters
long with the box far from the end. Printed for each grader: mean, p99 and max milliseconds
per grade, credit on correct answers, false credit on wrong ones (both over the items whose
gold the new grader calls gradable; the new grader's ``None`` counts as no credit), and the
ratio of the mean times. The new grader runs twice: cold (each gold's one-time parse and
gradability check is in the times) and warm (the same set again: cached golds and verdicts,
as when an item's samples repeat an answer); printed for it also how the grades were reached,
the mean times per route against the old grader's on the same cases, and the share of the
reference golds the exact fast path reads.

The old grader is ``curation/scoring/grading.py`` at commit :data:`OLD_COMMIT` (read with
``git show`` into a temporary module); without git it is left out. Each grader grades the
whole set once, the new one first from a cold cache (its gold cache fills on the way); the
import of math-verify is not timed (the old grader imports it with its module).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curation.scoring import grading  # noqa: E402
from curation.scoring.fastgrade import exact_value  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "reference" / "mathif-v1"
OLD_COMMIT = "9515babb2e16e134006a2f2bddcfcf4f82123526"  # the last commit before issue 14's grading

_WORDS = (
    "we consider the case where the sequence grows and check each term against the bound "
    "so the estimate holds for every index and the remaining terms cancel in pairs while the "
    "sum of the coefficients stays fixed which gives a cleaner form of the same identity"
).split()


@dataclass(frozen=True)
class Case:
    answer: str
    gold: str
    correct: bool  # the truth, by construction
    long: bool


def _filler(rng: random.Random, chars: int) -> str:
    """Reasoning-like prose with numbers and inline maths, no final-answer marker or box."""
    parts: list[str] = []
    size = 0
    while size < chars:
        k = rng.randint(2, 999)
        kind = rng.random()
        if kind < 0.5:
            sentence = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 16))).capitalize() + "."
        elif kind < 0.8:
            sentence = f"Then $x^{{2}} + {k}x = {k * rng.randint(2, 9)}$ for $n = {rng.randint(1, 99)}$."
        else:
            sentence = f"This leaves {k} cases, and {rng.randint(1, 50)} of them are symmetric."
        parts.append(sentence)
        size += len(sentence) + 1
    return " ".join(parts)


def _plain(gold: str) -> str:
    """The gold without one pair of ``$`` (as a model would state it)."""
    text = gold.strip()
    return text[1:-1] if len(text) > 2 and text[0] == text[-1] == "$" else text


def _other_number(value: Fraction, rng: random.Random) -> str:
    wrong = value + rng.choice([1, -1, 2, 10])
    return (
        str(wrong.numerator)
        if wrong.denominator == 1
        else f"\\frac{{{wrong.numerator}}}{{{wrong.denominator}}}"
    )


def _equal_form(gold: str, value: Fraction) -> str:
    """The same number written differently (thousands commas, a fraction), else the gold."""
    if value.denominator == 1 and abs(value) >= 1000:
        return f"{value.numerator:,}"
    if value.denominator != 1:
        return f"\\frac{{{value.numerator}}}{{{value.denominator}}}" if value > 0 else gold
    return gold


def make_cases(golds: Sequence[str], seed: int, long_share: float) -> list[Case]:
    cases: list[Case] = []
    for index, gold in enumerate(golds):
        rng = random.Random(f"{seed}:{index}")
        plain = _plain(gold)
        number = exact_value(plain)
        other = golds[(index + 1 + rng.randrange(len(golds) - 1)) % len(golds)]
        wrong = _other_number(number.value, rng) if number else _plain(other)
        if _plain(other) == plain and not number:
            wrong = plain + "+1"

        def long_text(rng: random.Random = rng) -> str:
            return _filler(rng, rng.randint(10_000, 60_000))

        correct_forms = [
            f"Putting it together, the result is $\\boxed{{{plain}}}$.",
            f"So the final answer is ${plain}$.",
            f"<answer>{plain}</answer>",
            f"We get $xy = {rng.randint(100, 99999)}$. The answer is $\\boxed{{{plain}}}$.",
        ]
        if number:
            correct_forms += [
                f"Adding up: {rng.randint(2, 99)} + {rng.randint(2, 99)}.\n#### {plain}",
                plain,
                f"The answer is {_equal_form(plain, number.value)}.",
                f"...so $xy = {rng.randint(100, 99999)}$. The answer is {plain}.",
            ]
        wrong_forms = [
            f"Hence $\\boxed{{{wrong}}}$.",
            f"The answer is ${wrong}$.",
            f"First $\\boxed{{{plain}}}$, but that breaks the bound; corrected: $\\boxed{{{wrong}}}$.",
        ]
        if number:
            wrong_forms.append(
                f"The partial sum so far is {plain}. I could not finish the computation in time."
            )
        for forms, truth in ((correct_forms, True), (wrong_forms, False)):
            for form in rng.sample(forms, 2):
                cases.append(Case(form, gold, truth, False))
            if rng.random() < long_share:  # the box early, a long check after it
                box = plain if truth else wrong
                tail = f" Checking once more: {plain} appears in the table." if not truth and number else ""
                text = f"{long_text()[:2000]} Thus $\\boxed{{{box}}}$. Let us verify. {long_text()}{tail}"
                cases.append(Case(text, gold, truth, True))
    return cases


def load_golds(data: Path) -> list[str]:
    golds = []
    for path in sorted(data.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                golds.append(json.loads(line)["answer"])
    return golds


def load_old_grader() -> ModuleType | None:
    """``grading.py`` as it was at :data:`OLD_COMMIT`, as a module of its own (None: no git)."""
    try:
        source = subprocess.run(
            ["git", "show", f"{OLD_COMMIT}:curation/scoring/grading.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="grade-bench-")) / "old_grading.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_grading", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Run:
    name: str
    times_ms: list[float]
    credited: list[bool | None]


def run(name: str, grade: Callable[[str, str], bool | None], cases: Sequence[Case]) -> Run:
    times, credited = [], []
    for case in cases:
        start = time.perf_counter()
        verdict = grade(case.answer, case.gold)
        times.append((time.perf_counter() - start) * 1000)
        credited.append(verdict)
    return Run(name, times, credited)


def report(result: Run, cases: Sequence[Case], gradable: Sequence[bool]) -> None:
    times = sorted(result.times_ms)
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    on_correct = [
        v is True for v, c, g in zip(result.credited, cases, gradable, strict=True) if g and c.correct
    ]
    on_wrong = [
        v is True for v, c, g in zip(result.credited, cases, gradable, strict=True) if g and not c.correct
    ]
    long_correct = [
        v is True
        for v, c, g in zip(result.credited, cases, gradable, strict=True)
        if g and c.correct and c.long
    ]
    print(
        f"{result.name:<14} mean {statistics.fmean(times):7.2f} ms  p99 {p99:8.2f} ms  max {times[-1]:8.2f} ms  "
        f"credit on correct {sum(on_correct) / len(on_correct):6.1%}  "
        f"false credit on wrong {sum(on_wrong) / len(on_wrong):6.1%}  "
        f"(long correct answers credited {sum(long_correct)}/{len(long_correct)})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--long-share", type=float, default=0.2)
    parser.add_argument("--quick", action="store_true", help="the first 100 items only")
    args = parser.parse_args(argv)
    golds = load_golds(args.data)
    if args.quick:
        golds = golds[:100]
    cases = make_cases(golds, args.seed, args.long_share)
    fast = sum(grading._gold_number(g) is not None for g in golds)
    print(
        f"{len(cases)} cases from {len(golds)} golds ({sum(c.correct for c in cases)} correct, "
        f"{sum(c.long for c in cases)} of 10k-60k characters); exact fast path reads "
        f"{fast}/{len(golds)} golds ({fast / len(golds):.1%}, {len(set(golds))} distinct)"
    )
    importlib.import_module("curation.scoring.safe_math_verify")  # its import (~0.3 s) is not a grade
    new = run("new (cold)", lambda a, g: grading.grade_result(a, g).correct, cases)
    warm = run("new (warm)", lambda a, g: grading.grade_result(a, g).correct, cases)
    hows = [grading.grade_result(c.answer, c.gold).how for c in cases]
    gradable = [grading.is_gradable(c.gold) for c in cases]
    print(
        f"not gradable: {gradable.count(False)} cases (correct=None); how: {dict(sorted(Counter(hows).items()))}"
    )
    report(new, cases, gradable)
    report(warm, cases, gradable)
    old_module = load_old_grader()
    if old_module is None:
        print("old grader: not available (no git history)")
        return 0
    old = run("old (pre-14)", old_module.grade, cases)
    report(old, cases, gradable)
    for how in ("exact", "math-verify"):
        picked = [i for i, h in enumerate(hows) if h == how]
        means = [statistics.fmean(r.times_ms[i] for i in picked) for r in (new, old)]
        print(
            f"  cases the new grader decides by {how:<11}: mean new (cold) {means[0]:6.2f} ms, old {means[1]:6.2f} ms"
        )
    old_mean = statistics.fmean(old.times_ms)
    print(
        f"mean time old / new: {old_mean / statistics.fmean(new.times_ms):.1f}x (cold: each gold's one-time parse "
        f"and gradability check included), {old_mean / statistics.fmean(warm.times_ms):.1f}x (warm: the same "
        "answers graded again, as the samples of one item often are)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
