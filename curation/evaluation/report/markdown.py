"""The Markdown report of an eval run and the table of ``mathif compare`` (pure text)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from curation.core import markdown_escape as escape
from curation.core import markdown_table as table
from curation.evaluation.intervention import describe_intervention
from curation.evaluation.report.labels import source_label, split_label
from curation.evaluation.report.plots import (
    COMPARE_LENGTH_PLOT,
    COMPARE_PLOT,
    PLOTS,
    by_reasoning_length,
    reasoning_mean,
    reasoning_unit,
)
from curation.evaluation.summary import THINKING_TOKENS, EvalSummary, RunDescription
from curation.scoring import INTERVALS_NOTE, SMALL, FollowRate, GroupScores, Interval


def pct(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{100 * x:.2f}"


def ci_text(ci: Interval | None) -> str:
    """``[38.1, 52.0]`` (percent, one decimal); ``–`` when none was recorded."""
    if ci is None:
        return "–"
    return f"[{100 * ci.low:.1f}, {100 * ci.high:.1f}]"


def with_ci(x: float | None, ci: Interval | None) -> str:
    """``45.00 [38.1, 52.0]``: a rate and its 95% interval."""
    if x is None or not math.isfinite(x):
        return "–"
    return pct(x) if ci is None else f"{pct(x)} {ci_text(ci)}"


SMALL_MARK = "†"
SMALL_NOTE = f"{SMALL_MARK} fewer than {SMALL} items: a rough rate, read its interval."


def n_cell(n: int) -> str:
    """A cell's n, marked when the cell is small."""
    return f"{n}{SMALL_MARK}" if n < SMALL else str(n)


def _rate(rates: Mapping[str, FollowRate], key: str) -> FollowRate | None:
    return rates.get(key)


def _share(count: int | None, total: int) -> str:
    if count is None:
        return "unknown"
    return f"{100 * count / total:.1f}" if total else "–"


def checks(run: RunDescription) -> str:
    """How the constraints were checked: the checkers' semantics and the quirks setting."""
    quirks = "the documented quirk fixes (`--fix-quirks`)" if run.fix_quirks else "no `--fix-quirks`"
    return f"checker semantics {run.checker_semantics}, {quirks}"


def inline(text: str) -> str:
    """``text`` for a Markdown line: as a code span when Markdown would swallow some of it
    (``</think>``, backticks, emphasis), else as it is."""
    if not any(c in text for c in "<>`*_\\"):
        return escape(text)
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in re.findall("`+", text)) + 1)
    return f"{fence} {text} {fence}"


def intervention_text(run: RunDescription) -> str:
    """Which intervention ran, with its settings (``none ...`` for a plain run)."""
    return inline(describe_intervention(run.intervention))


def length_text(x: float | None) -> str:
    """A mean length: thousands separated, one decimal under 100; ``–`` when none."""
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"


def _intro(summary: EvalSummary) -> list[str]:
    run = summary.run
    s = run.sampling
    if s:
        how = (
            f"backend `{run.backend}`; temperature {s.get('temperature')}, top-p {s.get('top_p')}, "
            f"max {s.get('max_tokens')} new tokens, {s.get('samples')} sample(s) per prompt, "
            f"seed {s.get('seed')}"
        )
    else:  # mathif score: generations made elsewhere
        how = f"{escape(run.backend)} (their sampling settings are not known to mathif)"
    lines = [
        f"# MathIF evaluation: {escape(run.model)}",
        "",
        f"Dataset {escape(run.dataset)} ({summary.items} items, {summary.samples} samples), {how}; "
        f"answer split `{run.think_mode}` (a sample without `</think>`: {run.no_delimiter}); "
        f"constraints checked under {checks(run)}"
        f"{'' if run.correctness_graded else '; correctness not graded (--no-correctness)'}.",
        "",
        f"Intervention on the reasoning (`--intervention`): {intervention_text(run)}.",
        "",
        f"{INTERVALS_NOTE}.  {SMALL_NOTE}",
    ]
    if summary.warnings:
        for w in summary.warnings:  # one quote each (adjacent quote lines would join)
            lines += ["", f"> **Warning:** {escape(w)}".replace("</think>", "`</think>`")]
    if summary.ungraded:
        lines += [
            "",
            f"{summary.ungraded} item(s) have a gold answer that cannot be graded by machine: "
            "they are left out of every correctness figure (`correct` is null in items.jsonl).",
        ]
    if summary.grade_timeouts:
        lines += [
            "",
            f"{summary.grade_timeouts} sample(s) took longer to grade than the time limit allows "
            "and count as not correct (`grading` is `timeout` in samples.jsonl).",
        ]
    return lines


def _scores(summary: EvalSummary) -> list[str]:
    o = summary.overall
    graded = o.graded if o.graded is not None else o.items - summary.ungraded
    rows = [
        ["HAcc (all constraints followed)", pct(o.hacc), ci_text(o.hacc_ci), str(o.items)],
        ["SAcc (share of constraints followed)", pct(o.sacc), ci_text(o.sacc_ci), str(o.items)],
        [
            "correctness, constraints in the prompt",
            pct(o.correctness),
            ci_text(o.correctness_ci),
            str(graded),
        ],
    ]
    plain = o.correctness_without_constraints
    if plain is not None:
        rows.append(
            [
                "correctness, no constraints in the prompt",
                pct(plain),
                ci_text(o.correctness_without_constraints_ci),
                str(graded),
            ]
        )
        rows.append(
            [
                "what the constraints cost in correctness (points)",
                f"{100 * (plain - o.correctness):+.2f}",
                "",
                "",
            ]
        )
    lines = ["## Scores", "", table(["score", "%", "95% interval", "n"], rows, numeric=True), ""]
    m = summary.multi
    if m is not None:
        lines += [
            f"## Several samples per prompt ({m.k})",
            "",
            "Every rate above is the mean over each item's samples (avg@k).  pass@k: the unbiased "
            "estimate of the chance that at least one of k samples is correct (or, for HAcc, "
            "meets every constraint); majority vote: the answer most samples gave (maj@k).",
            "",
        ]
        ks = list(m.pass_at)
        rows = [
            ["correctness", *(pct(m.pass_at[k]) for k in ks)],
            ["HAcc", *(pct(m.hard_pass_at.get(k)) for k in ks)],
        ]
        lines += [table(["pass@k %", *(f"k={k}" for k in ks)], rows, numeric=True), ""]
        lines += [f"Majority-vote correctness (maj@{m.k}): {with_ci(m.majority, m.majority_ci)} %.", ""]
    return lines


def _reasoning_length(summary: EvalSummary) -> list[str]:
    """The mean reasoning length of the run with constraints and what its intervention did."""
    r, fx = summary.reasoning_length, summary.intervention_effects
    if r is None and fx is None:
        return []
    intervened = summary.run.intervention is not None
    lines = [
        "## Reasoning length" + (" and the intervention" if intervened else ""),
        "",
        "Mean over the samples of the run with constraints.  The reasoning is the text before "
        "`</think>` the scorer read"
        + (" (the text the intervention put in is left out)" if intervened else "")
        + "; thinking tokens are counted under `--intervention` only.",
        "",
    ]
    rows = []
    if r is not None:
        rows.append(["reasoning length (characters)", length_text(r.characters), str(r.samples)])
        if r.tokens is not None:
            rows.append(["reasoning length (thinking tokens)", length_text(r.tokens), str(r.samples)])
    if fx is not None:  # what this kind of intervention does (a budget: any kind may have one)
        settings = summary.run.intervention or {}
        kind, n = settings.get("kind"), str(fx.samples)
        if kind == "budget-force":
            rows.append(
                [
                    'end of thinking suppressed ("Wait" appended), times per sample',
                    f"{fx.mean_extensions:.2f}",
                    n,
                ]
            )
        if kind == "remind":
            rows.append(["samples reminded of their constraints %", pct(fx.reminded), n])
        if settings.get("think_budget") is not None:
            rows.append(["samples whose thinking reached the budget and was closed %", pct(fx.budget_closed), n])  # fmt: skip
    return [*lines, table(["measure", "mean", "samples"], rows, numeric=True), ""]


def _endings(summary: EvalSummary) -> list[str]:
    e = summary.endings
    if e is None:
        return []
    lines = [
        "## How the samples ended",
        "",
        "*Truncated*: stopped at the token limit (finish reason `length`; unknown when the "
        "generations carry no finish reason).  *With `</think>`*: the text holds the reasoning "
        "delimiter.",
        "",
    ]
    rows = [
        [
            "all, constraints in the prompt",
            str(e.overall.samples),
            _share(e.overall.truncated, e.overall.samples),
            _share(e.overall.delimited, e.overall.samples),
        ]
    ]
    if e.plain is not None:
        rows.append(
            [
                "all, no constraints in the prompt",
                str(e.plain.samples),
                _share(e.plain.truncated, e.plain.samples),
                _share(e.plain.delimited, e.plain.samples),
            ]
        )
    for kind, groups, label in (("source", e.by_source, source_label), ("split", e.by_split, split_label)):
        for name, g in groups.items():
            rows.append(
                [
                    f"{kind} {escape(label(name))}",
                    str(g.samples),
                    _share(g.truncated, g.samples),
                    _share(g.delimited, g.samples),
                ]
            )
    lines += [table(["samples of", "samples", "truncated %", "with `</think>` %"], rows, numeric=True), ""]
    return lines


def _group_table(
    title: str, groups: Mapping[str, GroupScores], label: str, name_of: Callable[[str], str], with_plain: bool
) -> list[str]:
    header = [label, "items", "HAcc %", "SAcc %", "correct %"] + (
        ["correct w/o constraints %"] if with_plain else []
    )
    body = []
    for name, g in groups.items():
        row = [
            escape(name_of(name)),
            n_cell(g.items),
            with_ci(g.hacc, g.hacc_ci),
            with_ci(g.sacc, g.sacc_ci),
            with_ci(g.correctness, g.correctness_ci),
        ]
        if with_plain:
            row.append(with_ci(g.correctness_without_constraints, g.correctness_without_constraints_ci))
        body.append(row)
    return [f"## {title}", "", table(header, body, numeric=True), ""]


def _constraint_types(summary: EvalSummary) -> list[str]:
    cons = summary.by_constraint
    lines = [
        "## Per constraint type",
        "",
        "*n*: constraints of this type; *followed*: how often the constraint itself holds; "
        "HAcc and SAcc of the items that have it.",
        "",
    ]
    body = [
        [
            escape(c),
            n_cell(v.n),
            with_ci(v.follow, v.follow_ci),
            with_ci(v.scores.hacc, v.scores.hacc_ci),
            with_ci(v.scores.sacc, v.scores.sacc_ci),
        ]
        for c, v in cons.items()
    ]
    return [*lines, table(["constraint", "n", "followed %", "HAcc %", "SAcc %"], body, numeric=True), ""]


def _lengths(summary: EvalSummary) -> list[str]:
    bins = summary.by_length
    if not bins:
        return []
    unit = summary.length_unit
    lines = [
        "## Instruction following against response length",
        "",
        f"Samples of the run with constraints, sorted by length ({unit}) into groups of equal size.",
        "",
    ]
    body = [
        [
            f"{b.min}–{b.max}",
            str(b.samples),
            _share(b.truncated, b.samples),
            pct(b.hacc),
            pct(b.sacc),
            pct(b.correctness),
        ]
        for b in bins
    ]
    header = [f"length ({unit})", "samples", "truncated %", "HAcc %", "SAcc %", "correct %"]
    return [*lines, table(header, body, numeric=True), ""]


def _reasoning(summary: EvalSummary) -> list[str]:
    r = summary.reasoning_scope
    if r is None:
        return []
    b = summary.both_scope
    lines = [
        "## Constraints checked on the reasoning trace",
        "",
        "The same checks applied to the reasoning (the text before `</think>`) instead of the answer; "
        "*both*: a constraint counts only when the answer and the reasoning follow it.",
        "",
    ]
    o = summary.overall
    rows = [
        ["answer (MathIF)", with_ci(o.hacc, o.hacc_ci), with_ci(o.sacc, o.sacc_ci)],
        ["reasoning", with_ci(r.hacc, r.hacc_ci), with_ci(r.sacc, r.sacc_ci)],
    ]
    if b:
        rows.append(["both", with_ci(b.hacc, b.hacc_ci), with_ci(b.sacc, b.sacc_ci)])
    lines += [table(["scope", "HAcc %", "SAcc %"], rows, numeric=True), ""]
    header = ["constraint", "n", "answer followed %", "reasoning followed %"] + (["both %"] if b else [])
    body = []
    for c, v in summary.by_constraint.items():
        reasoning = _rate(r.by_constraint, c)
        row = [
            escape(c),
            n_cell(v.n),
            with_ci(v.follow, v.follow_ci),
            with_ci(reasoning.follow, reasoning.ci) if reasoning else "–",
        ]
        if b:
            both = _rate(b.by_constraint, c)
            row.append(with_ci(both.follow, both.ci) if both else "–")
        body.append(row)
    return [*lines, table(header, body, numeric=True), ""]


PLOT_TITLES = {
    "constraint": "Per constraint type",
    "source": "Per source",
    "split": "Per split",
    "num_constraints": "Per number of constraints",
    "with_without": "Correctness with and without constraints",
    "length": "Instruction following against response length",
    "scope": "Answer against reasoning trace",
    "endings": "How the samples ended",
    "pass_at_k": "pass@k",
}


def render_report(summary: EvalSummary, plots: Sequence[str]) -> str:
    with_plain = summary.correctness_without_constraints is not None
    lines = [*_intro(summary), "", *_scores(summary), *_reasoning_length(summary), *_endings(summary)]
    lines += _group_table("Per source", summary.by_source, "source", source_label, with_plain)
    if summary.by_split:
        lines += _group_table("Per split", summary.by_split, "split", split_label, with_plain)
    lines += _group_table(
        "Per number of constraints", summary.by_num_constraints, "constraints", str, with_plain
    )
    lines += _constraint_types(summary)
    lines += _lengths(summary)
    lines += _reasoning(summary)
    if plots:
        lines += ["## Plots", ""]
        titles = {PLOTS[k]: t for k, t in PLOT_TITLES.items() if k in PLOTS}
        for p in plots:
            name = p.rsplit("/", 1)[-1]
            lines += [f"![{titles.get(name, name)}]({p})", ""]
    return "\n".join(lines).rstrip() + "\n"


def checked_alike(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """None when every run was checked alike (same checker semantics, same ``--fix-quirks``),
    else one sentence saying that their constraint scores are not comparable."""
    ways = {(r["checker_semantics"], r["fix_quirks"]) for r in rows}
    if len(ways) <= 1:
        return None
    return (
        "These runs were not all checked alike (see the checks column): their HAcc and SAcc "
        "are not comparable; run mathif score on their generations with the same settings."
    )


def sampling_text(sampling: Mapping[str, Any]) -> str:
    """``T 1.0, top-p 0.95, max 16384 tokens, 4 samples, seed 0``; outside generations say so."""
    if not sampling:
        return "not known (outside generations)"
    return (
        f"T {sampling.get('temperature')}, top-p {sampling.get('top_p')}, max {sampling.get('max_tokens')} "
        f"tokens, {sampling.get('samples')} sample(s), seed {sampling.get('seed')}"
    )


def _row_ci(row: Mapping[str, Any], key: str) -> str:
    value, ci = row.get(key), row.get(f"{key}_ci")
    if value is None or not math.isfinite(value):
        return "–"
    return pct(value) if not ci else f"{pct(value)} [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def paired_text(d: Mapping[str, Any] | None) -> tuple[str, str]:
    """(``+3.10 [0.5, 5.8]`` points, ``p = 0.021``) of a paired difference; dashes without one."""
    if d is None:
        return "–", "–"
    diff = f"{100 * d['difference']:+.2f} [{100 * d['low']:+.1f}, {100 * d['high']:+.1f}]"
    p = d["p_value"]
    return diff, ("p < 0.001" if p < 0.001 else f"p = {p:.3f}")


def effects_text(row: Mapping[str, Any]) -> str:
    """What a run's intervention did, in a few words (``–``: none ran or none recorded)."""
    fx = row.get("intervention_effects")
    if not isinstance(fx, Mapping):
        return "–"
    parts = []
    if row.get("intervention") == "budget-force" or fx.get("mean_extensions"):
        parts.append(f"{fx.get('mean_extensions', 0.0):.2f} extensions a sample")
    if row.get("intervention") == "remind" or fx.get("reminded"):
        parts.append(f"{pct(fx.get('reminded'))}% reminded")
    parts.append(f"{pct(fx.get('budget_closed'))}% closed at the budget")
    return "; ".join(parts)


UNIT_NOTES = {
    THINKING_TOKENS: "thinking tokens (every run records them)",
    "characters": "characters of the reasoning the scorer read (thinking tokens are counted under "
    "`--intervention` only, and not every run here has them)",
}


def _length_view(rows: Sequence[Mapping[str, Any]], plot: bool) -> list[str]:
    """The runs against their mean reasoning length (MathIF's analysis of budget forcing and
    of a thinking budget): shortest reasoning first."""
    if not any(isinstance(r.get("reasoning_length"), Mapping) for r in rows):
        return []
    unit = reasoning_unit(rows)
    lines = [
        "",
        "## Reasoning length and scores",
        "",
        "Each run's mean reasoning length over its samples with constraints, shortest first, "
        "with its scores: does following the instructions fall as the reasoning grows (MathIF's "
        f"analysis)?  The length is in {UNIT_NOTES[unit]}; text an intervention put in "
        '("Wait", a reminder) is left out.',
        "",
    ]
    header = [
        "run",
        "intervention",
        f"reasoning ({unit})",
        "HAcc %",
        "SAcc %",
        "correct %",
        "intervention did",
    ]
    body = [
        [
            escape(r["name"]),
            escape(str(r.get("intervention", "none"))),
            length_text(reasoning_mean(r, unit)),
            _row_ci(r, "hacc"),
            _row_ci(r, "sacc"),
            _row_ci(r, "correctness"),
            effects_text(r),
        ]
        for r in by_reasoning_length(rows, unit)
    ]
    lines.append(table(header, body, numeric=True))
    if plot:
        lines += ["", f"![HAcc, SAcc and correctness against reasoning length]({COMPARE_LENGTH_PLOT})"]
    return lines


def render_compare(
    rows: Sequence[Mapping[str, Any]], with_plot: bool, same_items: bool = True, length_plot: bool = False
) -> str:
    lines = [
        "# MathIF runs side by side",
        "",
        f"Sorted by HAcc, as MathIF's leaderboard.  {INTERVALS_NOTE}.  *Evaluated*: a fingerprint "
        "of the items (their keys and prompts), the sampling settings and the intervention on the "
        "reasoning (`mathif eval --intervention`); runs with the same fingerprint saw the same "
        "prompts the same way.",
        "",
    ]
    warning = checked_alike(rows)
    if warning:
        lines += [f"**{warning}**", ""]
    if not same_items:
        lines += [
            "**These runs were not evaluated on the same items (see the items and evaluated "
            "columns): their rates are not comparable, and no paired comparison is made.**",
            "",
        ]
    header = [
        "run",
        "model",
        "items",
        "evaluated",
        "sampling",
        "intervention",
        "HAcc %",
        "SAcc %",
        "correct %",
        "correct w/o constraints %",
        "checks",
    ]
    body = [
        [
            escape(r["name"]) + (" (reference)" if r.get("reference") else ""),
            escape(str(r["model"])),
            n_cell(r["items"]),
            f"`{r.get('evaluated', 'unrecorded')}`",
            escape(sampling_text(r.get("sampling") or {})),
            escape(str(r.get("intervention", "none"))),
            _row_ci(r, "hacc"),
            _row_ci(r, "sacc"),
            _row_ci(r, "correctness"),
            _row_ci(r, "correctness_without_constraints"),
            f"semantics {r['checker_semantics']}" + (", --fix-quirks" if r["fix_quirks"] else ""),
        ]
        for r in rows
    ]
    lines.append(table(header, body, numeric=True))
    pairs = [r for r in rows if r.get("paired")]
    if pairs:
        ref = pairs[0]["paired"]["reference"]
        lines += [
            "",
            f"## Paired with {escape(ref)}",
            "",
            f"Each run minus {escape(ref)}, item by item over the same items, in points: the "
            "mean difference, its 95% interval (paired bootstrap over items) and the p-value of a "
            "sign-flip permutation test of no difference (McNemar's exact test on 0/1 scores).  "
            "An interval that excludes 0 is the evidence that one run beats the other.",
            "",
        ]
        body = []
        for r in pairs:
            d = r["paired"]
            hacc, hacc_p = paired_text(d.get("hacc"))
            correct, correct_p = paired_text(d.get("correctness"))
            n = d["hacc"]["n"] if d.get("hacc") else 0
            body.append([escape(r["name"]), str(n), hacc, hacc_p, correct, correct_p])
        header = ["run", "items", "Δ HAcc (points)", "HAcc test", "Δ correct (points)", "correct test"]
        lines.append(table(header, body, numeric=True))
    if with_plot:
        lines += ["", f"![Correctness against HAcc]({COMPARE_PLOT})"]
    lines += _length_view(rows, length_plot)
    return "\n".join(lines) + "\n"
