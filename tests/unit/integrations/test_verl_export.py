"""``mathif export verl``: verl's data rows, read back as verl reads them, score as mathif does.

The schema is the one of verl's own ``examples/data_preprocess/gsm8k.py`` (``data_source``,
``prompt`` as chat messages, ``ability``, ``reward_model: {style, ground_truth}``,
``extra_info`` with ``index``), and verl 0.9.1's ``RLHFDataset`` reads a ``.parquet`` file with
``datasets.load_dataset("parquet", data_files=...)``; its NaiveRewardManager passes
``reward_model["ground_truth"]`` to the reward function.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import mathif
from curation.cli import app
from curation.integrations import export_verl, verl_parquet_bytes, verl_rows
from curation.integrations.verl_export import VERL_COLUMNS, version_name
from tests.support.paths import REFERENCE


@pytest.fixture(scope="module")
def bench() -> mathif.Benchmark:
    return mathif.load(REFERENCE, limit=2)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("verl") / "train.parquet"
    export_verl(REFERENCE, out, limit=2)
    return out


def read_as_verl(path: Path) -> list[dict]:
    """verl's RLHFDataset: ``datasets.load_dataset("parquet", data_files=path)["train"]``."""
    import datasets

    return list(datasets.load_dataset("parquet", data_files=str(path))["train"])


def test_rows_have_verls_schema(exported, bench):
    table = pq.read_table(exported)
    assert tuple(table.column_names) == VERL_COLUMNS
    schema = table.schema
    assert schema.field("data_source").type == pa.string()
    assert schema.field("ability").type == pa.string()
    message = schema.field("prompt").type.value_type
    assert [message.field(i).name for i in range(message.num_fields)] == ["role", "content"]
    rm = schema.field("reward_model").type
    assert [rm.field(i).name for i in range(rm.num_fields)] == ["style", "ground_truth"]
    assert rm.field("ground_truth").type == pa.string()  # verl's rule rewards take a string
    extra = schema.field("extra_info").type
    assert [extra.field(i).name for i in range(extra.num_fields)] == ["key", "split", "index", "id", "run"]
    assert extra.field("index").type == pa.int64()

    rows = read_as_verl(exported)
    assert len(rows) == len(bench) == 30
    for n, (row, b) in enumerate(zip(rows, bench, strict=True)):
        assert row["data_source"] == f"mathif/mathif-v1/{b.split}"
        assert row["prompt"] == [{"role": "user", "content": b.prompt}]
        assert row["ability"] == "math"
        assert row["reward_model"]["style"] == "rule"
        assert row["extra_info"] == {
            "key": b.key,
            "split": b.split,
            "index": n,
            "id": b.id,
            "run": "constraints",
        }


def test_ground_truth_read_back_scores_as_mathif_score(exported, bench):
    """Each row through verl's path (the parquet read by ``datasets``, then
    ``compute_score(data_source=..., solution_str=..., ground_truth=row["reward_model"]
    ["ground_truth"], extra_info=row["extra_info"])``) gives mathif.score's verdicts."""
    from curation.integrations.rewards import compute_score

    for row, b in zip(read_as_verl(exported), bench, strict=True):
        for response in (
            f"<think>x</think>\\boxed{{{b.answer}}}",
            f'<think>x</think>"\\boxed{{{b.answer}}}"',
            "<think>never closed",
        ):
            result = compute_score(
                data_source=row["data_source"],
                solution_str=response,
                ground_truth=row["reward_model"]["ground_truth"],
                extra_info=row["extra_info"],
                correctness="log",
            )
            v = mathif.score(b, response, think_mode="strict")
            assert (result["hard"], result["soft"], result["correct"]) == (
                float(v.hard),
                v.soft,
                float(bool(v.correct)),  # a gold that cannot be graded rewards no correctness
            )


def test_bytes_are_deterministic(bench, tmp_path):
    first = verl_parquet_bytes(verl_rows(bench))
    assert verl_parquet_bytes(verl_rows(bench)) == first
    export_verl(REFERENCE, tmp_path / "a.parquet", limit=2)
    assert (tmp_path / "a.parquet").read_bytes() == first


def test_system_prompt_and_plain_prompts(bench):
    rows = verl_rows(bench, system_prompt="Think first.", constraints=False)
    for row, b in zip(rows, bench, strict=True):
        assert row["prompt"] == [
            {"role": "system", "content": "Think first."},
            {"role": "user", "content": b.plain_prompt},
        ]
        assert row["extra_info"]["run"] == "plain"
        assert json.loads(row["reward_model"]["ground_truth"]) == b.item.to_mathif()  # the same item
    with pytest.raises(mathif.InputError, match="--system-prompt is blank"):
        verl_rows(bench, system_prompt="  ")


def test_version_comes_from_the_items_or_the_folder(bench, tmp_path):
    assert version_name(bench) == "mathif-v1"
    split = tmp_path / "v9" / "gsm8k_single.jsonl"
    split.parent.mkdir()
    lines = (REFERENCE / "gsm8k_single.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    split.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert version_name(mathif.load(split)) == "v9"
    tagged = tmp_path / "tagged.jsonl"
    tagged.write_text(
        "".join(json.dumps(json.loads(x) | {"version": "3.1.4"}) + "\n" for x in lines), encoding="utf-8"
    )
    rows = verl_rows(mathif.load(tagged))
    assert {r["data_source"] for r in rows} == {"mathif/3.1.4/tagged"}


def test_scoped_items_carry_their_scopes(tmp_path):
    lines = (REFERENCE / "gsm8k_double.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    data = tmp_path / "gsm8k_double.jsonl"
    data.write_text(
        "".join(json.dumps(json.loads(x) | {"constraint_scope": ["both", "answer"]}) + "\n" for x in lines),
        encoding="utf-8",
    )
    export_verl(data, tmp_path / "v.parquet")
    (row, _) = read_as_verl(tmp_path / "v.parquet")
    assert json.loads(row["reward_model"]["ground_truth"])["constraint_scope"] == ["both", "answer"]
    b = mathif.load(data).items[0]
    response = "<think>short</think>short"
    r = mathif.reward(response, row["reward_model"]["ground_truth"])
    assert r.soft == mathif.score(b, response, think_mode="strict").soft


# the command ----------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(app, ["export", "verl", *args])


def test_cli_writes_the_rows_and_names_the_reward_file(tmp_path):
    out = tmp_path / "sub" / "train.parquet"
    result = run(str(REFERENCE), str(out), "--limit", "1", "--system-prompt", "Be brief.")
    assert result.exit_code == 0, result.output
    assert f"wrote {out}: 15 rows from 15 split(s), data_source mathif/mathif-v1/<split>" in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("verl reward:"))
    path = Path(line.split("custom_reward_function.path=")[1].split()[0])
    assert line.endswith("reward.custom_reward_function.name=compute_score")
    spec = importlib.util.spec_from_file_location("custom_module_0", path)  # as verl loads it
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    row = read_as_verl(out)[0]
    assert row["prompt"][0] == {"role": "system", "content": "Be brief."}
    assert module.compute_score("d", "x", row["reward_model"]["ground_truth"])["score"] == 0.0

    plain = tmp_path / "plain.parquet"
    assert run(str(REFERENCE), str(plain), "--limit", "1", "--no-constraints").exit_code == 0
    assert {r["extra_info"]["run"] for r in read_as_verl(plain)} == {"plain"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{ref}", "{tmp}/out.jsonl"], "the output must be a .parquet file"),
        (["{ref}", "{tmp}"], "the output must be a .parquet file"),
        (["{ref}", "{tmp}/dir.parquet"], "is a folder"),
        (["{ref}", "{tmp}/file/x.parquet"], "exists and is not a folder"),
        (["{ref}", "{tmp}/x.parquet", "--limit", "0"], "--limit must be between 1 and 10,000,000, got 0"),
        (["{ref}", "{tmp}/x.parquet", "--system-prompt", " "], "--system-prompt is blank"),
        (["{tmp}/missing", "{tmp}/x.parquet"], "no such file or folder"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    (tmp_path / "dir.parquet").mkdir()
    (tmp_path / "file").write_text("x")
    result = run(*(a.format(ref=REFERENCE, tmp=tmp_path) for a in args))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
    assert not (tmp_path / "x.parquet").exists()
