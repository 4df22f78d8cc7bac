"""Find the final answer in a response's answer text, in linear time, without any maths library.

The rules (what :func:`final_answer` returns):

1. The *last final-answer marker by position* wins. A marker is
   - a ``\\boxed{...}`` or ``\\fbox{...}`` whose braces balance (anywhere in the text; an
     unclosed or empty one is no marker). Boxes just before the last one with only separators
     between them (spaces, ``$``, ``,``, ``;``, ``and``, ``or``, LaTeX spacing) join it as a
     list: ``$\\boxed{3}$ and $\\boxed{5}$`` gives ``3,5`` (a repeated content once);
   - a final-answer statement: ``The answer is X``, ``the final answer is: X``,
     ``Final answer: X``, ``Answer = X``, ``"answer": X`` (JSON), a ``Final Answer`` heading
     with ``X`` on the lines below, ``#### X`` or ``<answer>X</answer>``.
   A box inside a statement starts after it, so ``The answer is $\\boxed{5}$`` is the box;
   a statement inside the last box (``\\boxed{\\text{the answer is 5}}``) does not beat it.
2. A statement counts only if it states something: its ``X`` is a LaTeX span (``$...$``,
   ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``), or, cut at the end of its line or sentence, an
   expression (no prose, see :func:`is_expression`), or it starts with a number
   (``The answer is 9 apples`` gives ``9``; a few filler words such as ``therefore`` may come
   first). Quotes, ``**``, a closing full stop and the unmatched ``}`` of a JSON object around
   it are dropped. ``The answer is not obvious`` is no marker, and an earlier one is used
   instead.
   The content of ``<answer>...</answer>`` counts when it is an expression (after the
   delimiter stripping of rule 3).
3. Without any marker, the whole text is the answer only if it is itself just a number or
   expression once whitespace, one pair of double quotes, a trailing full stop and one pair
   of ``$``/``$$``/``\\(...\\)``/``\\[...\\]`` delimiters are stripped. Otherwise there is no answer: prose is never searched
   for its last number.

Every step is a regular-expression scan or a single pass over the text (the boxes are matched
with a stack of open braces), so the cost is linear in the length of the text; there is no
length cut. A statement's content is read from at most :data:`STATEMENT_WINDOW` characters
after its marker, and never past the next marker (so no character is read for two markers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "FinalAnswer",
    "MAX_ANSWER_CHARS",
    "STATEMENT_WINDOW",
    "Source",
    "final_answer",
    "is_expression",
    "strip_delimiters",
]

Source = Literal["boxed", "statement", "bare", "none"]

MAX_ANSWER_CHARS = 1_000
"""A candidate longer than this is no expression (a bare answer or statement); boxes keep theirs."""
STATEMENT_WINDOW = 1_000
"""How far after a statement marker its content is looked for."""


@dataclass(frozen=True)
class FinalAnswer:
    """The final answer found in a text: ``text`` (stripped; ``None``: none) and where it came from."""

    text: str | None
    source: Source
    position: int = -1  # where its marker starts in the text (-1: none)


_NONE = FinalAnswer(None, "none")

# --- boxes -------------------------------------------------------------------------------------

_BOX_TOKENS = re.compile(r"\\(?:boxed|fbox)\s*\{|[{}]")
_JOINER = re.compile(r"(?:\s|\$|,|;|\\[,;:!]|\\q?quad\b|\\text\s*\{\s*(?:and|or)\s*\}|\b(?:and|or)\b)*")


@dataclass(frozen=True)
class _Box:
    start: int  # where ``\boxed`` starts
    content_start: int  # after its opening brace
    end: int  # index of its closing brace

    def content(self, text: str) -> str:
        return text[self.content_start : self.end].strip()

    def is_empty(self, text: str) -> bool:
        return _NON_SPACE.search(text, self.content_start, self.end) is None


_NON_SPACE = re.compile(r"\S")


def _closed_boxes(text: str) -> list[_Box]:
    """Every ``\\boxed{...}``/``\\fbox{...}`` whose braces balance, in order of their start.

    One pass with a stack of open braces (escaped braces count too, as in math-verify): a box
    closes at the brace that closes its own opening brace. Unmatched closing braces are ignored.
    Contents are not copied here (nested boxes would copy the text many times over).
    """
    first = min((i for i in (text.find("\\boxed"), text.find("\\fbox")) if i >= 0), default=-1)
    if first < 0:
        return []
    stack: list[tuple[int, int] | None] = []  # (box start, content start) or None for a brace
    boxes: list[_Box] = []
    for token in _BOX_TOKENS.finditer(text, first):  # braces before the first box do not matter
        if token.group() == "}":
            if stack:
                opened = stack.pop()
                if opened is not None:
                    boxes.append(_Box(opened[0], opened[1], token.start()))
        elif token.group() == "{":
            stack.append(None)
        else:
            stack.append((token.start(), token.end()))
    boxes.sort(key=lambda box: box.start)
    return boxes


def _should_join(text: str, start: int, stop: int) -> bool:
    """Whether two boxes are one answer given as a list: only separators in ``text[start:stop]``
    (spaces, ``$``, ``,``, ``;``, ``and``, ``or``, LaTeX spacing)."""
    return _JOINER.fullmatch(text, start, stop) is not None


def _last_box(text: str) -> tuple[FinalAnswer, int] | None:
    """The last closed, non-empty box with the boxes joined to it, and where it ends."""
    boxes = _closed_boxes(text)
    while boxes and boxes[-1].is_empty(text):
        boxes.pop()
    if not boxes:
        return None
    last = boxes[-1]
    contents = [last.content(text)]
    first = last
    for box in reversed(boxes[:-1]):
        if box.end >= first.start or not _should_join(text, box.end + 1, first.start):
            break
        if box.is_empty(text):
            continue
        content = box.content(text)
        if content != contents[-1]:
            contents.append(content)
        first = box
    return FinalAnswer(",".join(reversed(contents)), "boxed", last.start), last.end


# --- statements --------------------------------------------------------------------------------

_MARKER = re.compile(
    r"(?P<hash>\#{4})"
    r"|(?P<tag><answer>)"
    r"|\b(?:final\s+)?answer[\"'”’]?(?:\*\*|\})?\s*(?:\bis\b\s*:?|:|=)"
    r"|\bfinal\s+answer\b(?:\*\*)?[ \t]*(?=\n)",  # a heading: the answer on the lines below
    re.IGNORECASE,
)
_TAG_END = re.compile(r"</answer>", re.IGNORECASE)
_LEAD = re.compile(
    r"[\s*:=}\"'“‘]*(?:(?:therefore|thus|then|hence|clearly|simply|just|exactly)\b[\s,]*)?", re.I
)
_MATH_SPANS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))
_SENTENCE_END = re.compile(r"[.!?](?=[\s\"'”’]|$)|</")
_LEADING_NUMBER = re.compile(
    r"(?:\\?\$\s?)?"
    r"(?P<number>-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?(?:\s*\\?%)?)"
    r"(?![\w.,]?\d|[A-Za-z])"
)
_TRAILING = re.compile(r"[\s*\"'”’.,;:]+$")


def _one_span(window: str, start: int) -> tuple[str, int] | None:
    """The content of the LaTeX span at ``window[start:]`` and where it ends (``None``: none)."""
    for opener, closer in _MATH_SPANS:
        if window.startswith(opener, start):
            stop = start + len(opener)
            while True:
                stop = window.find(closer, stop)
                if stop < 0:
                    return None
                if window[stop - 1] != "\\" or closer.startswith("\\"):
                    break
                stop += 1
            content = window[start + len(opener) : stop]
            if opener == "$" and "\n" in content:
                return None  # inline maths stays on one line
            return content.strip(), stop + len(closer)
    return None


_LIST_SEPARATOR = re.compile(r"\s*(?:,\s*(?:and|or)?|and|or)\s*")


def _math_span(window: str) -> str | None:
    """The content of the LaTeX span at the start of ``window``, with the spans that follow
    it as a list (``$1$, $2$ and $3$`` gives ``1,2,3``, up to six, as math-verify reads them);
    ``None``: no closed span there."""
    span = _one_span(window, 0)
    if span is None:
        return None
    contents, end = [span[0]], span[1]
    while (
        len(contents) < 6 and (separator := _LIST_SEPARATOR.match(window, end)) and separator.group().strip()
    ):
        following = _one_span(window, separator.end())
        if following is None:
            break
        contents.append(following[0])
        end = following[1]
    return ",".join(contents)


def _statement(window: str) -> str | None:
    """What a statement whose content starts ``window`` states, or ``None`` (it states nothing)."""
    window = window[_LEAD.match(window).end() :]  # type: ignore[union-attr]  # always matches
    span = _math_span(window)
    if span is not None and is_expression(span):
        return span
    line = window.split("\n", 1)[0]
    end = _SENTENCE_END.search(line)
    content = _TRAILING.sub("", line[: end.start()] if end else line)
    while content.endswith("}") and content.count("}") > content.count("{"):
        content = _TRAILING.sub("", content[:-1])  # the end of a JSON object or a group
    if content[:1] == "$" and content[1:2].isdigit():
        content = content[1:]  # a dollar sign, not maths: "The answer is $18."
    if is_expression(content):
        return content
    number = _LEADING_NUMBER.match(content)
    return number.group("number").strip() if number else None


def _tag_content(text: str, start: int, stop: int) -> str | None:
    """The content of an ``<answer>`` tag that starts at ``start`` (read no further than
    ``stop``), if it is an expression."""
    end = _TAG_END.search(text, start, stop)
    return _bare(text[start : end.start() if end else stop])


# --- bare answers ------------------------------------------------------------------------------

_DELIMITERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))
_QUOTES = (('"', '"'), ("“", "”"))


def strip_delimiters(text: str) -> str:
    """``text`` without surrounding whitespace, one pair of double quotes wrapping all of it, a
    trailing full stop and one pair of maths delimiters wrapping all of it (``$...$``,
    ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``)."""
    text = text.strip()
    for opener, closer in _QUOTES:
        if len(text) >= 2 and text.startswith(opener) and text.endswith(closer):
            text = text[1:-1].strip()
            break
    text = text.removesuffix(".").strip()
    for opener, closer in _DELIMITERS:
        if len(text) >= len(opener) + len(closer) and text.startswith(opener) and text.endswith(closer):
            return text[len(opener) : len(text) - len(closer)].strip().removesuffix(".").strip()
    return text


_TEXT_GROUP = re.compile(
    r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname|begin|end)\s*\{[^{}]*\}"
)
_COMMAND = re.compile(r"\\[a-zA-Z]+")
_PROSE_WORD = re.compile(r"(?<![A-Za-z])(?=[A-Za-z]*[a-z])[A-Za-z]{3,}(?![A-Za-z])")
_CONNECTIVES = frozenset({"and"})


def is_expression(text: str) -> bool:
    """Whether ``text`` is just a number or expression: not blank, at most
    :data:`MAX_ANSWER_CHARS` long, with a letter or digit, no ``\\boxed``/``\\fbox`` (a box
    that does not close), and no word of three or more letters
    with a lower-case one (prose, ``apples``, ``sin``) outside ``\\text{}``-like groups and LaTeX
    commands (``and`` is allowed: ``3 and 5``)."""
    if not text or len(text) > MAX_ANSWER_CHARS or not any(ch.isalnum() for ch in text):
        return False
    if "\\boxed" in text or "\\fbox" in text:
        return False  # a box left open: it would be a marker if it were closed
    bare = _COMMAND.sub(" ", _TEXT_GROUP.sub(" ", text))
    return all(word.group().lower() in _CONNECTIVES for word in _PROSE_WORD.finditer(bare))


def _bare(text: str) -> str | None:
    """``text`` as a bare answer (delimiters stripped) if it is an expression, else ``None``."""
    content = strip_delimiters(text)
    return content if is_expression(content) else None


# --- the final answer --------------------------------------------------------------------------


def final_answer(text: str) -> FinalAnswer:
    """The final answer of ``text`` by the rules of this module (linear time, never raises)."""
    boxed = _last_box(text)
    after = boxed[0].position if boxed else -1
    inside_until = boxed[1] if boxed else -1
    # markers after the last box only (no marker can reach over a box's backslash, so starting
    # the search there finds the very markers a search of the whole text would find there)
    markers = list(_MARKER.finditer(text, after + 1))
    stop = len(text)
    for marker in reversed(markers):
        if marker.start() < inside_until:
            break  # a statement inside the last box: the box is the answer
        # a statement's content ends where the next marker starts: each character is read once
        stop = min(stop, marker.end() + STATEMENT_WINDOW)
        if marker.group("tag"):
            stated = _tag_content(text, marker.end(), stop)
        else:
            stated = _statement(text[marker.end() : stop])
        if stated is not None:
            return FinalAnswer(stated, "statement", marker.start())
        stop = marker.start()
    if boxed:
        return boxed[0]
    bare = _bare(text)
    return FinalAnswer(bare, "bare", 0) if bare is not None else _NONE
