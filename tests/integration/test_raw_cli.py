"""``mathif raw pull | stats | match`` end to end, with MATHIF_HOME in a temporary folder.

Successful runs go through typer's CliRunner (in process); a few bad-input runs go through a
real subprocess so that "one line on stderr, exit code 2, no traceback" is checked on the real
streams. The real cache and lock of the project are never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from tests.support.paths import FIXTURE_MIRROR, RAW, REFERENCE

MATHIF_SCRIPT = Path(sys.executable).with_name("mathif")
runner = CliRunner()


def invoke(home: Path, *args: str, mirror_env: Path | None = None):
    env = {"MATHIF_HOME": str(home), "MATHIF_RAW_MIRROR": str(mirror_env) if mirror_env else None}
    return runner.invoke(app, ["raw", *args], env=env)


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = (
        [str(MATHIF_SCRIPT)]
        if MATHIF_SCRIPT.exists()
        else [sys.executable, "-c", "from curation.cli import app; app(prog_name='mathif')"]
    )
    env = {k: v for k, v in os.environ.items() if k != "MATHIF_RAW_MIRROR"} | {"MATHIF_HOME": str(home)}
    return subprocess.run([*cmd, "raw", *args], capture_output=True, text=True, env=env, timeout=120)


def assert_one_error_line(stderr: str, *parts: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and "Traceback" not in stderr
    for part in parts:
        assert part in lines[0]


# pull / stats / match on the fixture mirror ------------------------------------------------


def test_pull_then_stats_then_match(tmp_path):
    home = tmp_path / "home"
    result = invoke(home, "pull", "--mirror", str(FIXTURE_MIRROR))
    assert result.exit_code == 0, result.output
    assert "math500/test/prealgebra/9.json: '—'" in result.stdout  # the non-gradable one is listed
    assert "gradable: 19 / 20 (95.00%)" in result.stdout
    assert "warning: below the 99.5% bar" in result.stdout
    assert (home / "raw" / "lock.json").is_file()
    assert sorted(f.name for f in (home / "raw" / "cache").iterdir()) == sorted(
        f"{name}.jsonl"
        for name in ("gsm8k", "math500", "minerva_math", "olympiadbench", "aime24", "aime25", "amc23")
    )

    stats = invoke(home, "stats", "--json")
    assert stats.exit_code == 0, stats.output
    report = json.loads(stats.stdout)  # pure JSON, no progress noise
    assert report["sources"]["gsm8k"]["problems"] == 4 and report["sources"]["gsm8k"]["gradable"] == 4
    math500 = report["sources"]["math500"]
    assert (math500["problems"], math500["gradable"]) == (3, 2)
    assert math500["non_gradable"] == ["math500/test/prealgebra/9.json"]
    assert math500["level"] == {"1": 1, "2": 1, "3": 1}
    assert report["sources"]["olympiadbench"]["subject"] == {
        "Algebra": 2,
        "Geometry": 1,
        "Number Theory": 1,
    }
    assert (report["problems"], report["gradable"]) == (20, 19)

    table = invoke(home, "stats")
    assert table.exit_code == 0 and "math500 level: 1: 1, 2: 1, 3: 1" in table.stdout

    data = tmp_path / "items.jsonl"
    data.write_text(
        json.dumps(
            {
                "question": 'What is  $20 + 7$? Let\'s think step by step and output the final answer after "####".'
            }
        )
        + "\n\n"
        + json.dumps(
            {"question": "Describe the history of the printing press in Europe in three paragraphs."}
        )
        + "\n"
    )
    match = invoke(home, "match", str(data), "--json")
    assert match.exit_code == 0, match.output
    records = json.loads(match.stdout)
    assert [(r["index"], r["line"], r["source"], r["problem_id"]) for r in records] == [
        (0, 1, "amc23", "amc23/0"),
        (1, 3, None, None),
    ]
    assert records[0]["file"] == str(data) and records[0]["score"] == 100.0
    plain = invoke(home, "match", str(data))
    assert f"{data}:1\tamc23\tamc23/0\t100.00" in plain.stdout
    assert f"{data}:3\tno match" in plain.stdout


def test_mirror_from_the_environment_variable(tmp_path):
    result = invoke(tmp_path, "pull", "aime25", mirror_env=FIXTURE_MIRROR)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "raw" / "cache" / "aime25.jsonl").is_file()
    assert not (tmp_path / "raw" / "cache" / "gsm8k.jsonl").exists()


def test_lock_conflict_is_refused_then_accepted_with_update_lock(tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(FIXTURE_MIRROR, mirror)
    home = tmp_path / "home"
    assert invoke(home, "pull", "amc23", "--mirror", str(mirror)).exit_code == 0
    target = mirror / "amc23" / "test.jsonl"
    target.write_text(target.read_text().replace("27.0", "28.0"))
    refused = invoke(home, "pull", "amc23", "--mirror", str(mirror))
    assert refused.exit_code == 2
    assert "amc23: differs from the lock" in refused.stderr and "--update-lock" in refused.stderr
    accepted = invoke(home, "pull", "amc23", "--mirror", str(mirror), "--update-lock")
    assert accepted.exit_code == 0, accepted.output
    assert '"answer": "28"' in (home / "raw" / "cache" / "amc23.jsonl").read_text()


def test_without_a_mirror_the_hub_is_used_and_its_failure_is_one_line(tmp_path, monkeypatch):
    calls = []

    def load_dataset(hub_id, config, split, revision):
        calls.append((hub_id, config, split, revision))
        raise OSError("We couldn't connect to 'https://huggingface.co'")

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    result = invoke(tmp_path, "pull", "gsm8k")
    assert result.exit_code == 2
    assert calls == [("openai/gsm8k", "main", "test", "main")]
    assert "warning: gsm8k: revision 'main' is not a pinned commit" in result.stderr
    assert (
        "error: hf://datasets/openai/gsm8k/main@main:test: cannot load from the Hugging Face Hub"
        in result.stderr
    )
    assert not (tmp_path / "raw" / "lock.json").exists()


# bad input: one line, exit code 2 ---------------------------------------------------------


def test_unknown_source_is_one_line(tmp_path):
    proc = run_cli(tmp_path, "pull", "gsm8k", "nope", "--mirror", str(FIXTURE_MIRROR))
    assert proc.returncode == 2
    assert_one_error_line(proc.stderr, "error: unknown source 'nope' (known: gsm8k,")  # an argument: no file


def test_bad_row_names_file_and_line_and_other_sources_are_still_pulled(tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(FIXTURE_MIRROR, mirror)
    bad = mirror / "minerva_math" / "test.jsonl"
    lines = bad.read_text().splitlines()
    lines[1] = json.dumps({"problem": "P", "type": "t", "idx": 1})
    bad.write_text("\n".join(lines) + "\n")
    proc = run_cli(tmp_path / "home", "pull", "--mirror", str(mirror))
    assert proc.returncode == 2
    assert_one_error_line(proc.stderr, f"{bad}:2: missing field 'solution'")
    cache = tmp_path / "home" / "raw" / "cache"
    assert not (cache / "minerva_math.jsonl").exists()
    assert {f.name for f in cache.iterdir()} == {
        f"{n}.jsonl" for n in ("gsm8k", "math500", "olympiadbench", "aime24", "aime25", "amc23")
    }


@pytest.mark.parametrize(
    ("args", "parts"),
    [
        (("pull", "--mirror", "{tmp}/nowhere"), ("{tmp}/nowhere: mirror folder not found",)),
        (("stats",), ("{tmp}/raw/cache/gsm8k.jsonl: no cached problems", "raw pull --mirror")),
        (("match", "{tmp}/absent.jsonl"), ("{tmp}/absent.jsonl: no such file",)),
        (("match", "{tmp}/noq.jsonl"), ("{tmp}/noq.jsonl:2: no 'question' (or 'problem') field",)),
        (("match", "{tmp}/broken.jsonl"), ("{tmp}/broken.jsonl:1: malformed JSON",)),
    ],
)
def test_bad_input_in_process_is_one_line(tmp_path, args, parts):
    (tmp_path / "noq.jsonl").write_text('{"question": "Q"}\n{"prompt": "Q"}\n')
    (tmp_path / "broken.jsonl").write_text('{"question": "Q"\n')
    result = invoke(tmp_path, *(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 2
    assert_one_error_line(result.stderr, *(p.format(tmp=tmp_path) for p in parts))


# integration: the real mirror and the published release --------------------------------------


def test_real_mirror_pull_stats_and_reference_match(tmp_path):
    if not RAW.is_dir():
        pytest.fail(f"the raw mirror is expected at {RAW}")
    home = tmp_path / "home"
    pulled = invoke(home, "pull", "--mirror", str(RAW))
    assert pulled.exit_code == 0, pulled.output
    report = json.loads(invoke(home, "stats", "--json").stdout)
    assert report["problems"] == 2866
    assert report["gradable"] / report["problems"] >= 0.995
    assert report["sources"]["math500"]["level"] == {"1": 43, "2": 90, "3": 105, "4": 128, "5": 134}

    files = sorted(str(p) for p in REFERENCE.glob("*.jsonl"))
    matched = invoke(home, "match", "--json", *files)
    assert matched.exit_code == 0, matched.output
    records = json.loads(matched.stdout)
    assert len(records) == 420
    expected = {
        "aime": "aime2",
        "gsm8k": "gsm8k",
        "math500": "math500",
        "minerva": "minerva_math",
        "olympiad": "olympiadbench",
    }
    wrong = [
        r
        for r in records
        if not (r["source"] or "").startswith(expected[Path(r["file"]).name.split("_")[0]]) or r["score"] < 75
    ]
    assert wrong == []
