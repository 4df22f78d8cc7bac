"""Affix constraints: what the response starts or ends with.

Families (MathIF's affix category): combination:repeat_prompt,
startend:end_checker, startend:quotation; from IFEval (Zhou et al., 2023) as
MathIF uses them.

MathIF semantics kept on purpose: the repeated prompt is compared case
insensitively after stripping whitespace; the end phrase is compared case
insensitively after stripping whitespace and then any double quotes from the
end of the response (so it combines with quotation); quotation needs at least
two characters after stripping, the first and last being '"'.
"""

from __future__ import annotations

import random

from .base import PHASE_AFFIX, PHASE_WRAP, Args, ConstraintArgError, Context, Family, Param, pick
from .provenance import MATHIF as SOURCE
from .text import filler

REPEAT_DESCRIPTION = (
    "First repeat the request word for word without change, then give your answer "
    "(1. do not say any words or characters before repeating the request; "
    "2. the request you need to repeat does not include this sentence)"
)


def _repeat_sample(rng, ctx: Context) -> Args:
    if not ctx.question.strip():
        raise ConstraintArgError("combination:repeat_prompt", "prompt_to_repeat", "needs a question")
    return {"prompt_to_repeat": ctx.question}


def _maybe_lower(text: str, rng: random.Random) -> str:
    """Affixes are matched case-insensitively: half the attempts use lower case,
    which lets them meet a limit on capital words."""
    return text.lower() if rng.random() < 0.5 else text


def _repeat_check(response: str, args: Args) -> bool:
    return response.strip().lower().startswith(args["prompt_to_repeat"].strip().lower())


REPEAT_PROMPT = Family(
    id="combination:repeat_prompt",
    category="affix",
    params=(Param("prompt_to_repeat", "str", doc="the request to repeat first (the question)"),),
    sample=_repeat_sample,
    describe=lambda a: REPEAT_DESCRIPTION,
    check=_repeat_check,
    witness=lambda a, rng: a["prompt_to_repeat"].strip() + "\n" + filler(8),
    counterexample=lambda a, rng: "sure. " + a["prompt_to_repeat"].strip(),
    compose=lambda t, a, rng: _maybe_lower(a["prompt_to_repeat"].strip(), rng) + "\n" + t,
    phase=PHASE_AFFIX,
    source=SOURCE,
)

END_PHRASES = ("Any other questions?", "Is there anything else I can help with?")


def _end_check(response: str, args: Args) -> bool:
    return response.strip().strip('"').lower().endswith(args["end_phrase"].strip().lower())


END_CHECKER = Family(
    id="startend:end_checker",
    category="affix",
    params=(Param("end_phrase", "str", doc="the exact phrase the response must end with"),),
    sample=lambda rng, ctx: {"end_phrase": pick(rng, END_PHRASES)},
    describe=lambda a: (
        f'Finish your response with this exact phrase "{a["end_phrase"].strip()}". '
        "No other words should follow this phrase."
    ),
    check=_end_check,
    witness=lambda a, rng: filler(8) + " " + a["end_phrase"].strip(),
    counterexample=lambda a, rng: a["end_phrase"].strip() + " " + filler(8) + " ok",
    compose=lambda t, a, rng: t + " " + _maybe_lower(a["end_phrase"].strip(), rng),
    phase=PHASE_AFFIX,
    source=SOURCE,
)


def _quoted(response: str) -> bool:
    value = response.strip()
    return len(value) > 1 and value[0] == '"' and value[-1] == '"'


QUOTATION = Family(
    id="startend:quotation",
    category="affix",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: "Wrap your entire response with double quotation marks. ",
    check=lambda r, a: _quoted(r),
    witness=lambda a, rng: '"' + filler(10) + '"',
    counterexample=lambda a, rng: filler(10),
    compose=lambda t, a, rng: '"' + t + '"',
    phase=PHASE_WRAP,
    source=SOURCE,
)

FAMILIES = (REPEAT_PROMPT, END_CHECKER, QUOTATION)
