"""Tests for curation.scoring.split.split_response."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.scoring.split import THINK_MODES, SplitResponse, split_response


def _mathif_reference(h: str) -> tuple[str, str]:
    """Verbatim transcription of the MathIF reference harness."""
    think = h
    if "</think>" in h:
        think = think.split("</think>")[0]
    if "<think>" in think:
        think = think.split("<think>")[1]
    answer = h
    if "<think>" in answer:
        answer = answer.split("<think>")[1]
    if "</think>" in answer:
        answer = answer.split("</think>")[1]
    if "<answer>" in answer:
        answer = answer.split("<answer>")[1]
    if "</answer>" in answer:
        answer = answer.split("</answer>")[0]
    return think, answer


# --- mathif -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "reasoning", "answer"),
    [
        ("no tags at all", "no tags at all", "no tags at all"),
        ("", "", ""),
        ("<think>r</think>a", "r", "a"),
        ("r</think>a", "r", "a"),  # template already opened <think>
        ("<think>r</think> <answer>42</answer> bye", "r", "42"),
        # Quirk: split('</think>')[1] keeps only the text between the 1st and 2nd </think>.
        ("<think>r1</think>mid</think>final", "r1", "mid"),
        # Quirk: two <think> tags: answer is cut at the second <think>.
        ("<think>a<think>b</think>c", "a", "a"),
        # Quirk: two <answer> tags: only text up to the second <answer> is kept.
        ("x</think><answer>1<answer>2</answer>", "x", "1"),
        ("<answer>7</answer>", "<answer>7</answer>", "7"),
        ("<think>unfinished", "unfinished", "unfinished"),
    ],
)
def test_mathif_cases(output: str, reasoning: str, answer: str) -> None:
    assert split_response(output, "mathif") == SplitResponse(reasoning, answer)
    assert split_response(output) == split_response(output, "mathif")  # default mode


_TAGGY = st.lists(
    st.sampled_from(["<think>", "</think>", "<answer>", "</answer>", "a", "b", " ", "\n"]),
    max_size=12,
).map("".join)


@settings(max_examples=300)
@given(st.one_of(_TAGGY, st.text()))
def test_mathif_matches_reference_exactly(output: str) -> None:
    res = split_response(output, "mathif")
    assert (res.reasoning, res.answer) == _mathif_reference(output)


# --- last / strict ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "last", "strict"),
    [
        ("no tags", ("", "no tags"), ("no tags", "")),
        ("", ("", ""), ("", "")),
        ("<think>r</think>a", ("r", "a"), ("r", "a")),
        ("  <think>r</think>a", ("r", "a"), ("r", "a")),
        ("r</think>a", ("r", "a"), ("r", "a")),
        (
            "<think>r1</think>mid</think>final",
            ("r1</think>mid", "final"),
            ("r1</think>mid", "final"),
        ),
        ("<think>r</think><answer>42</answer>tail", ("r", "42"), ("r", "42")),
        ("<think>r</think><answer>1<answer>2</answer>", ("r", "1<answer>2"), ("r", "1<answer>2")),
        ("<answer>7</answer>", ("", "7"), ("<answer>7</answer>", "")),
        ("<think>unfinished", ("", "<think>unfinished"), ("unfinished", "")),
        ("<think>a<think>b</think>c", ("a<think>b", "c"), ("a<think>b", "c")),
    ],
)
def test_last_and_strict_cases(output: str, last: tuple[str, str], strict: tuple[str, str]) -> None:
    assert split_response(output, "last") == SplitResponse(*last)
    assert split_response(output, "strict") == SplitResponse(*strict)


def test_unknown_mode_raises() -> None:
    with pytest.raises(ValueError, match="unknown think mode"):
        split_response("x", "nope")


def test_split_response_is_frozen() -> None:
    res = split_response("a</think>b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.answer = "c"  # type: ignore[misc]


@settings(max_examples=300)
@given(st.one_of(_TAGGY, st.text()), st.sampled_from(THINK_MODES))
def test_split_response_total(output: str, mode: str) -> None:
    res = split_response(output, mode)
    assert isinstance(res.reasoning, str)
    assert isinstance(res.answer, str)
    if mode != "mathif" and "</think>" in output:
        # last/strict: the answer comes strictly after the last </think>.
        assert "</think>" not in res.answer
        assert res.answer in output[output.rfind("</think>") + len("</think>") :]
