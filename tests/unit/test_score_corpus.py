"""The corpus generator of ``benchmarks/score_bench.py`` (``benchmarks/score_corpus.py``).

Deterministic (same seed, same bytes; a bigger corpus holds the smaller one), its truth
labels agree with the texts (an independent reading of the last stated answer), and the mix
is roughly what the module says.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest

from curation.core import open_dataset
from curation.evaluation.data import eval_items
from tests.support.paths import REFERENCE, ROOT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_corpus", ROOT / "benchmarks" / "score_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("score_corpus", module)
    spec.loader.exec_module(module)
    return module


sc = _load()


@pytest.fixture(scope="module")
def items():
    return eval_items(open_dataset(REFERENCE))


@pytest.fixture(scope="module")
def corpus(items, tmp_path_factory):
    """1,260 responses (three samples of every item): (generation, truth) pairs and stats."""
    folder = tmp_path_factory.mktemp("corpus")
    gens, truth = folder / "g.jsonl", folder / "t.jsonl"
    stats = sc.write_corpus(items, 3 * len(items), 7, gens, truth)
    rows = [json.loads(line) for line in gens.open(encoding="utf-8")]
    truths = [json.loads(line) for line in truth.open(encoding="utf-8")]
    golds = {e.key: e.item.answer for e in items}
    return list(zip(rows, truths, strict=True)), stats, golds, gens, truth


def test_same_seed_same_bytes(items, tmp_path: Path, corpus) -> None:
    _, stats, _, gens, truth = corpus
    again = sc.write_corpus(items, 3 * len(items), 7, tmp_path / "g.jsonl", tmp_path / "t.jsonl")
    assert (tmp_path / "g.jsonl").read_bytes() == gens.read_bytes()
    assert (tmp_path / "t.jsonl").read_bytes() == truth.read_bytes()
    assert again.sha256 == stats.sha256
    other = sc.write_corpus(items, 50 + len(items), 8, tmp_path / "o.jsonl", tmp_path / "u.jsonl")
    assert other.sha256 != stats.sha256


def test_bigger_corpus_holds_the_smaller(items, tmp_path: Path, corpus) -> None:
    _, _, _, gens, _ = corpus
    sc.write_corpus(items, len(items) + 5, 7, tmp_path / "small.jsonl", tmp_path / "t.jsonl")
    small = (tmp_path / "small.jsonl").read_bytes()
    assert gens.read_bytes().startswith(small)


def test_keys_and_samples(corpus) -> None:
    pairs, _, golds, _, _ = corpus
    seen = set()
    for j, (row, truth) in enumerate(pairs):
        assert (row["key"], row["sample"]) == (truth["key"], truth["sample"])
        assert row["sample"] == j // len(golds)
        assert row["key"] in golds
        seen.add((row["key"], row["sample"]))
    assert len(seen) == len(pairs)


# an independent reading of the last stated answer ----------------------------------------

_STATED = re.compile(
    r"\\boxed\{|the answer is |#### |final answer: ",
    re.IGNORECASE,
)


def _braced(text: str, start: int) -> str:
    depth, i = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start : i - 1]


def last_stated(answer: str) -> str | None:
    """The value of the last answer statement in ``answer`` (None: no statement)."""
    last = None
    for m in _STATED.finditer(answer):
        last = m
    if last is None:
        return None
    if last.group().startswith("\\boxed"):
        return _braced(answer, last.end())
    rest = answer[last.end() :].split("\n", 1)[0].strip()
    rest = rest.removesuffix(".").strip()
    return rest.strip("$").strip()


def _value(text: str) -> Fraction | None:
    text = text.strip().replace("$", "")
    m = re.fullmatch(r"(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}", text)
    if m:
        return Fraction(int(m.group(2)), int(m.group(3))) * (-1 if m.group(1) else 1)
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


def same(stated: str, gold: str) -> bool:
    a, b = _value(stated), _value(gold)
    if a is not None and b is not None:
        return a == b
    return stated.strip().lower() == sc.boxable(gold).lower()


def answer_part(output: str) -> str | None:
    if "</think>" not in output:
        return None
    answer = output.split("</think>", 1)[1]
    if "<answer>" in answer:
        answer = answer.split("<answer>", 1)[1].split("</answer>", 1)[0]
    return answer


def test_truth_labels_agree_with_the_texts(corpus) -> None:
    pairs, _, golds, _, _ = corpus
    checked = dict.fromkeys(sc.TRUTHS, 0)
    for row, truth in pairs:
        out, gold, label = row["output"], golds[row["key"]], truth["truth"]
        assert label in sc.TRUTHS
        assert truth["chars"] == len(out)
        if truth["form"] == "blank":
            assert not out.strip() and label == "none"
        elif truth["form"] == "truncated":
            assert out.startswith("<think>") and "</think>" not in out and label == "none"
            assert "\\boxed" not in out
        answer = answer_part(out)
        if label == "none":
            assert answer is None or "\\boxed" not in answer
            assert answer is None or last_stated(answer) is None
        else:
            assert answer is not None, truth
            stated = last_stated(answer)
            assert stated is not None, (truth, answer[-300:])
            if label == "correct":
                assert same(stated, gold), (truth, stated, gold)
            else:
                assert not same(stated, gold), (truth, stated, gold)
        checked[label] += 1
    assert all(checked[t] > 100 for t in sc.TRUTHS), checked


def test_mix_is_roughly_as_specified(corpus) -> None:
    pairs, stats, _, _, _ = corpus
    n = stats.responses
    assert n == len(pairs) == sum(stats.forms.values())
    assert 0.05 < stats.forms["truncated"] / n < 0.11
    assert 0.02 < stats.forms["blank"] / n < 0.065
    assert 0.03 < stats.tags / n < 0.08
    answered = n - stats.forms["truncated"] - stats.forms["blank"]
    assert 0.4 < stats.follows / answered < 0.6
    assert set(stats.forms) == {*sc.FORMS, "truncated", "blank"}
    lengths = [t["chars"] for _, t in pairs if t["form"] != "blank"]
    assert min(lengths) >= 9_000 and max(lengths) <= 62_000
    assert 32_000 < sum(lengths) / len(lengths) < 40_000
    for row, truth in pairs:
        if truth["form"] == "boxed_early":
            answer = answer_part(row["output"])
            assert answer is not None
            assert len(answer) - answer.rindex("\\boxed{") > 4_000
        if truth["tags"]:
            assert "<answer>" in row["output"] and truth["form"] in sc.VALUE_FORMS


def test_values() -> None:
    assert sc.equal_forms("\\frac{1}{2}") == ["1/2", "0.5"]
    assert sc.equal_forms("-\\dfrac{17}{50}") == ["-17/50", "-0.34"]
    assert sc.equal_forms("\\frac{3}{56}") == ["3/56"]
    assert sc.equal_forms("902") == []
    rng = random.Random(0)
    assert sc.wrong_value("902", rng) == "802"
    assert sc.wrong_value("\\frac{1}{2}", rng) == "\\frac{2}{2}"
    assert sc.wrong_value("9", rng) == "8"
    w = sc.wrong_value("\\text{even}", rng)
    assert w.isdigit() and w not in "\\text{even}"
    assert sc.boxable("$\\frac{1}{90}$") == "\\frac{1}{90}"
