"""The Python API (``import mathif``) gives the verdicts of ``mathif score``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mathif
from curation.core.parquet import hub_record
from curation.evaluation import score_generations
from tests.support.paths import REFERENCE


@pytest.fixture(scope="module")
def bench() -> mathif.Benchmark:
    return mathif.load(REFERENCE, limit=4)


def responses(bench: mathif.Benchmark) -> list[str]:
    out = []
    for n, b in enumerate(bench):
        answer = b.answer if n % 2 else "7"
        tail = "" if n % 3 else ", and so on"
        out.append(f'<think>thinking{tail}</think>"the answer is \\boxed{{{answer}}}{tail}"')
    return out


def test_load_keys_items_as_eval_does(bench):
    assert len(bench) == 60 and bench.form == "folder"
    assert bench.items[0].key == "aime_double.jsonl:1" and bench.items[0].split == "aime_double"
    assert set(bench.splits) == {p.stem for p in REFERENCE.glob("*.jsonl")}
    assert bench["gsm8k_single.jsonl:2"].key == "gsm8k_single.jsonl:2"
    with pytest.raises(KeyError):
        bench["gsm8k_single.jsonl:99"]


def test_score_gives_the_verdicts_of_mathif_score(bench, tmp_path: Path):
    outs = responses(bench)
    gens = tmp_path / "g.jsonl"
    gens.write_text(
        "".join(json.dumps({"key": b.key, "output": o}) + "\n" for b, o in zip(bench, outs, strict=True))
    )
    data = tmp_path / "data"
    data.mkdir()
    for name, items in bench.splits.items():
        (data / f"{name}.jsonl").write_text("".join(json.dumps(b.item.to_mathif()) + "\n" for b in items))
    summary = score_generations(data, gens, tmp_path / "out")
    rows = [json.loads(x) for x in (tmp_path / "out" / "items.jsonl").read_text().splitlines()]
    verdicts = mathif.score_batch(bench.items, outs)
    assert [r["follow"] for r in rows] == [[c.followed for c in v.follow] for v in verdicts]
    assert [r["correct"] for r in rows] == [v.correct for v in verdicts]
    means = mathif.mean_scores(verdicts)
    assert means == {"hacc": summary.hacc, "sacc": summary.sacc, "correctness": summary.correctness}
    assert 0 < means["hacc"] < 1 and 0 < means["correctness"] < 1


def test_an_item_in_any_row_format_scores_the_same(bench):
    b = bench["gsm8k_single.jsonl:1"]
    out = f"<think>x</think>\\boxed{{{b.answer}}}"
    expected = mathif.score(b, out)
    assert expected.correct is True and expected.extracted == b.answer
    assert mathif.score(b.to_dict(), out) == expected
    assert mathif.score(b.item.to_mathif(), out) == expected
    published = hub_record(
        b.item.to_mathif()
        | {
            "version": "x",
            "problem_id": "p",
            "split": "gsm8k",
            "num_constraints": 1,
            "prompt": b.prompt,
            "metadata": {},
        }
    )
    assert mathif.score(published, out) == expected


def test_options_scope_think_mode_and_no_correctness(bench):
    b = bench.items[0]
    v = mathif.score(b, "<think>reasoning</think>", correctness=False)
    assert v.correct is None and v.extracted is None and v.answer == "" and not v.hard
    on_reasoning = mathif.score(b, "no tags at all", scope="reasoning", think_mode="strict")
    assert {c.scope for c in on_reasoning.follow} == {"reasoning"}
    with pytest.raises(ValueError, match="think_mode"):
        mathif.score(b, "x", think_mode="first")
    with pytest.raises(ValueError, match="scope"):
        mathif.score(b, "x", scope="everywhere")
    with pytest.raises(TypeError):
        mathif.score(b, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2 items but 1 responses"):
        mathif.score_batch(bench.items[:2], ["x"])
    with pytest.raises(mathif.InputError, match="missing field"):
        mathif.as_item({"question": "q"})
