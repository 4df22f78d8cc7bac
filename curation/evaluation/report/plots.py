"""PNG plots of an eval summary and of a comparison, fit for a paper.

Every plot names the model and the dataset under its title, gives each group its n, marks
the small groups (fewer than :data:`~curation.scoring.stats.SMALL` items: hatched, lighter,
"†"), labels every bar with its value, draws the 95% intervals as error bars (none where a
summary records none), and draws a 0% bar as a coloured stub on the axis with its "0".

matplotlib (its Agg renderer) is imported by the functions that draw, never at import time
(start-up time of the command line). Figures are built without pyplot (no global state):
:func:`figures` and :func:`compare_figure` return them, the ``write_*`` functions save them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.evaluation.report.labels import group_order, source_label, split_label
from curation.evaluation.summary import THINKING_TOKENS, Ending, EvalSummary
from curation.scoring import SMALL, FollowRate, GroupScores, Interval

PLOTS = {
    "constraint": "by_constraint.png",
    "source": "by_source.png",
    "split": "by_split.png",
    "num_constraints": "by_num_constraints.png",
    "with_without": "correctness_with_without.png",
    "length": "if_vs_length.png",
    "scope": "answer_vs_reasoning.png",
    "endings": "endings.png",
    "pass_at_k": "pass_at_k.png",
}
COMPARE_PLOT = "compare.png"
COMPARE_LENGTH_PLOT = "compare_length.png"

DPI = 150
SMALL_MARK = "†"
SMALL_NOTE = f"{SMALL_MARK} hatched, lighter: fewer than {SMALL} items (a rough rate, a wide interval)"
CI_NOTE = "Error bars: 95% intervals (Wilson score for 0/1 scores, else bootstrap over items)."
# Okabe-Ito: told apart with colour-blindness and in grey print
COLORS = {
    "hacc": "#0072B2",
    "sacc": "#56B4E9",
    "correctness": "#E69F00",
    "without": "#8C6D31",
    "follow": "#009E73",
    "reasoning": "#CC79A7",
    "both": "#7F7F7F",
    "truncated": "#D55E00",
    "delimited": "#0072B2",
}
RUN_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#000000",
    "#8C6D31",
    "#7F7F7F",
    "#B8860B",
)
RUN_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "p", "h", "*")


# --- values -------------------------------------------------------------------------------


def _finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite number, else None (missing, NaN, text)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _bounds(ci: Any) -> tuple[float, float] | None:
    """An interval's (low, high) from an :class:`Interval`, a ``{"low", "high"}`` mapping or a
    ``[low, high]`` pair; None when missing or not two finite numbers."""
    if isinstance(ci, Interval):
        pair: Any = (ci.low, ci.high)
    elif isinstance(ci, Mapping):
        pair = (ci.get("low"), ci.get("high"))
    elif isinstance(ci, list | tuple) and len(ci) == 2:
        pair = ci
    else:
        return None
    low, high = _finite(pair[0]), _finite(pair[1])
    return None if low is None or high is None else (low, high)


def _pct(value: float, decimals: int) -> str:
    """A percent for a label: 0 or 1 decimal; "0" for none; a rate that is not 0 never reads
    "0", one that is not 100% never "100"."""
    p = 100 * value
    if p == 0:
        return "0"
    if 0 < p < 0.5 or (decimals == 0 and (0 < p < 1 or 99.5 <= p < 100)):
        return f"{min(p, 99.9):.1f}"
    return f"{p:.{decimals}f}"


def _short(text: str, limit: int = 40) -> str:
    """``text`` shortened to about ``limit`` characters: a path keeps its last parts, anything
    else its start and end."""
    text = text.rstrip("/") or text
    if len(text) <= limit:
        return text
    parts = text.split("/")
    if len(parts) > 1:
        tail = parts[-1]
        for part in reversed(parts[:-1]):
            if len(part) + len(tail) + 3 > limit:
                break
            tail = f"{part}/{tail}"
        if len(tail) + 2 <= limit:
            return f"…/{tail}"
        text = parts[-1]
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return f"{text[:head]}…{text[len(text) - (limit - 1 - head) :]}"


def _subtitle(summary: EvalSummary) -> str:
    return f"{_short(summary.run.model)} — {_short(summary.run.dataset)}"


def _sample_note(summary: EvalSummary) -> list[str]:
    if summary.multi is None:
        return []
    k = summary.multi.k
    return [f"Each rate is the mean over the {k} samples of each prompt (avg@{k})."]


# --- figures ----------------------------------------------------------------------------------


def _figure(size: tuple[float, float]) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _titles(fig: Any, ax: Any, title: str, subtitle: str) -> None:
    fig.suptitle(title, fontsize=11.5, fontweight="bold")
    ax.set_title(subtitle, fontsize=8.5, color="0.3")


def _notes(fig: Any, notes: Sequence[str]) -> None:
    """Footnotes under the figure (the saved picture's tight box takes them in)."""
    if notes:
        fig.supxlabel("\n".join(notes), x=0.01, ha="left", fontsize=7.5, color="0.3")


def _legend(fig: Any, ax: Any, handles: Sequence[Any], columns: int | None = None) -> None:
    """The legend under the axes' tick labels and axis label (measured: nothing under it)."""
    if not handles:
        return
    from matplotlib.transforms import offset_copy

    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    below = ax.get_window_extent(renderer).y0 - ax.get_tightbbox(renderer).y0
    at = offset_copy(ax.transAxes, fig=fig, y=-(below * 72 / fig.dpi + 4), units="points")
    ax.legend(
        handles=list(handles),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=at,
        ncols=columns or min(len(handles), 4),
        fontsize=8,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.4,
    )


def _plain_axes(ax: Any, grid_axis: str) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis=grid_axis, color="0.88", linewidth=0.7)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8)


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", pad_inches=0.08, facecolor="white")
    return path


# --- grouped bars -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One group of bars: its display name, its n and whether it is small."""

    label: str
    n: int
    small: bool

    def tick(self, horizontal: bool) -> str:
        mark = SMALL_MARK if self.small else ""
        return f"{self.label}{mark} (n={self.n:,})" if horizontal else f"{self.label}{mark}\n(n={self.n:,})"


@dataclass(frozen=True)
class Series:
    """One bar per group: its rates (fractions; None: not known, drawn as "n/a") and their
    95% intervals (None: none recorded)."""

    name: str
    color: str
    values: Sequence[float | None]
    cis: Sequence[Interval | None] | None = None


def _of_group(label: str, g: GroupScores) -> Group:
    return Group(label, g.items, g.small)


def _lighter(color: str, amount: float = 0.55) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def _positions(groups: Sequence[Group], blocks: Sequence[int] | None) -> list[float]:
    """Group positions, a gap between consecutive blocks (``blocks``: each group's block)."""
    out, x = [], 0.0
    for i in range(len(groups)):
        if blocks is not None and i and blocks[i] != blocks[i - 1]:
            x += 0.3
        out.append(x)
        x += 1.0
    return out


def _axis_top(series: Sequence[Series]) -> float:
    """The % axis' end: the highest bar or interval end, rounded up to 10, at most 100."""
    tops = [0.0]
    for s in series:
        for i, v in enumerate(s.values):
            if (v := _finite(v)) is None:
                continue
            ci = _bounds(s.cis[i]) if s.cis is not None else None
            tops.append(100 * max(v, ci[1] if ci else v))
    return min(100.0, max(20.0, 10 * math.ceil((max(tops) + 4) / 10)))


def _bars(
    ax: Any,
    groups: Sequence[Group],
    series: Sequence[Series],
    horizontal: bool,
    decimals: int,
    fontsize: float,
    blocks: Sequence[int] | None = None,
) -> tuple[list[Any], bool]:
    """Grouped bars with value labels, error bars, zero stubs and small groups hatched; returns
    one legend handle per series and whether any interval was drawn."""
    from matplotlib.patches import Patch

    k = len(series)
    width = 0.8 / max(k, 1)
    pos = _positions(groups, blocks)
    top = _axis_top(series)
    drew_ci = False
    handles = []
    for j, s in enumerate(series):
        handles.append(Patch(facecolor=s.color, label=s.name))
        offset = (j - (k - 1) / 2) * width
        for i, g in enumerate(groups):
            at = pos[i] + offset
            value = _finite(s.values[i])
            if value is None:
                _value_label(ax, at, 0.0, "n/a", horizontal, fontsize, color="0.45")
                continue
            pct = 100 * value
            face: Any = _lighter(s.color) if g.small else s.color
            style = {"color": face, "edgecolor": s.color if g.small else "none", "linewidth": 0.6}
            if g.small:
                style["hatch"] = "////"
            if horizontal:
                ax.barh(at, pct, height=width * 0.92, **style)
            else:
                ax.bar(at, pct, width=width * 0.92, **style)
            if pct < 0.004 * top:  # too thin to see: a stub on the axis
                ends = [at - width * 0.46, at + width * 0.46]
                line = (ends, [0, 0]) if not horizontal else ([0, 0], ends)
                ax.plot(*line, color=s.color, linewidth=2.6, solid_capstyle="butt", clip_on=False, zorder=3)
            ci = _bounds(s.cis[i]) if s.cis is not None else None
            end = pct
            if ci is not None:
                low, high = min(100 * ci[0], pct), max(100 * ci[1], pct)
                err = [[pct - low], [high - pct]]
                if horizontal:
                    ax.errorbar(pct, at, xerr=err, fmt="none", ecolor="0.25", elinewidth=0.8, capsize=1.8)
                else:
                    ax.errorbar(at, pct, yerr=err, fmt="none", ecolor="0.25", elinewidth=0.8, capsize=1.8)
                drew_ci = True
                end = high
            _value_label(ax, at, end, _pct(value, decimals), horizontal, fontsize)
    ticks = [g.tick(horizontal) for g in groups]
    if horizontal:
        ax.set_yticks(pos, ticks, fontsize=7.5)
        ax.set_ylim(pos[-1] + 0.6 if pos else 0.6, -0.6)
        ax.set_xlim(0, top * 1.12)
        ax.set_xticks(range(0, int(top) + 1, 20 if top > 50 else 10))
        ax.set_xlabel("%", fontsize=8.5)
        _plain_axes(ax, "x")
    else:
        ax.set_xticks(pos, ticks, fontsize=8)
        ax.set_xlim(-0.6, (pos[-1] if pos else 0) + 0.6)
        ax.set_ylim(0, top * 1.1)
        ax.set_yticks(range(0, int(top) + 1, 20 if top > 50 else 10))
        ax.set_ylabel("%", fontsize=8.5)
        _plain_axes(ax, "y")
    if any(g.small for g in groups):
        handles.append(
            Patch(facecolor="white", edgecolor="0.35", hatch="////", label=f"{SMALL_MARK} < {SMALL} items")
        )
    return handles, drew_ci


def _value_label(
    ax: Any, at: float, end: float, text: str, horizontal: bool, fontsize: float, color: str = "0.15"
) -> None:
    if horizontal:
        ax.annotate(
            text, (end, at), xytext=(2.5, 0), textcoords="offset points", ha="left", va="center",
            fontsize=fontsize, color=color, clip_on=False,
        )  # fmt: skip
    else:
        ax.annotate(
            text, (at, end), xytext=(0, 1.5), textcoords="offset points", ha="center", va="bottom",
            fontsize=fontsize, color=color, clip_on=False,
        )  # fmt: skip


def _bar_figure(
    title: str,
    subtitle: str,
    groups: Sequence[Group],
    series: Sequence[Series],
    notes: Sequence[str] = (),
    horizontal: bool = False,
    blocks: Sequence[int] | None = None,
    block_names: Sequence[str] | None = None,
) -> Any:
    """A figure of grouped bars (see :func:`_bars`) with titles, legend and footnotes."""
    n, k = max(len(groups), 1), max(len(series), 1)
    dense = n * k > 18
    gaps = 0.3 * (len(set(blocks)) - 1) if blocks else 0.0
    if horizontal:
        size = (8.0, max(2.8, (n + gaps) * (0.115 * k + 0.08) + 1.5))
    else:  # each group as wide as its bars and its tick label (8 pt: about 0.6 em a letter)
        longest = max((len(line) for g in groups for line in g.tick(False).split("\n")), default=0)
        per_group = max(k * (0.22 if dense else 0.32), longest * 8 * 0.6 / 72 + 0.12)
        size = (max(6.0, (n + gaps) * per_group + 1.2), 4.3)
    fig = _figure(size)
    ax = fig.add_subplot()
    handles, drew_ci = _bars(ax, groups, series, horizontal, 0 if dense else 1, 6.5 if dense else 7.5, blocks)
    if blocks is not None and block_names is not None:
        _block_names(ax, _positions(groups, blocks), blocks, block_names)
    _titles(fig, ax, title, subtitle)
    _legend(fig, ax, handles, columns=2 if horizontal and len(handles) > 3 else None)
    _notes(
        fig,
        [*notes, *([CI_NOTE] if drew_ci else []), *([SMALL_NOTE] if any(g.small for g in groups) else [])],
    )
    return fig


def _block_names(ax: Any, pos: Sequence[float], blocks: Sequence[int], names: Sequence[str]) -> None:
    """Each block's name under its groups' tick labels, and a thin rule between blocks."""
    for b, name in enumerate(names):
        xs = [p for p, blk in zip(pos, blocks, strict=True) if blk == b]
        if not xs:
            continue
        ax.annotate(
            name, ((xs[0] + xs[-1]) / 2, 0), xycoords=("data", "axes fraction"), xytext=(0, -31),
            textcoords="offset points", ha="center", va="top", fontsize=8.5, fontweight="bold",
            annotation_clip=False,
        )  # fmt: skip
        if b:
            ax.axvline(xs[0] - 0.65, color="0.8", linewidth=0.7, zorder=0)


# --- the plots of one summary -----------------------------------------------------------------


def _score_series(groups: Sequence[GroupScores], graded: bool) -> list[Series]:
    """HAcc, SAcc and (when graded) correctness of each group; a group none of whose golds
    can be graded has no correctness ("n/a", not 0)."""
    out = [
        Series("HAcc", COLORS["hacc"], [g.hacc for g in groups], [g.hacc_ci for g in groups]),
        Series("SAcc", COLORS["sacc"], [g.sacc for g in groups], [g.sacc_ci for g in groups]),
    ]
    if graded:
        correct = [None if g.graded == 0 else g.correctness for g in groups]
        out.append(Series("correctness", COLORS["correctness"], correct, [g.correctness_ci for g in groups]))
    return out


def _ordered(groups: Mapping[str, Any]) -> list[str]:
    return sorted(groups, key=group_order)


def _tiers(groups: Mapping[str, Any]) -> list[str]:
    return sorted(groups, key=lambda k: (0, int(k), "") if k.isdigit() else (1, 0, k))


def _constraint_plot(s: EvalSummary) -> Any:
    cons = s.by_constraint
    names = sorted(cons, key=lambda c: (-cons[c].follow, c))
    groups = [Group(c, cons[c].n, cons[c].rate.small) for c in names]
    series = [
        Series("constraint followed", COLORS["follow"], [cons[c].follow for c in names], [cons[c].follow_ci for c in names]),
        Series("HAcc of its items", COLORS["hacc"], [cons[c].scores.hacc for c in names], [cons[c].scores.hacc_ci for c in names]),
        Series("SAcc of its items", COLORS["sacc"], [cons[c].scores.sacc for c in names], [cons[c].scores.sacc_ci for c in names]),
    ]  # fmt: skip
    notes = ["Sorted by how often the constraint is followed; n: items that have it.", *_sample_note(s)]
    return _bar_figure("Per constraint type", _subtitle(s), groups, series, notes, horizontal=True)


def _source_plot(s: EvalSummary) -> Any:
    names = _ordered(s.by_source)
    rows = [s.overall, *(s.by_source[k] for k in names)]
    groups = [_of_group("all", s.overall), *(_of_group(source_label(k), s.by_source[k]) for k in names)]
    series = _score_series(rows, s.run.correctness_graded)
    return _bar_figure(
        "Per source", _subtitle(s), groups, series, _sample_note(s), blocks=[0] + [1] * len(names)
    )


def _split_plot(s: EvalSummary) -> Any | None:
    if not s.by_split:
        return None
    names = _ordered(s.by_split)
    parts = [split_label(k).rpartition(" ") for k in names]
    two_level = all(head and tail in ("single", "double", "triple") for head, _, tail in parts)
    if two_level:
        heads = list(dict.fromkeys(head for head, _, _ in parts))
        groups = [_of_group(tail, s.by_split[k]) for k, (_, _, tail) in zip(names, parts, strict=True)]
        blocks: list[int] | None = [heads.index(head) for head, _, _ in parts]
    else:
        heads, blocks = [], None
        groups = [_of_group(split_label(k), s.by_split[k]) for k in names]
    series = _score_series([s.by_split[k] for k in names], s.run.correctness_graded)
    return _bar_figure(
        "Per split", _subtitle(s), groups, series, _sample_note(s), blocks=blocks, block_names=heads or None
    )


def _tiers_plot(s: EvalSummary) -> Any:
    names = _tiers(s.by_num_constraints)
    groups = [_of_group(f"{k} constraint{'' if k == '1' else 's'}", s.by_num_constraints[k]) for k in names]
    series = _score_series([s.by_num_constraints[k] for k in names], s.run.correctness_graded)
    return _bar_figure("Per number of constraints", _subtitle(s), groups, series, _sample_note(s))


def _with_without_plot(s: EvalSummary) -> Any | None:
    if s.correctness_without_constraints is None or not s.run.correctness_graded:
        return None
    names = _ordered(s.by_source)
    rows = [s.overall, *(s.by_source[k] for k in names)]
    groups = [_of_group("all", s.overall), *(_of_group(source_label(k), s.by_source[k]) for k in names)]
    series = [
        Series("with constraints", COLORS["correctness"], [g.correctness for g in rows], [g.correctness_ci for g in rows]),
        Series(
            "without constraints", COLORS["without"], [g.correctness_without_constraints for g in rows],
            [g.correctness_without_constraints_ci for g in rows],
        ),
    ]  # fmt: skip
    return _bar_figure(
        "Correctness with and without constraints",
        _subtitle(s),
        groups,
        series,
        ["The same items; without: the prompt holds no constraint.", *_sample_note(s)],
        blocks=[0] + [1] * len(names),
    )


def _length_plot(s: EvalSummary) -> Any | None:
    from matplotlib.patches import Patch

    bins = s.by_length
    if not bins:
        return None
    fig = _figure((max(6.4, 1.05 * len(bins) + 1.6), 4.3))
    ax = fig.add_subplot()
    xs = list(range(len(bins)))
    cut = [None if b.truncated is None or not b.samples else b.truncated / b.samples for b in bins]
    handles: list[Any] = []
    if any(c is not None for c in cut):
        ax.bar(
            xs,
            [100 * (c or 0.0) for c in cut],
            width=0.9,
            color=_lighter(COLORS["truncated"], 0.78),
            zorder=0,
        )
        handles.append(
            Patch(facecolor=_lighter(COLORS["truncated"], 0.78), label="share truncated (token limit)")
        )
        top = ax.secondary_xaxis("top")
        top.set_xticks(xs, ["n/a" if c is None else f"{_pct(c, 0)}% truncated" for c in cut], fontsize=7.5)
        top.tick_params(length=0, pad=2)
        for label, c in zip(top.get_xticklabels(), cut, strict=True):
            label.set_color(COLORS["truncated"] if c else "0.45")
        top.spines["top"].set_visible(False)
    lines = [("hacc", "HAcc", "o"), ("sacc", "SAcc", "s")]
    if s.run.correctness_graded:
        lines.append(("correctness", "correctness", "^"))
    for key, label, marker in lines:
        (line,) = ax.plot(
            xs, [100 * getattr(b, key) for b in bins], marker=marker, markersize=5.5, linewidth=1.6,
            color=COLORS[key], label=label, zorder=3, clip_on=False,
        )  # fmt: skip
        handles.insert(len(handles) - (1 if handles and isinstance(handles[-1], Patch) else 0), line)
    ticks = [
        (f"{b.min:,}" if b.min == b.max else f"{b.min:,}–{b.max:,}") + f"\nn={b.samples:,}" for b in bins
    ]
    ax.set_xticks(xs, ticks, fontsize=7.5)
    ax.set_xlim(-0.55, len(bins) - 0.45)
    ax.set_ylim(0, 100)
    ax.set_ylabel("%", fontsize=8.5)
    ax.set_xlabel(
        f"response length ({s.length_unit}): samples sorted by length, in bins of equal size", fontsize=8.5
    )
    _plain_axes(ax, "y")
    _titles(fig, ax, "Instruction following against response length", _subtitle(s))
    _legend(fig, ax, handles)
    notes = ["Each bin: its samples' length range and count."]
    if all(c is None for c in cut):
        notes.append("Truncation at the token limit not recorded for these samples.")
    _notes(fig, notes)
    return fig


def _scope_plot(s: EvalSummary) -> Any | None:
    if s.reasoning_scope is None:
        return None
    cons = s.by_constraint
    names = sorted(cons, key=lambda c: (-cons[c].follow, c))

    def rates(by: Mapping[str, FollowRate]) -> tuple[list[float | None], list[Interval | None]]:
        return [by[c].follow if c in by else None for c in names], [
            by[c].ci if c in by else None for c in names
        ]

    reasoning = rates(s.reasoning_scope.by_constraint)
    series = [
        Series("in the answer", COLORS["follow"], [cons[c].follow for c in names], [cons[c].follow_ci for c in names]),
        Series("in the reasoning trace", COLORS["reasoning"], *reasoning),
    ]  # fmt: skip
    if s.both_scope is not None:
        series.append(Series("in both", COLORS["both"], *rates(s.both_scope.by_constraint)))
    groups = [Group(c, cons[c].n, cons[c].rate.small) for c in names]
    notes = ["Share of constraints followed, checked on each part of the response.", *_sample_note(s)]
    return _bar_figure(
        "Constraint followed: answer against reasoning trace",
        _subtitle(s),
        groups,
        series,
        notes,
        horizontal=True,
    )


def _endings_plot(s: EvalSummary) -> Any | None:
    e = s.endings
    if e is None or not e.overall.samples:
        return None
    names = _ordered(e.by_source)
    rows: list[tuple[str, Ending]] = [("all", e.overall), *((source_label(k), e.by_source[k]) for k in names)]
    if e.plain is not None:
        rows.append(("all, no\nconstraints", e.plain))
    groups = [Group(label, end.samples, False) for label, end in rows]
    series = [
        Series("stopped at the token limit", COLORS["truncated"], [end.truncated_share for _, end in rows]),
        Series("hold </think>", COLORS["delimited"], [end.delimited_share for _, end in rows]),
    ]
    blocks = [0] + [1] * len(names) + ([2] if e.plain is not None else [])
    notes = ["n: samples (every sample of every prompt)."]
    if any(end.truncated is None for _, end in rows):
        notes.append("n/a: no finish reason recorded.")
    return _bar_figure("How the samples ended", _subtitle(s), groups, series, notes, blocks=blocks)


def _pass_at_k_plot(s: EvalSummary) -> Any | None:
    m = s.multi
    if m is None or not m.pass_at:
        return None
    fig = _figure((6.4, 4.3))
    ax = fig.add_subplot()
    ks = sorted(int(k) for k in m.pass_at)
    curves = [("correctness pass@k", COLORS["correctness"], "^", m.pass_at)]
    if m.hard_pass_at:
        curves.append(("HAcc pass@k", COLORS["hacc"], "o", m.hard_pass_at))
    handles = []
    points: dict[int, list[float]] = {}
    for label, color, marker, rates in curves:
        xs = [k for k in ks if _finite(rates.get(str(k))) is not None]
        ys = [100 * rates[str(k)] for k in xs]
        (line,) = ax.plot(
            xs,
            ys,
            marker=marker,
            markersize=6,
            linewidth=1.6,
            color=color,
            label=label,
            zorder=3,
            clip_on=False,
        )
        handles.append(line)
        for x, y in zip(xs, ys, strict=True):
            points.setdefault(x, []).append(y)
    for x, ys in points.items():  # the highest value labelled above, the others below
        shown: set[str] = set()
        for rank, y in enumerate(sorted(ys, reverse=True)):
            if (text := _pct(y / 100, 1)) in shown:
                continue
            shown.add(text)
            ax.annotate(
                text, (x, y), xytext=(0, 5 if rank == 0 else -6), textcoords="offset points", ha="center",
                va="bottom" if rank == 0 else "top", fontsize=7.5,
            )  # fmt: skip
    maj = _finite(m.majority)
    notes = [f"pass@k: unbiased estimate from the {m.k} samples of each prompt (Chen et al., 2021)."]
    if maj is not None:
        at_k = m.k * (1.12 if len(ks) > 1 else 1.0)  # beside pass@k's last point
        ci = _bounds(m.majority_ci)
        err = None if ci is None else [[max(0.0, 100 * (maj - ci[0]))], [max(0.0, 100 * (ci[1] - maj))]]
        cont = ax.errorbar(
            [at_k], [100 * maj], yerr=err, fmt="*", markersize=11, color=COLORS["follow"], ecolor="0.25",
            elinewidth=0.8, capsize=2.5, label=f"majority vote correctness (maj@{m.k})", zorder=4, clip_on=False,
        )  # fmt: skip
        handles.append(cont)
        ax.annotate(
            _pct(maj, 1), (at_k, 100 * maj), xytext=(7, 0), textcoords="offset points", ha="left",
            va="center", fontsize=7.5, color="0.15",
        )  # fmt: skip
        if ci is not None:
            notes.append("Error bar: 95% interval of the majority vote's correctness.")
    if len(ks) > 1:
        ax.set_xscale("log", base=2)
        ax.set_xlim(ks[0] / 1.25, ks[-1] * 1.35)
    else:
        ax.set_xlim(ks[0] - 0.6, ks[0] + 0.6)
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.minorticks_off()
    ax.set_ylim(0, 105)
    ax.set_yticks(range(0, 101, 20))
    ax.set_xlabel("k (samples per prompt)", fontsize=8.5)
    ax.set_ylabel("%", fontsize=8.5)
    _plain_axes(ax, "y")
    _titles(fig, ax, "pass@k", _subtitle(s))
    _legend(fig, ax, handles, columns=3)
    _notes(fig, notes)
    return fig


BUILDERS: dict[str, Callable[[EvalSummary], Any | None]] = {
    "constraint": _constraint_plot,
    "source": _source_plot,
    "split": _split_plot,
    "num_constraints": _tiers_plot,
    "with_without": _with_without_plot,
    "length": _length_plot,
    "scope": _scope_plot,
    "endings": _endings_plot,
    "pass_at_k": _pass_at_k_plot,
}
"""Each plot of :data:`PLOTS`: the function that draws it (None: the summary has no data for it)."""


def figures(summary: EvalSummary) -> Iterator[tuple[str, Any]]:
    """The plots of one summary, one at a time: (key of :data:`PLOTS`, matplotlib Figure)."""
    for key, build in BUILDERS.items():
        fig = build(summary)
        if fig is not None:
            yield key, fig


def write_plots(summary: EvalSummary, folder: Path) -> list[Path]:
    """Write the plots of one eval summary into ``folder``; return their paths. A plot of
    :data:`PLOTS` this summary has no data for is removed (an earlier run's would mislead)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [_save(fig, folder / PLOTS[key]) for key, fig in figures(summary)]
    for name in PLOTS.values():
        if folder / name not in written:
            (folder / name).unlink(missing_ok=True)
    return written


# --- compare ----------------------------------------------------------------------------------


def _run_label(row: Mapping[str, Any]) -> str:
    name = str(row.get("name", ""))
    model = row.get("model")
    label = _short(name, 48)
    if isinstance(model, str) and model and model not in name:
        label += f" ({_short(model, 36)})"
    return label


def _axis_range(values: Sequence[float]) -> tuple[float, float]:
    """A % range that holds ``values`` with a margin: 0-100 unless they sit close together."""
    if not values:
        return 0.0, 100.0
    low = max(0.0, 5 * math.floor((min(values) - 3) / 5))
    high = min(100.0, 5 * math.ceil((max(values) + 3) / 5))
    if high - low < 15:
        mid = (low + high) / 2
        low, high = max(0.0, mid - 7.5), min(100.0, mid + 7.5)
        low, high = (0.0, 15.0) if low == 0 else (low, high) if high < 100 else (85.0, 100.0)
    if low <= 15:
        low = 0.0
    if high >= 85:
        high = 100.0
    return low, high


def compare_figure(rows: Sequence[Mapping[str, Any]]) -> Any:
    """Correctness against HAcc, one point per run (its own colour and marker, named in the
    legend) with its 95% intervals in both directions; a run without both values is listed,
    not drawn."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    labels = [_run_label(r) for r in rows]
    longest = max((len(x) for x in labels), default=0) + 30 * any(
        _finite(r.get("hacc")) is None or _finite(r.get("correctness")) is None for r in rows
    )
    columns = max(1, min(len(rows), 3 if longest <= 24 else 2 if longest <= 44 else 1))
    fig = _figure((6.4, 4.3 + 0.2 * math.ceil(len(rows) / columns)))
    ax = fig.add_subplot()
    xs: list[float] = []
    ys: list[float] = []
    handles = []
    drew_ci = False
    for i, row in enumerate(rows):
        color, marker = RUN_COLORS[i % len(RUN_COLORS)], RUN_MARKERS[i % len(RUN_MARKERS)]
        label = labels[i]
        hacc, correct = _finite(row.get("hacc")), _finite(row.get("correctness"))
        if hacc is None or correct is None:
            missing = " and ".join(n for n, v in (("HAcc", hacc), ("correctness", correct)) if v is None)
            handles.append(
                Line2D([], [], linestyle="none", marker=marker, markerfacecolor="none", color=color,
                       label=f"{label}: not drawn, no {missing}")
            )  # fmt: skip
            continue
        x, y = 100 * hacc, 100 * correct
        xci, yci = _bounds(row.get("hacc_ci")), _bounds(row.get("correctness_ci"))
        xerr = None if xci is None else [[max(0.0, x - 100 * xci[0])], [max(0.0, 100 * xci[1] - x)]]
        yerr = None if yci is None else [[max(0.0, y - 100 * yci[0])], [max(0.0, 100 * yci[1] - y)]]
        drew_ci = drew_ci or xci is not None or yci is not None
        handles.append(
            ax.errorbar(
                [x], [y], xerr=xerr, yerr=yerr, fmt=marker, color=color, markersize=7.5,
                markeredgecolor="white", markeredgewidth=0.6, elinewidth=1.0, capsize=2.5, alpha=0.95,
                label=label, zorder=3,
            )
        )  # fmt: skip
        xs += [x, *(100 * v for v in xci or ())]
        ys += [y, *(100 * v for v in yci or ())]
    x0, x1 = _axis_range(xs)
    y0, y1 = _axis_range(ys)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("HAcc: items with every constraint followed (%)", fontsize=9)
    ax.set_ylabel("correctness (%)", fontsize=9)
    _plain_axes(ax, "both")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 5, 10]))
    _titles(fig, ax, "Correctness against hard accuracy (HAcc)", runs_subtitle(rows))
    _legend(fig, ax, handles, columns=columns)
    notes = []
    if drew_ci:
        notes.append("Error bars: 95% intervals of HAcc (across) and of correctness (up and down).")
    if (x0, x1) != (0.0, 100.0) or (y0, y1) != (0.0, 100.0):
        notes.append("Axes zoomed to the runs: they do not span 0–100%.")
    _notes(fig, notes)
    return fig


def write_compare_plot(rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Correctness against HAcc, one point per run (see :func:`compare_figure`)."""
    return _save(compare_figure(rows), path)


# --- compare: scores against reasoning length ------------------------------------------------


def reasoning_unit(rows: Sequence[Mapping[str, Any]]) -> str:
    """The unit runs are compared in: thinking tokens when every run with a reasoning length
    records them (``mathif eval --intervention``), else characters."""
    lengths = [r.get("reasoning_length") for r in rows]
    known = [x for x in lengths if isinstance(x, Mapping)]
    if known and all(_finite(x.get("tokens")) is not None for x in known):
        return THINKING_TOKENS
    return "characters"


def reasoning_mean(row: Mapping[str, Any], unit: str) -> float | None:
    """A compare row's mean reasoning length in ``unit`` (None: not recorded)."""
    length = row.get("reasoning_length")
    if not isinstance(length, Mapping):
        return None
    return _finite(length.get("tokens" if unit == THINKING_TOKENS else "characters"))


def by_reasoning_length(rows: Sequence[Mapping[str, Any]], unit: str) -> list[Mapping[str, Any]]:
    """The rows, shortest reasoning first; runs without a reasoning length last."""

    def key(row: Mapping[str, Any]) -> tuple[bool, float, str]:
        mean = reasoning_mean(row, unit)
        return mean is None, mean or 0.0, str(row.get("name", ""))

    return sorted(rows, key=key)


LENGTH_PANELS = (
    ("hacc", "HAcc", "every constraint followed"),
    ("sacc", "SAcc", "share of constraints followed"),
    ("correctness", "correctness", "constraints in the prompt"),
)


def runs_subtitle(rows: Sequence[Mapping[str, Any]]) -> str:
    """What a comparison plot shows: how many runs, their model and dataset when they share one."""
    models = {str(r.get("model")) for r in rows if r.get("model")}
    datasets = {str(r.get("dataset")) for r in rows if r.get("dataset")}
    parts = [f"{len(rows)} run{'s' if len(rows) != 1 else ''}"]
    if models:
        parts.append(_short(models.pop()) if len(models) == 1 else f"{len(models)} models")
    if len(datasets) == 1:
        parts.append(_short(datasets.pop()))
    return " — ".join(parts)


def _length_label(row: Mapping[str, Any], one_model: bool) -> str:
    """The run (and its model, unless every run has the same one) and its intervention."""
    kind = str(row.get("intervention") or "none")
    name = _short(str(row.get("name", "")), 48) if one_model else _run_label(row)
    return name if name == kind else f"{name}: {kind}"  # a run named for its intervention once


def compare_length_figure(rows: Sequence[Mapping[str, Any]]) -> Any:
    """HAcc, SAcc and correctness (three panels) against each run's mean reasoning length,
    one point per run (its own colour and marker, named with its intervention in the legend
    under the panels) with its 95% interval as an error bar; a run without a reasoning length
    is listed, not drawn.  One model's runs are joined by a thin line, shortest reasoning
    first (MathIF: obedience falls as the reasoning grows)."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    unit = reasoning_unit(rows)
    ordered = by_reasoning_length(rows, unit)
    models = {str(r.get("model")) for r in rows if r.get("model")}
    labels = [_length_label(r, len(models) <= 1) for r in ordered]
    longest = max((len(x) for x in labels), default=0)
    fit = 4 if longest <= 28 else 3 if longest <= 40 else 2 if longest <= 64 else 1
    columns = max(1, min(len(ordered), fit))
    legend_rows = math.ceil(len(ordered) / columns)
    fig = _figure((11.0, 3.9 + 0.22 * legend_rows))
    grid = fig.add_gridspec(2, 3, height_ratios=[3.6, 0.1 + 0.2 * legend_rows])
    first = fig.add_subplot(grid[0, 0])
    axes = [first, *(fig.add_subplot(grid[0, i], sharex=first) for i in (1, 2))]
    key_ax = fig.add_subplot(grid[1, :])  # holds the legend, as wide as the three panels
    key_ax.axis("off")
    xs = [reasoning_mean(r, unit) for r in ordered]
    drawn = [x for x in xs if x is not None]
    joined = len(models) == 1 and len(drawn) > 1
    handles: list[Any] = []
    drew_ci = zoomed = False
    for p, (key, name, what) in enumerate(LENGTH_PANELS):
        ax = axes[p]
        ys: list[float] = []
        line_x, line_y = [], []
        for i, row in enumerate(ordered):
            color, marker = RUN_COLORS[i % len(RUN_COLORS)], RUN_MARKERS[i % len(RUN_MARKERS)]
            x, value = xs[i], _finite(row.get(key))
            if x is None or value is None:
                if p == 0:
                    missing = "reasoning length recorded" if x is None else name
                    handles.append(
                        Line2D([], [], linestyle="none", marker=marker, markerfacecolor="none", color=color,
                               label=f"{labels[i]} (not drawn: no {missing})")
                    )  # fmt: skip
                continue
            y = 100 * value
            ci = _bounds(row.get(f"{key}_ci"))
            err = None if ci is None else [[max(0.0, y - 100 * ci[0])], [max(0.0, 100 * ci[1] - y)]]
            drew_ci = drew_ci or ci is not None
            point = ax.errorbar(
                [x], [y], yerr=err, fmt=marker, color=color, markersize=7, markeredgecolor="white",
                markeredgewidth=0.6, elinewidth=1.0, capsize=2.5, alpha=0.95, label=labels[i], zorder=3,
            )  # fmt: skip
            if p == 0:
                handles.append(point)
            line_x.append(x)
            line_y.append(y)
            ys += [y, *(100 * v for v in ci or ())]
        if joined and len(line_x) > 1:
            ax.plot(line_x, line_y, color="0.65", linewidth=0.9, linestyle="--", zorder=1)
        y0, y1 = _axis_range(ys)
        zoomed = zoomed or (y0, y1) != (0.0, 100.0)
        ax.set_ylim(y0, y1)
        ax.set_title(f"{name}\n({what})", fontsize=9)
        ax.set_ylabel("%", fontsize=8.5)
        _plain_axes(ax, "both")
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    if drawn:  # from 0 unless the runs sit close together, far from it
        low, high = min(drawn), max(drawn)
        pad = max(0.08 * (high - low), 0.05 * high, 1.0)
        end = high + pad if high > low else max(2 * high, 1.0)
        start = 0.0 if low <= 0.4 * high or high - low < 1e-9 else low - pad
        if start <= 0:  # a point at 0 clear of the axis
            start = -0.025 * end
        axes[0].set_xlim(start, end)
    per = {THINKING_TOKENS: "thinking tokens", "characters": "characters"}[unit]
    for ax in axes:  # lengths are counts: whole-number ticks
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10], integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        ax.set_xlabel(f"mean reasoning length ({per})", fontsize=8.5)
    fig.suptitle(
        "Instruction following and correctness against reasoning length\n" + runs_subtitle(rows),
        fontsize=10.5,
    )
    key_ax.legend(
        handles=handles, loc="center", ncols=columns, fontsize=8, frameon=False, handlelength=1.6,
        columnspacing=1.4, borderaxespad=0.0,
    )  # fmt: skip
    notes = [
        "Reasoning length: the thinking (the text before </think>), its mean over each run's samples "
        f'with constraints, in {per}; text an intervention put in ("Wait", a reminder) is left out.'
    ]
    if unit != THINKING_TOKENS:
        notes.append(
            "In characters: thinking tokens are counted under --intervention only, and not every run has them."
        )
    if drawn and max(drawn) == 0:
        notes.append("No run has any reasoning: no sample holds </think> (a model that does not think?).")
    if joined:
        notes.append("Dashed line: the runs in order of reasoning length.")
    if drew_ci:
        notes.append("Error bars: 95% intervals.")
    if zoomed:
        notes.append("Score axes zoomed to the runs: they do not span 0–100%.")
    _notes(fig, notes)
    return fig


def write_compare_length_plot(rows: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    """Scores against reasoning length (see :func:`compare_length_figure`) when some run
    records its reasoning length; else None, and an earlier plot at ``path`` is removed."""
    if not any(reasoning_mean(r, "characters") is not None for r in rows):
        path.unlink(missing_ok=True)
        return None
    return _save(compare_length_figure(rows), path)
