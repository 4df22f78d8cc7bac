"""Format constraints: markdown structure, punctuation, markup and JSON.

Families (category "format"):
- detectable_format:number_bullet_lists,
  detectable_format:number_highlighted_sections,
  detectable_format:multiple_sections, punctuation:no_comma -- MathIF's
  format category, all from IFEval (Zhou et al., 2023) as MathIF uses them;
- detectable_format:title -- IFEval: a title in double angular brackets,
  ``<<title>>`` on one line with some non-blank text inside;
- detectable_format:json_format -- IFEval: the whole response is JSON,
  optionally in a markdown code fence (IFEval's check: after stripping the
  fence, ``json.loads`` succeeds, so a bare number is JSON too);
- detectable_content:number_placeholders -- IFEval: at least N placeholders
  in square brackets;
- format:sub-bullets -- IFBench (Pyatkin et al. 2025), with IFBench's check:
  the response is cut at every ``*`` and each piece after a ``*`` must hold a
  ``-`` somewhere.  So a text without any ``*`` passes, and ``**bold**`` (an
  empty piece between the two stars) fails.
Title, JSON and placeholders are IFEval families MathIF left out.
The section markers IFEval's data uses ("Section", "SECTION", "PARAGRAPH",
"Day", "Audience") are all accepted; builds draw "Section" and "SECTION", as
MathIF's release has them.

Semantics kept on purpose (MathIF's, and IFEval's for the families MathIF
left out):
- bullets are exactly N lines matching ``^\\s*\\*[^*].*$`` or ``^\\s*-.*$``, so a
  line starting with "-" counts even when it is "-3 is negative" or "---";
- a highlight is ``*text*`` with non-blank text, and ``**bold**`` counts once;
- sections are counted by splitting on ``\\s?SPLITTER\\s?\\d+\\s?`` and the
  response needs at least N of them;
- IFEval's placeholder pattern ``\\[.*?\\]`` also counts LaTeX display maths
  ``\\[ x \\]``.
``--fix-quirks`` counts only real markdown bullets ("- " or "* " followed by
text, horizontal rules excluded) and ignores placeholder brackets right after
a backslash and empty ones; for format:sub-bullets it reads the instruction as
written (see ``has_sub_bullets``): at least one ``* `` bullet line, and every
bullet line directly followed by an indented ``- `` sub-bullet line.
"""

from __future__ import annotations

import json
import random
import re

from ..base import MAX_COUNT, PHASE_ADD, PHASE_REMOVE, PHASE_WRAP, Args, Family, Param, pick
from ..provenance import IFEVAL, MATHIF
from ..text import filler

# detectable_format:number_bullet_lists --------------------------------------

_STAR_BULLET = re.compile(r"^\s*\*[^\*].*$", re.MULTILINE)
_DASH_BULLET = re.compile(r"^\s*-.*$", re.MULTILINE)
_MD_BULLET = re.compile(r"^[ \t]*[*-][ \t]+\S.*$", re.MULTILINE)
_HRULE = re.compile(r"^[ \t]*([*-])([ \t]*\1){2,}[ \t]*$")
# From the first to the last newline of a run of blanks holding three newlines or more.
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n){2,}")


def count_bullets(response: str) -> int:
    """MathIF's bullets: matches of ``^\\s*\\*[^\\*].*$`` and of ``^\\s*-.*$`` (MULTILINE).

    Their ``\\s*`` runs over newlines, so the engine re-reads a run of blank lines
    from each line start in it: quadratic on a response of newlines.  Each run of
    blanks with three newlines or more is first cut to its part before the first
    newline, two newlines, and its part after the last one.  Every line start in
    a run reaches the same first non-blank character, a match's ``.*`` ends at the
    run's first newline or inside the run, and one line start is left in the run
    after that: the same matches are found, with at most two line starts per run.
    """
    text = _BLANK_LINES.sub("\n\n", response)
    star = sum(1 for _ in _STAR_BULLET.finditer(text))
    return star + sum(1 for _ in _DASH_BULLET.finditer(text))


def _count_md_bullets(response: str) -> int:
    return sum(1 for m in _MD_BULLET.finditer(response) if not _HRULE.match(m.group(0)))


def _bullet_text(n: int) -> str:
    return "\n".join(f"* step {i} adds the numbers" for i in range(1, n + 1))


def _bullets_compose(text: str, args: Args, rng: random.Random) -> str:
    missing = args["num_bullets"] - count_bullets(text)
    return text + "".join(f"\n* {i}." for i in range(1, missing + 1))


NUMBER_BULLET_LISTS = Family(
    id="detectable_format:number_bullet_lists",
    category="format",
    params=(Param("num_bullets", "int", minimum=1, maximum=MAX_COUNT, doc="exact number of bullet lines"),),
    sample=lambda rng, ctx: {"num_bullets": rng.randint(1, 5)},
    describe=lambda a: (
        f"Your answer must contain exactly {a['num_bullets']} bullet points. "
        "Use the markdown bullet points such as:\n* This is point 1. \n* This is point 2"
    ),
    check=lambda r, a: count_bullets(r) == a["num_bullets"],
    check_fixed=lambda r, a: _count_md_bullets(r) == a["num_bullets"],
    witness=lambda a, rng: _bullet_text(a["num_bullets"]),
    counterexample=lambda a, rng: _bullet_text(a["num_bullets"] + 1),
    compose=_bullets_compose,
    source=MATHIF,
)


# detectable_format:number_highlighted_sections ------------------------------

_HIGHLIGHT = re.compile(r"\*[^\n\*]*\*")
_BOLD = re.compile(r"\*\*[^\n\*]*\*\*")


def count_highlights(response: str) -> int:
    single = sum(1 for h in _HIGHLIGHT.findall(response) if h.strip("*").strip())
    double = sum(1 for h in _BOLD.findall(response) if h[2:-2].strip())
    return single + double


def _highlight_text(n: int) -> str:
    marks = " ".join(f"*part {i}*" for i in range(1, n + 1))
    return (filler(6) + " " + marks).strip()


NUMBER_HIGHLIGHTED_SECTIONS = Family(
    id="detectable_format:number_highlighted_sections",
    category="format",
    params=(
        Param("num_highlights", "int", minimum=1, maximum=MAX_COUNT, doc="minimum number of *highlights*"),
    ),
    sample=lambda rng, ctx: {"num_highlights": rng.randint(1, 4)},
    describe=lambda a: (
        f"Highlight at least {a['num_highlights']} sections in your answer with "
        "markdown, i.e. *highlighted section*."
    ),
    check=lambda r, a: count_highlights(r) >= a["num_highlights"],
    witness=lambda a, rng: _highlight_text(a["num_highlights"]),
    counterexample=lambda a, rng: _highlight_text(a["num_highlights"] - 1),
    compose=lambda t, a, rng: t + "".join(f" *{i}*" for i in range(1, a["num_highlights"] + 1)),
    source=MATHIF,
)


# detectable_format:multiple_sections ----------------------------------------


# the markers IFEval's data uses; MathIF's release and the sampler use the first two only
SECTION_SPLITTERS = ("Section", "SECTION", "PARAGRAPH", "Day", "Audience")
DRAWN_SPLITTERS = ("Section", "SECTION")


def _splitter_pattern(splitter: str) -> str:
    return r"\s?" + splitter.strip() + r"\s?\d+\s?"


def count_sections(response: str, splitter: str) -> int:
    return len(re.split(_splitter_pattern(splitter), response)) - 1


def _sections_text(splitter: str, n: int) -> str:
    s = splitter.strip()
    parts = [f"{s} {i}\n{filler(8)}" for i in range(1, n + 1)]
    return "\n".join(parts) if parts else filler(8)


MULTIPLE_SECTIONS = Family(
    id="detectable_format:multiple_sections",
    category="format",
    params=(
        Param("section_spliter", "choice", choices=SECTION_SPLITTERS, doc="section marker"),
        Param("num_sections", "int", minimum=1, maximum=MAX_COUNT, doc="minimum number of sections"),
    ),
    sample=lambda rng, ctx: {
        "section_spliter": DRAWN_SPLITTERS[rng.randrange(len(DRAWN_SPLITTERS))],
        "num_sections": rng.randint(1, 5),
    },
    describe=lambda a: (
        f"Your response must have {a['num_sections']} sections. Mark the beginning "
        f"of each section with {a['section_spliter'].strip()} X, such as:\n"
        f"{a['section_spliter'].strip()} 1\n[content of section 1]\n"
        f"{a['section_spliter'].strip()} 2\n[content of section 2]"
    ),
    check=lambda r, a: count_sections(r, a["section_spliter"]) >= a["num_sections"],
    witness=lambda a, rng: _sections_text(a["section_spliter"], a["num_sections"]),
    counterexample=lambda a, rng: _sections_text(a["section_spliter"], a["num_sections"] - 1),
    compose=lambda t, a, rng: (
        t + "".join(f"\n{a['section_spliter'].strip()} {i}\n{i}." for i in range(1, a["num_sections"] + 1))
    ),
    source=MATHIF,
)

# punctuation:no_comma -------------------------------------------------------

NO_COMMA = Family(
    id="punctuation:no_comma",
    category="format",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: "In your entire response, refrain from the use of any commas.",
    check=lambda r, a: "," not in r,
    witness=lambda a, rng: filler(12),
    counterexample=lambda a, rng: "first, " + filler(8),
    compose=lambda t, a, rng: t.replace(",", ""),
    phase=PHASE_REMOVE,
    source=MATHIF,
)

# detectable_format:title -----------------------------------------------------

TITLES = ("<<our work>>", "<<the sum>>", "<<12>>", "<<steps>>")


def has_title(response: str) -> bool:
    """IFEval's ``re.findall(r"<<[^\\n]+>>", response)`` has a match that is not blank
    inside its brackets, in one pass.

    On a line, the search starts at the first "<<" and ``[^\\n]+`` reaches back
    from the line's end to its last ">>" (at least one character after the
    "<<"): one match per line at most, the rest of the line holding no ">>" to
    end another.  If the first "<<" has no such ">>" after it, no later one has.
    The pattern itself re-reads the line from every "<", quadratic on "<<<<...".
    """
    pos, n = 0, len(response)
    while pos < n:
        start = response.find("<<", pos)
        if start < 0:
            return False
        line_end = response.find("\n", start)
        line_end = n if line_end < 0 else line_end
        close = response.rfind(">>", start + 3, line_end)
        if close >= 0 and response[start : close + 2].lstrip("<").rstrip(">").strip():
            return True
        pos = line_end + 1
    return False


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

# IFEval's ``\[.*?\]`` matches "[" up to the first "]" on its line: the same as
# ``\[[^\]\n]*\]``.  That pattern re-reads the rest of a line from every "[" with
# no "]" after it (quadratic on "[[[[..."); here a "[" with none takes the rest of
# the line in a match that counts for nothing, as every later "[" of the line
# would fail too.
_PLACEHOLDER = re.compile(r"\[[^\]\n]*(\]?)")


# The same matches, with the backslash right before one (never part of an earlier
# match, which ends with "]" or at the end of a line) and the text inside.
_PLACEHOLDER_PARTS = re.compile(r"(\\?)\[([^\]\n]*)(\]?)")


def count_placeholders(response: str, latex_aware: bool = False) -> int:
    if not latex_aware:
        return _PLACEHOLDER.findall(response).count("]")
    return sum(
        1
        for backslash, inside, close in _PLACEHOLDER_PARTS.findall(response)
        if close and not backslash and inside.strip().strip("\\")
    )


PLACEHOLDERS = Family(
    id="detectable_content:number_placeholders",
    category="format",
    params=(
        Param(
            "num_placeholders", "int", minimum=1, maximum=MAX_COUNT, doc="minimum number of [placeholders]"
        ),
    ),
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

# format:sub-bullets ----------------------------------------------------------

_BULLET = re.compile(r"\*[ \t]+\S")
_SUB_BULLET = re.compile(r"[ \t]+-[ \t]+\S")


def ifbench_sub_bullets(response: str) -> bool:
    """IFBench's check: every piece of the response after a ``*`` holds a ``-``."""
    return all("-" in piece for piece in response.split("*")[1:])


def has_sub_bullets(response: str) -> bool:
    """The instruction as written (``--fix-quirks``): at least one bullet line (``*``, a
    blank, text, not indented), and every bullet line directly followed by a sub-bullet
    line (indented, ``-``, a blank, text).  Stricter than IFBench's check and its
    docstring: an unindented ``-`` line, an indented ``*`` line or a blank line between a
    bullet and its sub-bullet do not count."""
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
    text = text if has_sub_bullets(text) else text + "\n* 1\n  - 2"
    # IFBench's reading: a star elsewhere (a highlight, bold, a product a*b) needs a dash after it
    # (the dash goes before the piece's trailing blanks, so a line that follows keeps its start)
    pieces = text.split("*")
    return "*".join(p if i == 0 or "-" in p else _dash_before_blanks(p) for i, p in enumerate(pieces))


def _dash_before_blanks(piece: str) -> str:
    body = piece.rstrip()
    return body + " -" + piece[len(body) :]


SUB_BULLETS = Family(
    id="format:sub-bullets",
    category="format",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: (
        "Your response must include bullet points denoted by * and at least one sub-bullet "
        "point denoted by - for each bullet point."
    ),
    check=lambda r, a: ifbench_sub_bullets(r),
    check_fixed=lambda r, a: has_sub_bullets(r),
    witness=lambda a, rng: filler(5) + "\n" + _sub_bullets_text(2, subs=True),
    counterexample=lambda a, rng: filler(5) + "\n" + _sub_bullets_text(2, subs=False),
    compose=_sub_bullets_compose,
    phase=PHASE_ADD,
    conflicts=frozenset({"detectable_format:number_bullet_lists"}),
    source="IFBench (Pyatkin et al. 2025), format:sub-bullets",
    doc="IFBench's format:sub-bullets with IFBench's check: every piece of the response after "
    "a * holds a - (a text without * passes; **bold** fails). --fix-quirks: a bullet list with "
    "* where every bullet line is directly followed by an indented sub-bullet line with -. Its "
    "dash lines would count as bullets for detectable_format:number_bullet_lists, so the two "
    "never combine.",
)

MATHIF_FAMILIES = (NUMBER_BULLET_LISTS, NUMBER_HIGHLIGHTED_SECTIONS, MULTIPLE_SECTIONS, NO_COMMA)
EXTENDED_FAMILIES = (TITLE, JSON_FORMAT, PLACEHOLDERS, SUB_BULLETS)
FAMILIES = (*MATHIF_FAMILIES, *EXTENDED_FAMILIES)
