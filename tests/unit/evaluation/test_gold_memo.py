"""Gradability verdicts remembered between runs give the same results, and a bad memo file
is no memo."""

from __future__ import annotations

import json

from curation.evaluation import gold_memo
from curation.scoring import grading

GOLDS = ["\\frac{\\sqrt{3}}{2}", "np.arcsin(10/13)", "(1, 2)", "42"]


def _fresh() -> None:
    grading._gold.cache_clear()
    grading._math_verify_verdict.cache_clear()


def test_remembered_verdicts_are_the_verdicts(tmp_path):
    path = tmp_path / "cache" / "gradable.json"
    _fresh()
    judged = {g: grading.is_gradable(g) for g in GOLDS}
    assert judged == {"\\frac{\\sqrt{3}}{2}": True, "np.arcsin(10/13)": False, "(1, 2)": True, "42": True}
    gold_memo.remember(GOLDS, path)
    doc = json.loads(path.read_text())
    assert doc["fingerprint"] == grading.grader_fingerprint()
    assert len(doc["gradable"]) == 3  # the plain number is judged without math-verify: not kept
    assert "np.arcsin" not in path.read_text()  # keyed by sha256, no gold text

    _fresh()
    gold_memo.recall(GOLDS, path)
    assert {g: grading._gold(g).gradable for g in GOLDS[:3]} == {g: judged[g] for g in GOLDS[:3]}
    assert {g: grading.is_gradable(g) for g in GOLDS} == judged
    before = path.read_bytes()
    gold_memo.remember(GOLDS, path)  # nothing new: not rewritten
    assert path.read_bytes() == before


def test_a_bad_or_foreign_memo_is_no_memo(tmp_path):
    path = tmp_path / "gradable.json"
    for text in ("not json", "[]", json.dumps({"fingerprint": "other", "gradable": {"0" * 64: False}})):
        path.write_text(text)
        _fresh()
        gold_memo.recall(GOLDS, path)
        assert all(grading._gold(g).gradable is None for g in GOLDS)
    # under this fingerprint, an entry whose verdict is not a boolean is ignored
    key = gold_memo._key("(1, 2)")
    path.write_text(json.dumps({"fingerprint": grading.grader_fingerprint(), "gradable": {key: "yes"}}))
    _fresh()
    gold_memo.recall(GOLDS, path)
    assert grading._gold("(1, 2)").gradable is None


def test_an_unwritable_memo_is_skipped(tmp_path):
    (tmp_path / "file").write_text("x")
    _fresh()
    grading.is_gradable(GOLDS[0])
    gold_memo.remember(GOLDS, tmp_path / "file" / "gradable.json")  # no error
