"""Split a raw model output into its reasoning and its final answer.

Three modes are offered (see :func:`split_response`):

* ``"mathif"`` -- byte-for-byte the behaviour of the MathIF reference harness, quirks included;
* ``"last"``   -- reasoning ends at the *last* ``</think>``; without one the whole output is the
  answer;
* ``"strict"`` -- like ``"last"``, but an output without ``</think>`` has an empty answer (the
  model never finished thinking).

Every function here is total: it never raises on any ``str`` input. No whitespace is stripped
in any mode.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["THINK_MODES", "SplitResponse", "split_response"]

THINK_MODES = ("mathif", "last", "strict")

_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"
_ANSWER_OPEN = "<answer>"
_ANSWER_CLOSE = "</answer>"


@dataclass(frozen=True)
class SplitResponse:
    """A model output split into the reasoning (thinking) part and the final answer part."""

    reasoning: str
    answer: str


def _before(text: str, tag: str) -> str:
    """``text.split(tag)[0]`` (the whole text when ``tag`` is absent)."""
    i = text.find(tag)
    return text if i == -1 else text[:i]


def _second_piece(text: str, tag: str) -> str:
    """``text.split(tag)[1]`` if ``tag`` is in ``text``, else ``text``."""
    i = text.find(tag)
    if i == -1:
        return text
    start = i + len(tag)
    end = text.find(tag, start)
    return text[start:] if end == -1 else text[start:end]


def _split_mathif(h: str) -> SplitResponse:
    """Reproduce the MathIF reference harness exactly (including its quirks).

    The harness does::

        think = h
        if '</think>' in h: think = think.split('</think>')[0]
        if '<think>' in think: think = think.split('<think>')[1]
        answer = h
        if '<think>' in answer: answer = answer.split('<think>')[1]
        if '</think>' in answer: answer = answer.split('</think>')[1]
        if '<answer>' in answer: answer = answer.split('<answer>')[1]
        if '</answer>' in answer: answer = answer.split('</answer>')[0]

    Quirk: ``s.split(tag)[1]`` is the text between the first and the *second* occurrence of
    ``tag``, not everything after the first one. So with two ``</think>`` tags the answer is
    only the text between them (the real answer after the second one is dropped); with two
    ``<think>`` tags the reasoning/answer is cut at the second ``<think>``; with two
    ``<answer>`` tags only the text up to the second ``<answer>`` is kept.
    """
    # The same cuts with str.find: split(tag)[0] is the text before the first tag, and
    # split(tag)[1] the text between the first and the second (one pass, no list of pieces).
    think = _before(h, _THINK_CLOSE)
    think = _second_piece(think, _THINK_OPEN)
    answer = _second_piece(h, _THINK_OPEN)
    answer = _second_piece(answer, _THINK_CLOSE)
    answer = _second_piece(answer, _ANSWER_OPEN)
    answer = _before(answer, _ANSWER_CLOSE)
    return SplitResponse(reasoning=think, answer=answer)


def _strip_leading_think(text: str) -> str:
    """Remove one ``<think>`` tag at the start of ``text`` (after optional whitespace)."""
    stripped = text.lstrip()
    if stripped.startswith(_THINK_OPEN):
        return stripped[len(_THINK_OPEN) :]
    return text


def _extract_answer_tag(answer: str) -> str:
    """Keep the text after the first ``<answer>``, cut at the following ``</answer>``."""
    if _ANSWER_OPEN in answer:
        answer = answer.split(_ANSWER_OPEN, 1)[1]
    if _ANSWER_CLOSE in answer:
        answer = answer.split(_ANSWER_CLOSE, 1)[0]
    return answer


def _split_last(output: str, *, strict: bool) -> SplitResponse:
    """Split at the last ``</think>``; see :func:`split_response` for the no-tag behaviour."""
    idx = output.rfind(_THINK_CLOSE)
    if idx == -1:
        if strict:
            return SplitResponse(reasoning=_strip_leading_think(output), answer="")
        return SplitResponse(reasoning="", answer=_extract_answer_tag(output))
    reasoning = _strip_leading_think(output[:idx])
    answer = _extract_answer_tag(output[idx + len(_THINK_CLOSE) :])
    return SplitResponse(reasoning=reasoning, answer=answer)


def split_response(output: str, mode: str = "mathif") -> SplitResponse:
    """Split a raw model ``output`` into ``SplitResponse(reasoning, answer)``.

    Modes:

    * ``"mathif"``: exactly the MathIF reference harness (see :func:`_split_mathif`). Quirk:
      ``split(tag)[1]`` keeps only the text between the first and second occurrence of a tag,
      so e.g. ``"a</think>b</think>c"`` gives answer ``"b"``.
    * ``"last"``: reasoning is everything before the last ``</think>`` (minus one leading
      ``<think>`` tag, leading whitespace allowed); answer is everything after it. Without
      ``</think>`` the reasoning is ``""`` and the answer is the whole output.
    * ``"strict"``: like ``"last"``, but without ``</think>`` the answer is ``""`` and the
      reasoning is the whole output minus one leading ``<think>``.

    In ``"last"`` and ``"strict"`` the answer is then narrowed to the text after the first
    ``<answer>`` (if any), cut at the following ``</answer>`` (if any).

    Raises:
        ValueError: if ``mode`` is not one of :data:`THINK_MODES`. Never raises otherwise.
    """
    if mode == "mathif":
        return _split_mathif(output)
    if mode == "last":
        return _split_last(output, strict=False)
    if mode == "strict":
        return _split_last(output, strict=True)
    raise ValueError(f"unknown think mode {mode!r}; expected one of {THINK_MODES}")
