"""Maths-specific constraints: how the answer of a maths problem is written.

None of IFEval, IFBench, Tülu 3's constraints or MathIF has these; they come
from how maths answers are graded and written (category "math"):
- math:single_boxed -- exactly one ``\\boxed{}``, non-empty: graders take the
  last box, so extra boxes are ambiguous (MathIF's prompt asks for the
  answer "within \\boxed{}" but never checks it);
- math:answer_first -- the final answer boxed on the first non-blank line,
  before any explanation (answer-first writing); a box repeating it at the
  end is fine, a different box is not;
- math:answer_in_words -- the final answer is an integer and is also written
  out in English words ("12 (twelve)"), as on cheques; only drawn for items
  whose gold answer is an integer;
- math:max_display_equations -- at most N display equations (``$$...$$``,
  ``\\[...\\]``, equation/align/gather/multline environments), a style rule;
- math:variable_name -- the unknown is named with a given letter and
  introduced explicitly ("Let $n$ be ..."), as textbooks ask;
- math:reduced_fraction -- the final answer is a fraction in lowest terms
  (``\\frac{3}{4}`` or ``3/4``, denominator > 1); only drawn for items whose
  gold answer is such a fraction.

The four about the final answer itself (single_boxed, answer_first,
answer_in_words, reduced_fraction) are ``answer_only``: builds check them on
the answer, never on the reasoning.

The final answer is the last ``\\boxed{}``'s content, else the last number
(``constraints.latex.final_answer``).  Checkers never compare it with the gold
answer: instruction following is judged apart from correctness.  Everything
is parsed with regexes and ``int``: model text is never evaluated.
"""

from __future__ import annotations

import math
import random
import re

from ..base import (
    MAX_COUNT,
    PHASE_ADD,
    PHASE_AFFIX,
    PHASE_REMOVE,
    Args,
    ConstraintArgError,
    Context,
    Family,
    Param,
    pick,
)
from ..latex import Span, boxed_spans, final_answer, parse_fraction, parse_integer
from ..number_names import LIMIT, names_number, number_name
from ..provenance import MATHS as SOURCE

# Numbers the joint witnesses use (never 42, the answer of the tests' toy items).
INTEGERS = (12, 6, 4, 30, 8, 2)
FRACTIONS = ((3, 4), (2, 7), (5, 9), (1, 6))


def _needs_gold(family_id: str, ctx: Context, fits) -> None:
    """Samplers of answer-dependent families refuse items whose gold answer does not fit."""
    if ctx.answer.strip() and not fits(ctx.answer):
        raise ConstraintArgError(family_id, "answer", f"does not fit the gold answer {ctx.answer!r}")


def _all_closed(spans: list[Span | None]) -> list[Span] | None:
    """The spans if every box is closed, else None (the text is left alone)."""
    closed = [s for s in spans if s is not None]
    return closed if len(closed) == len(spans) else None


def _replace_last_box(text: str, content: str) -> str | None:
    spans = boxed_spans(text)
    if not spans or spans[-1] is None:
        return None
    last = spans[-1]
    return text[: last.start] + f"\\boxed{{{content}}}" + text[last.end :]


# math:single_boxed -----------------------------------------------------------


def single_boxed(response: str) -> bool:
    spans = boxed_spans(response)
    return len(spans) == 1 and spans[0] is not None and bool(spans[0].content.strip())


def _single_compose(text: str, args: Args, rng: random.Random) -> str:
    spans = boxed_spans(text)
    if not spans:
        return text + f" \\boxed{{{pick(rng, INTEGERS)}}}"
    closed = _all_closed(spans)
    if closed is None:
        return text
    for s in reversed(closed[:-1]):  # unbox all but the last
        text = text[: s.start] + s.content + text[s.end :]
    return text


SINGLE_BOXED = Family(
    id="math:single_boxed",
    category="math",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: "Put your final answer in exactly one \\boxed{}, and use \\boxed{} nowhere else.",
    check=lambda r, a: single_boxed(r),
    witness=lambda a, rng: "7 + 5 = 12 so the result is \\boxed{12}.",
    counterexample=lambda a, rng: "First \\boxed{7} and then \\boxed{12}.",
    compose=_single_compose,
    phase=PHASE_ADD,
    conflicts=frozenset({"change_case:english_capital"}),
    answer_only=True,
    source=SOURCE,
    doc="Exactly one \\boxed{...} with a non-empty, brace-balanced content. MathIF's prompt "
    "asks for the answer within \\boxed{} and graders take the last box; this makes it "
    "a checked instruction. Cannot be combined with all capital letters (\\boxed is lower case).",
)

# math:answer_first -----------------------------------------------------------


def answer_first(response: str) -> bool:
    """The first box is on the first non-blank line and holds the final answer
    (what the last box holds): the answer may be boxed again at the end, but
    not replaced by another one."""
    spans = _all_closed(boxed_spans(response))
    if not spans or not spans[-1].content.strip():
        return False
    first_line = next((line for line in response.split("\n") if line.strip()), "")
    start = response.find(first_line)
    first = spans[0]
    on_first_line = start <= first.start and first.end <= start + len(first_line)
    return on_first_line and first.content.strip() == spans[-1].content.strip()


def _first_compose(text: str, args: Args, rng: random.Random) -> str:
    """Box the final answer (the last box's, or one of INTEGERS) at the end of
    the first non-blank line; earlier boxes are unboxed, the last one moved."""
    spans = _all_closed(boxed_spans(text))
    if spans is None:
        return text
    box = f"\\boxed{{{pick(rng, INTEGERS)}}}"
    if spans:
        last = spans[-1]
        box = text[last.start : last.end]
        text = text[: last.start] + text[last.end :]
        for s in reversed(spans[:-1]):
            text = text[: s.start] + s.content + text[s.end :]
    lines = text.split("\n")
    k = next((i for i, line in enumerate(lines) if line.strip()), 0)
    lines[k] = (lines[k].rstrip() + " " + box).lstrip()
    return "\n".join(lines)


ANSWER_FIRST = Family(
    id="math:answer_first",
    category="math",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: (
        "State your final answer in \\boxed{} on the very first line of your response, before any "
        "explanation (you may box it again at the end, but box nothing else)."
    ),
    check=lambda r, a: answer_first(r),
    witness=lambda a, rng: "\\boxed{12}\n7 + 5 = 12 and we check it again.",
    counterexample=lambda a, rng: "7 + 5 = 12 and we check it again.\n\\boxed{12}",
    compose=_first_compose,
    phase=PHASE_AFFIX,
    conflicts=frozenset({"change_case:english_capital", "combination:repeat_prompt"}),
    answer_only=True,
    source=SOURCE,
    doc="The first \\boxed{...} of the response is on its first non-blank line and holds the "
    "same (non-empty) answer as the last one: the final answer comes before the working. "
    "Cannot be combined with repeating the request first.",
)

# math:answer_in_words --------------------------------------------------------


def answer_in_words(response: str) -> bool:
    n = parse_integer(final_answer(response))
    return n is not None and names_number(response, n)


def _words_sample(rng: random.Random, ctx: Context) -> Args:
    _needs_gold("math:answer_in_words", ctx, lambda g: parse_integer(g) is not None)
    return {}


def _words_compose(text: str, args: Args, rng: random.Random) -> str:
    """Name the final answer if it is an integer, or (on half the attempts, and
    whenever it is not) make one of INTEGERS the final answer and name it."""
    n = parse_integer(final_answer(text))
    if n is not None and abs(n) < LIMIT and rng.random() < 0.5:
        return text + f" ({number_name(n)})"
    n = pick(rng, INTEGERS)
    boxed = _replace_last_box(text, str(n))
    if boxed is None:  # a box, or a plain last number, is the final answer
        boxed = text + (f" \\boxed{{{n}}}" if rng.random() < 0.5 else f" {n}")
    return boxed + f" ({number_name(n)})"


ANSWER_IN_WORDS = Family(
    id="math:answer_in_words",
    category="math",
    params=(),
    sample=_words_sample,
    describe=lambda a: (
        'Give your final answer as a number and also write it out in English words, for example "42 (forty-two)".'
    ),
    check=lambda r, a: answer_in_words(r),
    witness=lambda a, rng: "7 + 5 = 12 so the result is 12 (twelve).",
    counterexample=lambda a, rng: "7 + 5 = 12 so the result is 12.",
    compose=_words_compose,
    phase=PHASE_AFFIX,
    conflicts=frozenset({"math:reduced_fraction", "language:response_language"}),
    answer_only=True,
    source=SOURCE,
    doc="The final answer (last \\boxed{}, else last number) is an integer and its English "
    "name appears in the response (hyphens, case and 'and' do not matter; a negative needs "
    "'minus' or 'negative'). Only drawn for items whose gold answer is an integer.",
)

# math:max_display_equations --------------------------------------------------

_ENVS = r"equation|align|gather|multline|eqnarray|displaymath|flalign"
_DELIMITER = re.compile(rf"\$\$|\\\[|\\\]|\\begin\{{(?P<b>{_ENVS})\*?\}}|\\end\{{(?P<e>{_ENVS})\*?\}}")
_BEGIN = re.compile(rf"\\begin\{{({_ENVS})\*?\}}")
_END = {env: re.compile(rf"\\end\{{{env}\*?\}}") for env in _ENVS.split("|")}


def count_display_equations(text: str) -> int:
    """Closed display blocks, in one pass (unclosed ones do not count)."""
    count, closer = 0, None
    for m in _DELIMITER.finditer(text):
        token = m.group(0)
        if closer is None:
            if token == "$$":
                closer = "$$"
            elif token == "\\[":
                closer = "\\]"
            elif m.group("b"):
                closer = m.group("b")
        elif token == closer or m.group("e") == closer:
            count, closer = count + 1, None
    return count


def _inline_between(text: str, opening: str, closing: str) -> str:
    """``re.sub(OPENING(.+?)CLOSING, "$" + content.strip() + "$", text, flags=re.DOTALL)``
    for two fixed strings, in one pass: a block runs to the first closing string
    at least one character after its opening one, and once an opening string has
    none after it, no later one has (the pattern would re-read the rest of the
    text from each of them)."""
    out, pos = [], 0
    while True:
        start = text.find(opening, pos)
        if start < 0:
            break
        end = text.find(closing, start + len(opening) + 1)
        if end < 0:
            break
        out += [text[pos:start], "$", text[start + len(opening) : end].strip(), "$"]
        pos = end + len(closing)
    out.append(text[pos:])
    return "".join(out)


def _inline_environments(text: str) -> str:
    """Each ``\\begin{ENV}...\\end{ENV}`` block (ENV one of _ENVS, a star allowed on
    either side) made ``$...$``, as the lazy DOTALL pattern with a backreference
    did, in one pass: an environment with no end after its begin fails, and so
    does every later begin of it, which is then skipped without a second search."""
    out, pos, search_from, unclosed = [], 0, 0, set()
    while (begin := _BEGIN.search(text, search_from)) is not None:
        env = begin.group(1)
        end = None if env in unclosed else _END[env].search(text, begin.end() + 1)
        if end is None:
            unclosed.add(env)
            search_from = begin.start() + 1
            continue
        out += [text[pos : begin.start()], "$", text[begin.end() : end.start()].strip(), "$"]
        pos = search_from = end.end()
    out.append(text[pos:])
    return "".join(out)


def _inline(text: str, args: Args, rng: random.Random) -> str:
    """Every display block made inline ``$...$``: the ``$$`` ones, then the ``\\[``
    ones, then environments (each a lazy match of at least one character)."""
    if count_display_equations(text) <= args["max_equations"]:
        return text
    text = _inline_between(text, "$$", "$$")
    text = _inline_between(text, "\\[", "\\]")
    return _inline_environments(text)


def _display_text(n: int) -> str:
    return "We add.\n" + "\n".join(f"$$7 + 5 = {10 + i}$$" for i in range(n)) + "\nso $x = 12$."


MAX_DISPLAY_EQUATIONS = Family(
    id="math:max_display_equations",
    category="math",
    params=(
        Param("max_equations", "int", minimum=0, maximum=MAX_COUNT, doc="most display equations allowed"),
    ),
    sample=lambda rng, ctx: {"max_equations": rng.randint(0, 3)},
    describe=lambda a: (
        f"Use at most {a['max_equations']} display equations ($$...$$, \\[...\\] or an equation "
        "environment); write all other mathematics inline."
    ),
    check=lambda r, a: count_display_equations(r) <= a["max_equations"],
    witness=lambda a, rng: _display_text(a["max_equations"]),
    counterexample=lambda a, rng: _display_text(a["max_equations"] + 1),
    compose=_inline,
    phase=PHASE_REMOVE,
    source=SOURCE,
    doc="At most N closed display blocks ($$...$$, \\[...\\], equation/align/gather/multline/"
    "eqnarray/displaymath/flalign environments, starred or not).",
)

# math:variable_name ----------------------------------------------------------

VARIABLES = ("n", "x", "t", "k", "m", "y")


def names_variable(response: str, var: str) -> bool:
    pattern = (
        r"\b(?i:let)\s+(?:\$|\\\()?\s*" + re.escape(var) + r"\s*(?:\$|\\\))?\s+"
        r"(?i:be|denotes?|represents?|stands?\s+for)\b"
    )
    return re.search(pattern, response) is not None


VARIABLE_NAME = Family(
    id="math:variable_name",
    category="math",
    params=(Param("variable", "choice", choices=VARIABLES, doc="the letter for the unknown"),),
    sample=lambda rng, ctx: {"variable": pick(rng, VARIABLES)},
    describe=lambda a: (
        f"Call the unknown quantity ${a['variable']}$ and introduce it explicitly, "
        f'as in "Let ${a["variable"]}$ be ...".'
    ),
    check=lambda r, a: names_variable(r, a["variable"]),
    witness=lambda a, rng: f"Let ${a['variable']}$ be the number of clips. Then ${a['variable']} = 12$.",
    counterexample=lambda a, rng: "The number of clips is 12.",
    compose=lambda t, a, rng: t + f" let ${a['variable']}$ {pick(rng, ('be', 'denote', 'stand for'))} it.",
    phase=PHASE_ADD,
    conflicts=frozenset({"change_case:english_capital", "language:response_language"}),
    source=SOURCE,
    doc="The response introduces the unknown with the given letter: 'Let n be', 'let $n$ "
    "denote', 'Let \\(n\\) stand for' (the letter is case-sensitive, the rest is not).",
)

# math:reduced_fraction -------------------------------------------------------


def _reduced(fraction: tuple[int, int] | None) -> bool:
    return fraction is not None and fraction[1] > 1 and math.gcd(abs(fraction[0]), fraction[1]) == 1


def reduced_fraction(response: str) -> bool:
    return _reduced(parse_fraction(final_answer(response)))


def _fraction_sample(rng: random.Random, ctx: Context) -> Args:
    _needs_gold("math:reduced_fraction", ctx, lambda g: _reduced(parse_fraction(g)))
    return {}


def _fraction_compose(text: str, args: Args, rng: random.Random) -> str:
    if reduced_fraction(text):
        return text
    a, b = pick(rng, FRACTIONS)
    frac = pick(rng, (f"\\frac{{{a}}}{{{b}}}", f"{a}/{b}"))
    boxed = _replace_last_box(text, frac)
    if boxed is None:  # a box, or a plain last number, is the final answer
        return text + (f" \\boxed{{{frac}}} = {a}/{b}" if rng.random() < 0.5 else f" {a}/{b}")
    return boxed + f" = {a}/{b}"


REDUCED_FRACTION = Family(
    id="math:reduced_fraction",
    category="math",
    params=(),
    sample=_fraction_sample,
    describe=lambda a: (
        "Give your final answer as a fraction in lowest terms, such as \\frac{3}{4} or 3/4, not as a decimal."
    ),
    check=lambda r, a: reduced_fraction(r),
    witness=lambda a, rng: "Dividing 3 by 4 gives 3/4.",
    counterexample=lambda a, rng: "Dividing 6 by 8 gives 6/8.",
    compose=_fraction_compose,
    phase=PHASE_AFFIX,
    conflicts=frozenset({"math:answer_in_words"}),
    answer_only=True,
    source=SOURCE,
    doc="The final answer (last \\boxed{}, else last number) is a/b or \\frac{a}{b} with "
    "b > 1 and gcd(a, b) = 1. Only drawn for items whose gold answer is such a fraction.",
)

MATHIF_FAMILIES: tuple[Family, ...] = ()  # MathIF has no maths-specific family
EXTENDED_FAMILIES = (
    SINGLE_BOXED,
    ANSWER_FIRST,
    ANSWER_IN_WORDS,
    MAX_DISPLAY_EQUATIONS,
    VARIABLE_NAME,
    REDUCED_FRACTION,
)
FAMILIES = (*MATHIF_FAMILIES, *EXTENDED_FAMILIES)
