"""Format constraints: markdown structure and punctuation.

Families (MathIF's format category): detectable_format:number_bullet_lists,
detectable_format:number_highlighted_sections,
detectable_format:multiple_sections, punctuation:no_comma; all from IFEval
(Zhou et al., 2023) as MathIF uses them.

MathIF semantics kept on purpose:
- bullets are exactly N lines matching ``^\\s*\\*[^*].*$`` or ``^\\s*-.*$``, so a
  line starting with "-" counts even when it is "-3 is negative" or "---";
- a highlight is ``*text*`` with non-blank text, and ``**bold**`` counts once;
- sections are counted by splitting on ``\\s?SPLITTER\\s?\\d+\\s?`` and the
  response needs at least N of them.
``--fix-quirks`` counts only real markdown bullets ("- " or "* " followed by
text, horizontal rules excluded).
"""

from __future__ import annotations

import random
import re

from .base import PHASE_REMOVE, Args, Family, Param
from .provenance import MATHIF as SOURCE
from .text import filler

_STAR_BULLET = re.compile(r"^\s*\*[^\*].*$", re.MULTILINE)
_DASH_BULLET = re.compile(r"^\s*-.*$", re.MULTILINE)
_MD_BULLET = re.compile(r"^[ \t]*[*-][ \t]+\S.*$", re.MULTILINE)
_HRULE = re.compile(r"^[ \t]*([*-])([ \t]*\1){2,}[ \t]*$")
_HIGHLIGHT = re.compile(r"\*[^\n\*]*\*")
_BOLD = re.compile(r"\*\*[^\n\*]*\*\*")


def count_bullets(response: str) -> int:
    return len(_STAR_BULLET.findall(response)) + len(_DASH_BULLET.findall(response))


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
    params=(Param("num_bullets", "int", minimum=1, doc="exact number of bullet lines"),),
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
    source=SOURCE,
)


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
    params=(Param("num_highlights", "int", minimum=1, doc="minimum number of *highlights*"),),
    sample=lambda rng, ctx: {"num_highlights": rng.randint(1, 4)},
    describe=lambda a: (
        f"Highlight at least {a['num_highlights']} sections in your answer with "
        "markdown, i.e. *highlighted section*."
    ),
    check=lambda r, a: count_highlights(r) >= a["num_highlights"],
    witness=lambda a, rng: _highlight_text(a["num_highlights"]),
    counterexample=lambda a, rng: _highlight_text(a["num_highlights"] - 1),
    compose=lambda t, a, rng: t + "".join(f" *{i}*" for i in range(1, a["num_highlights"] + 1)),
    source=SOURCE,
)


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
        Param("section_spliter", "choice", choices=("Section", "SECTION"), doc="section marker"),
        Param("num_sections", "int", minimum=1, doc="minimum number of sections"),
    ),
    sample=lambda rng, ctx: {
        "section_spliter": ("Section", "SECTION")[rng.randrange(2)],
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
    source=SOURCE,
)

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
    source=SOURCE,
)

FAMILIES = (NUMBER_BULLET_LISTS, NUMBER_HIGHLIGHTED_SECTIONS, MULTIPLE_SECTIONS, NO_COMMA)
