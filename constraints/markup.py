"""Markup beyond MathIF: a title, JSON, placeholders, sub-bullets, a postscript.

Families:
- detectable_format:title (format) -- IFEval: a title in double angular
  brackets, ``<<title>>`` on one line with some non-blank text inside;
- detectable_format:json_format (format) -- IFEval: the whole response is
  JSON, optionally in a markdown code fence (IFEval's check: after stripping
  the fence, ``json.loads`` succeeds, so a bare number is JSON too);
- detectable_content:number_placeholders (format) -- IFEval: at least N
  placeholders in square brackets.  IFEval's pattern ``\\[.*?\\]`` also counts
  LaTeX display maths ``\\[ x \\]`` (kept; ``--fix-quirks`` ignores brackets
  right after a backslash and empty ones);
- detectable_content:postscript (affix) -- IFEval: a postscript starting
  with "P.S." or "P.P.S" (IFEval's check: the marker appears somewhere,
  in any case; it need not be at the end of the response);
- format:sub-bullets (format) -- IFBench (Pyatkin et al. 2025): a ``*``
  bullet list where every bullet has at least one indented ``-`` sub-bullet
  right below it.

The four IFEval families are ones MathIF left out.
"""

from __future__ import annotations

import json
import random
import re

from .base import PHASE_ADD, PHASE_WRAP, Args, Family, Param, pick
from .provenance import IFEVAL
from .text import filler

# detectable_format:title -----------------------------------------------------

_TITLE = re.compile(r"<<[^\n]+>>")
TITLES = ("<<our work>>", "<<the sum>>", "<<12>>", "<<steps>>")


def has_title(response: str) -> bool:
    return any(t.lstrip("<").rstrip(">").strip() for t in _TITLE.findall(response))


TITLE = Family(
    id="detectable_format:title",
    category="format",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: (
        "Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>."
    ),
    check=lambda r, a: has_title(r),
    witness=lambda a, rng: "<<our work>>\n" + filler(8),
    counterexample=lambda a, rng: "<< >>\n" + filler(8),
    compose=lambda t, a, rng: t + " " + pick(rng, TITLES),
    conflicts=frozenset({"combination:repeat_prompt", "startend:quotation"}),
    source=IFEVAL,
    doc="A title wrapped in double angular brackets, <<like this>>, anywhere in the response. "
    "IFEval's detectable_format:title with its exact check.",
)

# detectable_format:json_format -----------------------------------------------


def is_json(response: str) -> bool:
    value = (
        response.strip()
        .removeprefix("```json")
        .removeprefix("```Json")
        .removeprefix("```JSON")
        .removeprefix("```")
        .removesuffix("```")
        .strip()
    )
    try:
        json.loads(value)
    except (ValueError, RecursionError):
        return False
    return True


JSON_FORMAT = Family(
    id="detectable_format:json_format",
    category="format",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: (
        "Entire output should be wrapped in JSON format. You can use markdown ticks such as ```."
    ),
    check=lambda r, a: is_json(r),
    witness=lambda a, rng: json.dumps({"steps": filler(8), "result": "\\boxed{12}"}),
    counterexample=lambda a, rng: filler(8),
    compose=lambda t, a, rng: json.dumps({"response": t}, ensure_ascii=False),
    phase=PHASE_WRAP,
    # IFEval: JSON combines with nothing but keywords (its conflict table)
    source=IFEVAL,
    doc="The whole response is JSON, optionally inside a ``` code fence. IFEval's "
    "detectable_format:json_format with its exact check; as in IFEval it combines only "
    "with keywords:existence and keywords:forbidden_words.",
)

# detectable_content:number_placeholders --------------------------------------

_PLACEHOLDER = re.compile(r"\[.*?\]")


def count_placeholders(response: str, latex_aware: bool = False) -> int:
    found = _PLACEHOLDER.finditer(response)
    if not latex_aware:
        return sum(1 for _ in found)
    return sum(
        1
        for m in found
        if (m.start() == 0 or response[m.start() - 1] != "\\") and m.group(0)[1:-1].strip().strip("\\")
    )


PLACEHOLDERS = Family(
    id="detectable_content:number_placeholders",
    category="format",
    params=(Param("num_placeholders", "int", minimum=1, doc="minimum number of [placeholders]"),),
    sample=lambda rng, ctx: {"num_placeholders": rng.randint(1, 4)},
    describe=lambda a: (
        f"The response must contain at least {a['num_placeholders']} placeholders "
        "represented by square brackets, such as [address]."
    ),
    check=lambda r, a: count_placeholders(r) >= a["num_placeholders"],
    check_fixed=lambda r, a: count_placeholders(r, latex_aware=True) >= a["num_placeholders"],
    witness=lambda a, rng: filler(6) + "".join(f" [item {i}]" for i in range(1, a["num_placeholders"] + 1)),
    counterexample=lambda a, rng: (
        filler(6) + "".join(f" [item {i}]" for i in range(1, a["num_placeholders"]))
    ),
    compose=lambda t, a, rng: t + "".join(f" [{i}]" for i in range(1, a["num_placeholders"] + 1)),
    conflicts=frozenset({"combination:repeat_prompt"}),
    source=IFEVAL,
    doc="At least N placeholders in square brackets, such as [address]. IFEval's "
    "detectable_content:number_placeholders; its pattern also counts LaTeX \\[ ... \\], "
    "which --fix-quirks ignores.",
)

# detectable_content:postscript -----------------------------------------------

# IFEval's patterns start with \s*, which changes nothing for a search (and is
# quadratic on long runs of blanks), so it is left out.
_POSTSCRIPT = {"P.P.S": r"p\.\s?p\.\s?s", "P.S.": r"p\.\s?s\."}


def has_postscript(response: str, marker: str) -> bool:
    pattern = _POSTSCRIPT.get(marker, re.escape(marker.lower()))
    return re.search(pattern, response.lower()) is not None


POSTSCRIPT = Family(
    id="detectable_content:postscript",
    category="affix",
    params=(
        Param("postscript_marker", "choice", choices=("P.S.", "P.P.S"), doc="how the postscript starts"),
    ),
    sample=lambda rng, ctx: {"postscript_marker": pick(rng, ("P.S.", "P.P.S"))},
    describe=lambda a: (
        f"At the end of your response, please explicitly add a postscript starting with {a['postscript_marker']}"
    ),
    check=lambda r, a: has_postscript(r, a["postscript_marker"]),
    witness=lambda a, rng: filler(8) + f"\n{a['postscript_marker']} we check again.",
    counterexample=lambda a, rng: filler(8) + "\nPS we check again.",
    # the marker is matched in any case: half the attempts write it in lower case,
    # which lets it meet a limit on capital words
    compose=lambda t, a, rng: (
        t + f"\n{pick(rng, (a['postscript_marker'], a['postscript_marker'].lower()))} we check again."
    ),
    conflicts=frozenset({"combination:repeat_prompt", "language:response_language"}),
    source=IFEVAL,
    doc="A postscript starting with P.S. or P.P.S. IFEval's detectable_content:postscript with "
    "its exact check (the marker may appear anywhere, in any case).",
)

# format:sub-bullets ----------------------------------------------------------

_BULLET = re.compile(r"\*[ \t]+\S")
_SUB_BULLET = re.compile(r"[ \t]+-[ \t]+\S")


def has_sub_bullets(response: str) -> bool:
    lines = response.split("\n")
    bullets = [i for i, line in enumerate(lines) if _BULLET.match(line)]
    if not bullets:
        return False
    return all(i + 1 < len(lines) and _SUB_BULLET.match(lines[i + 1]) for i in bullets)


def _sub_bullets_text(n: int, subs: bool) -> str:
    out = []
    for i in range(1, n + 1):
        out.append(f"* step {i}")
        if subs:
            out.append(f"  - we add part {i}")
    return "\n".join(out)


def _sub_bullets_compose(text: str, args: Args, rng: random.Random) -> str:
    lines, out = text.split("\n"), []
    for i, line in enumerate(lines):
        out.append(line)
        if _BULLET.match(line) and not (i + 1 < len(lines) and _SUB_BULLET.match(lines[i + 1])):
            out.append(f"  - {i + 1}")
    text = "\n".join(out)
    return text if has_sub_bullets(text) else text + "\n* 1\n  - 2"


SUB_BULLETS = Family(
    id="format:sub-bullets",
    category="format",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: (
        "Your response must include bullet points denoted by * and at least one sub-bullet "
        "point denoted by - for each bullet point."
    ),
    check=lambda r, a: has_sub_bullets(r),
    witness=lambda a, rng: filler(5) + "\n" + _sub_bullets_text(2, subs=True),
    counterexample=lambda a, rng: filler(5) + "\n" + _sub_bullets_text(2, subs=False),
    compose=_sub_bullets_compose,
    phase=PHASE_ADD,
    conflicts=frozenset({"detectable_format:number_bullet_lists"}),
    source="IFBench (Pyatkin et al. 2025), format:sub-bullets",
    doc="A bullet list with * where every bullet line is directly followed by at least one "
    "indented sub-bullet line with -. IFBench's format:sub-bullets; its dash lines would "
    "count as bullets for detectable_format:number_bullet_lists, so the two never combine.",
)

FAMILIES = (TITLE, JSON_FORMAT, PLACEHOLDERS, POSTSCRIPT, SUB_BULLETS)
