"""``diff_versions`` on small hand-made versions: matching, moves between tiers, the mix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from curation.core import InputError
from curation.dataset import diff_versions

TIER = {1: "single", 2: "double", 3: "triple"}
FAMILIES = ("punctuation:no_comma", "startend:quotation", "change_case:english_lowercase")


def row(pid: str, tier: int, split: str = "gsm8k", answer: str = "42", **fields: Any) -> dict[str, Any]:
    """An item in the tool's format: ``split`` and ``num_constraints`` say where it belongs."""
    names = list(fields.pop("names", FAMILIES[:tier]))
    return {
        "id": f"{split}-{TIER[tier]}-{pid}",
        "question": f"Question {pid}?",
        "answer": answer,
        "constraint_name": names,
        "constraint_args": [None] * len(names),
        "problem_id": pid,
        "split": split,
        "num_constraints": tier,
    } | fields


def mathif_row(question: str, names: list[str], answer: str = "42") -> dict[str, Any]:
    """An item in MathIF's format: no problem id, no split, no tier."""
    return {
        "source": "toy",
        "id": "x",
        "question": question,
        "answer": answer,
        "constraint_desc": ["..."] * len(names),
        "constraint_name": names,
        "constraint_args": [None] * len(names),
    }


def version(root: Path, files: dict[str, list[dict[str, Any]]]) -> Path:
    root.mkdir()
    for name, rows in files.items():
        (root / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def diff(tmp_path: Path, old: dict[str, list[dict]], new: dict[str, list[dict]]) -> dict[str, Any]:
    return diff_versions(version(tmp_path / "old", old), version(tmp_path / "new", new))


def balanced(d: dict[str, Any]) -> None:
    """Every count the docstring promises adds up."""
    s = d["summary"]
    assert s["old_items"] == s["removed"] + s["moved"] + s["changed"] + s["unchanged"]
    assert s["new_items"] == s["added"] + s["moved"] + s["changed"] + s["unchanged"]
    for row_ in d["splits"].values():
        assert (
            row_["new"]
            == row_["old"] - row_["removed"] - row_["moved_out"] + row_["added"] + row_["moved_in"]
        )
    assert sum(r["moved_in"] for r in d["splits"].values()) == s["moved"]
    assert sum(r["moved_out"] for r in d["splits"].values()) == s["moved"]
    assert (
        len(d["moved"]) == s["moved"] and len(d["added"]) == s["added"] and len(d["removed"]) == s["removed"]
    )


def test_a_problem_moved_from_single_to_double_is_one_move(tmp_path):
    d = diff(
        tmp_path,
        {"gsm8k_single": [row("p1", 1), row("p2", 1)], "gsm8k_double": [row("p3", 2)]},
        {"gsm8k_single": [row("p2", 1)], "gsm8k_double": [row("p3", 2), row("p1", 2)]},
    )
    assert d["summary"] == {
        "old_items": 3,
        "new_items": 3,
        "added": 0,
        "removed": 0,
        "moved": 1,
        "changed": 0,
        "unchanged": 2,
    }
    assert d["moved"] == [
        {
            "split": "gsm8k",
            "problem": "p1",
            "old_split": "gsm8k_single",
            "new_split": "gsm8k_double",
            "old_id": "gsm8k-single-p1",
            "new_id": "gsm8k-double-p1",
            "old_tier": 1,
            "new_tier": 2,
            "constraints_changed": True,  # a second constraint came with the tier
            "answer_changed": False,
            "old_constraints": ["punctuation:no_comma null @answer"],
            "new_constraints": ["punctuation:no_comma null @answer", "startend:quotation null @answer"],
        }
    ]
    assert d["splits"] == {
        "gsm8k_single": {
            "old": 2,
            "new": 1,
            "added": 0,
            "removed": 0,
            "moved_in": 0,
            "moved_out": 1,
            "changed": 0,
        },
        "gsm8k_double": {
            "old": 1,
            "new": 2,
            "added": 0,
            "removed": 0,
            "moved_in": 1,
            "moved_out": 0,
            "changed": 0,
        },
    }
    assert d["added"] == d["removed"] == []
    balanced(d)


def test_a_move_says_whether_its_answer_changed_and_other_splits_do_not_move(tmp_path):
    d = diff(
        tmp_path,
        {"gsm8k_single": [row("p1", 1), row("p2", 1)]},
        {
            "gsm8k_triple": [row("p1", 3, answer="43")],
            "math500_double": [row("p2", 2, split="math500")],  # another recipe split: no move
        },
    )
    assert [(m["problem"], m["new_split"], m["answer_changed"]) for m in d["moved"]] == [
        ("p1", "gsm8k_triple", True)
    ]
    assert d["removed"] == [{"split": "gsm8k_single", "problem": "p2", "id": "gsm8k-single-p2"}]
    assert d["added"] == [{"split": "math500_double", "problem": "p2", "id": "math500-double-p2"}]
    balanced(d)


def test_occurrences_are_matched_first_and_moves_pair_the_lowest_tiers_first(tmp_path):
    d = diff(
        tmp_path,
        {
            "gsm8k_single": [row("p", 1, id="a"), row("p", 1, id="b")],  # the problem twice
            "gsm8k_triple": [row("p", 3, id="c")],
        },
        {"gsm8k_single": [row("p", 1, id="a")], "gsm8k_double": [row("p", 2, id="d")]},
    )
    s = d["summary"]
    assert (s["unchanged"], s["moved"], s["removed"], s["added"]) == (1, 1, 1, 0)
    # the second single item (tier 1) moved to double; the triple item is removed
    assert [(m["old_id"], m["new_id"], m["old_tier"], m["new_tier"]) for m in d["moved"]] == [
        ("b", "d", 1, 2)
    ]
    assert d["removed"] == [{"split": "gsm8k_triple", "problem": "p", "id": "c"}]
    balanced(d)


def test_the_diff_is_the_same_whatever_the_file_order(tmp_path):
    old = {"gsm8k_single": [row(f"p{i}", 1) for i in range(6)]}
    new = {
        "gsm8k_double": [row(f"p{i}", 2) for i in (4, 0, 2)],
        "gsm8k_triple": [row(f"p{i}", 3) for i in (5, 1)],
    }
    shuffled = {k: list(reversed(v)) for k, v in reversed(new.items())}
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    first, second = diff(tmp_path / "a", old, new), diff(tmp_path / "b", old, shuffled)
    for d in (first, second):
        d.pop("old"), d.pop("new")
    assert first == second
    assert [m["problem"] for m in first["moved"]] == ["p0", "p1", "p2", "p4", "p5"]
    assert list(first["splits"]) == ["gsm8k_single", "gsm8k_double", "gsm8k_triple"]  # MathIF's order
    balanced(first)


def test_mathif_files_without_split_fields_move_by_their_file_names(tmp_path):
    q = "What is 6 times 7?"
    d = diff(
        tmp_path,
        {"gsm8k_single": [mathif_row(q, ["punctuation:no_comma"])]},
        {"gsm8k_double": [mathif_row(q, ["punctuation:no_comma"])]},  # the tier from the name only
    )
    assert [(m["split"], m["problem"], m["old_tier"], m["new_tier"]) for m in d["moved"]] == [
        ("gsm8k", q, 1, 2)
    ]
    assert d["moved"][0]["constraints_changed"] is False and d["moved"][0]["answer_changed"] is False
    balanced(d)


def test_row_fields_win_over_file_names_and_plain_files_never_move(tmp_path):
    d = diff(
        tmp_path,
        {"a": [row("p1", 1)], "x": [mathif_row("Q?", ["punctuation:no_comma"])]},
        {"b": [row("p1", 2)], "y": [mathif_row("Q?", ["punctuation:no_comma"])]},
    )
    assert [(m["split"], m["old_split"], m["new_split"]) for m in d["moved"]] == [("gsm8k", "a", "b")]
    # x and y are recipe splits of their own: removed and added
    assert [r["split"] for r in d["removed"]] == ["x"] and [a["split"] for a in d["added"]] == ["y"]
    balanced(d)


def test_the_family_and_scope_mix(tmp_path):
    d = diff(
        tmp_path,
        {
            "gsm8k_single": [row("p1", 1), row("p2", 1)],
            "gsm8k_double": [row("p3", 2, constraint_scope=["answer", "answer"])],
        },
        {
            "gsm8k_single": [row("p1", 1, names=["math:single_boxed"], constraint_scope=["both"])],
            "gsm8k_double": [row("p3", 2, constraint_scope=["reasoning", "answer"])],
        },
    )
    assert d["families"]["old"] == {"punctuation:no_comma": 3, "startend:quotation": 1}
    assert d["families"]["new"] == {
        "math:single_boxed": 1,
        "punctuation:no_comma": 1,
        "startend:quotation": 1,
    }
    assert d["families"]["added"] == ["math:single_boxed"] and d["families"]["removed"] == []
    assert d["families"]["changed"] == [  # biggest change first
        {"family": "punctuation:no_comma", "old": 3, "new": 1, "delta": -2},
        {"family": "math:single_boxed", "old": 0, "new": 1, "delta": 1},
    ]
    # absent scope = answer; every scope is counted, even at 0, in this order
    assert d["scopes"]["old"] == {"answer": 4, "reasoning": 0, "both": 0}
    assert d["scopes"]["new"] == {"answer": 1, "reasoning": 1, "both": 1}
    assert [(c["scope"], c["delta"]) for c in d["scopes"]["changed"]] == [
        ("answer", -3),
        ("both", 1),
        ("reasoning", 1),
    ]


def test_an_item_without_problem_or_question_is_one_line(tmp_path):
    bad = row("p", 1) | {"problem_id": "", "question": ""}
    with pytest.raises(InputError, match=r"s\.jsonl:1: item has neither problem_id nor question"):
        diff(tmp_path, {"s": [bad]}, {"s": []})
