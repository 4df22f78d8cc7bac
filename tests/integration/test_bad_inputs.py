"""A battery of bad inputs over every command: one clear line, the documented exit code.

Each case builds its bad input in a fresh folder and runs the real command in-process.
It passes when the command exits with the expected code, prints exactly one non-blank line
on stderr, ``error: `` first, holding the expected parts (the file, the line where there
is one, the problem), raises no exception but its exit, prints no traceback, and (where
the case says so) leaves its folder byte-identical.  ``CASES`` is the table; the closing
test counts it so the README's figure stays true.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.raw import RawPaths, pull
from tests.support.paths import FIXTURE_MIRROR, REFERENCE, ROOT

runner = CliRunner()
GSM = REFERENCE / "gsm8k_single.jsonl"
GOOD = json.loads(GSM.read_text(encoding="utf-8").splitlines()[0])


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], list[str]]  # builds the input in the folder, returns the arguments
    code: int
    parts: tuple[str, ...]  # each must be in the error line; "{tmp}" is the case's folder
    untouched: bool = False  # the folder must be byte-identical afterwards
    report: bool = False  # verify: a failing item is a line of its report (stdout), not an error


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def item(**changes: object) -> str:
    return json.dumps(GOOD | changes) + "\n"


def score_args(data: Path, gens: Path, tmp: Path) -> list[str]:
    return ["score", "--data", str(data), "--generations", str(gens), "--out", str(tmp / "out")]


def score_with_data(text: str | bytes) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        data = write(tmp / "d.jsonl", text)
        return score_args(data, write(tmp / "g.jsonl", '{"output": "x"}\n'), tmp)

    return make


def score_with_generations(text: str | bytes) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        return score_args(write(tmp / "d.jsonl", item()), write(tmp / "g.jsonl", text), tmp)

    return make


def build_with(recipe: str) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        return ["build", str(write(tmp / "recipe.toml", recipe)), "--out", str(tmp / "out")]

    return make


RECIPE = """
version = "9.9.9"
seed = 1
[[splits]]
name = "gsm8k"
sources = ["gsm8k"]
quota = { single = 1 }
"""


def check_with(recipe: str) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        return ["recipe", "check", str(write(tmp / "recipe.toml", recipe))]

    return make


def recipe_with(old: str, new: str) -> str:
    assert old in RECIPE
    return RECIPE.replace(old, new)


def compare_with(summary: str | bytes) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        write(tmp / "run" / "summary.json", summary)
        return ["compare", str(tmp / "run")]

    return make


def eval_args(data: Path, out: Path, *extra: str) -> list[str]:
    """``mathif eval`` against a server that is never reached: each case fails before."""
    return ["eval", str(data), "--model", "m", "--backend", "openai", "--out", str(out), *extra]


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def with_raw_field(key: str, raw: str) -> str:
    """A good item whose ``key`` holds ``raw``, JSON text written as it is (escapes kept)."""
    return item()[:-2] + f', "{key}": {raw}}}\n'


CASES = [
    # data files, for score (stops at the first bad line)
    Case(
        "score: no data file",
        lambda t: score_args(t / "nope.jsonl", t / "g", t),
        2,
        ("nope.jsonl", "no such file"),
    ),
    Case("score: data a folder of no dataset", lambda t: score_args(t, t / "g", t), 2, ("holds no dataset",)),
    Case("score: empty data file", score_with_data(""), 2, ("d.jsonl", "holds no items")),
    Case("score: blank data file", score_with_data("\n \n"), 2, ("d.jsonl", "holds no items")),
    Case("score: data not UTF-8", score_with_data(b'{"a": "\xff"}\n'), 2, ("d.jsonl:1", "not UTF-8")),
    Case("score: malformed JSON", score_with_data(item() + "{oops\n"), 2, ("d.jsonl:2", "malformed JSON")),
    Case("score: a JSON array line", score_with_data("[1, 2]\n"), 2, ("d.jsonl:1", "expected a JSON object")),
    Case("score: nested 100 deep", score_with_data(deep_json(100) + "\n"), 2, ("d.jsonl:1", "nested")),
    Case("score: nested 10^5 deep", score_with_data(deep_json(100_000) + "\n"), 2, ("d.jsonl:1", "nested")),
    Case("score: question a list", score_with_data(item(question=[])), 2, ("d.jsonl:1", "'question'")),
    Case("score: id an object", score_with_data(item(id={})), 2, ("d.jsonl:1", "'id'")),
    Case(
        "score: constraint_name a number", score_with_data(item(constraint_name=5)), 2, ("d.jsonl:1", "list")
    ),
    Case(
        "score: constraint_args a string",
        score_with_data(item(constraint_args="x")),
        2,
        ("d.jsonl:1", "list"),
    ),
    Case(
        "score: description a number", score_with_data(item(constraint_desc=[1])), 2, ("d.jsonl:1", "string")
    ),
    Case(
        "score: lone surrogate in id",
        score_with_data(with_raw_field("id", '"\\ud800"')),
        2,
        ("d.jsonl:1", "lone surrogate"),
    ),
    Case(
        "score: lone surrogate in source",
        score_with_data(with_raw_field("source", '"x\\udc80"')),
        2,
        ("d.jsonl:1", "lone surrogate"),
    ),
    Case(
        "score: unknown family",
        score_with_data(item(constraint_name=["nope:nope"])),
        2,
        ("d.jsonl:1", "nope:nope"),
    ),
    Case(
        "score: num_words 10^12",
        score_with_data(
            item(
                constraint_name=["length_constraint_checkers:number_words"],
                constraint_args=[{"relation": "less than", "num_words": 10**12}],
                constraint_desc=["Answer with less than 1000000000000 words."],
            )
        ),
        2,
        ("d.jsonl:1", "num_words", "100000"),
    ),
    Case(
        "score: a catastrophic keyword regex",
        score_with_data(
            item(
                constraint_name=["keywords:existence"],
                constraint_args=[{"keywords": ["(a+)+$"]}],
                constraint_desc=["Include the keywords (a+)+$ in the response."],
            )
        ),
        2,
        ("d.jsonl:1", "(a+)+$"),
    ),
    # generations, for score
    Case(
        "score: no generations file",
        lambda t: score_args(GSM, t / "nope.jsonl", t),
        2,
        ("nope.jsonl", "no such file"),
    ),
    Case("score: output a number", score_with_generations('{"output": 5}\n'), 2, ("g.jsonl:1", "'output'")),
    Case(
        "score: output an empty list",
        score_with_generations('{"output": []}\n'),
        2,
        ("g.jsonl:1", "'output'"),
    ),
    Case("score: no output field", score_with_generations('{"x": "y"}\n'), 2, ("g.jsonl:1", "'output'")),
    Case(
        "score: generations nested", score_with_generations(deep_json(500) + "\n"), 2, ("g.jsonl:1", "nested")
    ),
    Case(
        "score: too many generations",
        score_with_generations('{"output": "a"}\n' * 2),
        2,
        ("g.jsonl:2", "without an item"),
    ),
    Case("score: generations not UTF-8", score_with_generations(b"\xfe\n"), 2, ("g.jsonl:1", "not UTF-8")),
    # output paths
    Case(
        "score: --out is a file",
        lambda t: score_args(GSM, t / "g", t)[:-1] + [str(write(t / "f", "x"))],
        2,
        ("exists and is not a folder",),
    ),
    Case(
        "score: --out under a file",
        lambda t: (
            score_args(write(t / "d.jsonl", item()), write(t / "g.jsonl", '{"output": "x"}\n'), t)[:-1]
            + [str(write(t / "f", "x") / "out")]
        ),
        2,
        ("cannot write",),
    ),
    Case(
        "score: --jobs out of range",
        lambda t: (
            score_args(write(t / "d.jsonl", item()), write(t / "g.jsonl", '{"output": "x"}\n'), t)
            + ["--jobs", "-3"]
        ),
        2,
        ("--jobs", "greater than or equal to 0"),
    ),
    Case(
        "score: a generation line that is not an object",
        lambda t: score_args(write(t / "d.jsonl", item()), write(t / "g.jsonl", '{"output": "x"}\n[1]\n'), t),
        2,
        ("g.jsonl:2", "expected a JSON object"),
    ),
    Case(
        "verify: --report under a file",
        lambda t: [
            "verify",
            str(write(t / "d.jsonl", item())),
            "--report",
            str(write(t / "f", "x") / "r.json"),
        ],
        2,
        ("cannot write",),
    ),
    Case(
        "build: --out under a file",
        lambda t: [
            "build",
            str(ROOT / "release" / "v1.0.0" / "recipe.toml"),
            "--out",
            str(write(t / "f", "x") / "o"),
        ],
        2,
        ("cannot write",),
    ),
    Case(
        "compare: --out is a file",
        lambda t: (
            ["compare", str(t / "r"), "--out", str(write(t / "f", "x"))]
            if write(t / "r" / "summary.json", "{}")
            else []
        ),
        2,
        ("summary.json",),
    ),
    Case(
        "constraints new: --out under a file",
        lambda t: ["constraints", "new", "abc", "--out", str(write(t / "f", "x") / "o")],
        2,
        ("f",),
    ),
    # verify and diff
    Case(
        "verify: no such file", lambda t: ["verify", str(t / "nope.jsonl")], 2, ("nope.jsonl", "no such file")
    ),
    Case(
        "verify: empty file",
        lambda t: ["verify", str(write(t / "d.jsonl", ""))],
        2,
        ("d.jsonl", "holds no items"),
    ),
    Case(
        "verify: num_bullets 10^10 (no hang)",
        lambda t: [
            "verify",
            str(
                write(
                    t / "d.jsonl",
                    item(
                        constraint_name=["detectable_format:number_bullet_lists"],
                        constraint_args=[{"num_bullets": 10**10}],
                        constraint_desc=["Your answer must contain exactly 10000000000 bullet points."],
                    ),
                )
            ),
        ],
        1,
        ("d.jsonl:1", "num_bullets"),
        report=True,
    ),
    Case("verify: folder without files", lambda t: ["verify", str(t)], 2, ("holds no dataset",)),
    Case("diff: old missing", lambda t: ["diff", str(t / "a"), str(t)], 2, ("no such file or folder",)),
    Case(
        "diff: new a file of no JSON",
        lambda t: ["diff", str(write(t / "a" / "s.jsonl", item()).parent), str(write(t / "f", "x"))],
        2,
        ("f:1", "malformed JSON"),
    ),
    Case(
        "diff: malformed split file",
        lambda t: ["diff", str(write(t / "a" / "s.jsonl", "{x\n").parent), str(t / "a")],
        2,
        ("s.jsonl:1", "malformed JSON"),
    ),
    # exports
    Case(
        "export lm-eval: no such dataset",
        lambda t: ["export", "lm-eval", str(t / "nope"), str(t / "o")],
        2,
        ("nope", "no such file or folder"),
    ),
    Case(
        "export lm-eval: out is a file",
        lambda t: [
            "export",
            "lm-eval",
            str(write(t / "d.jsonl", item())),
            str(write(t / "o", "x")),
            "--name",
            "1.0.0",
        ],
        2,
        ("o",),
    ),
    Case(
        "export lighteval: malformed data",
        lambda t: ["export", "lighteval", str(write(t / "d.jsonl", "{x\n")), str(t / "o"), "--name", "1.0.0"],
        2,
        ("d.jsonl:1", "malformed JSON"),
    ),
    Case(
        "export verl: out under a file",
        lambda t: [
            "export",
            "verl",
            str(write(t / "d.jsonl", item())),
            str(write(t / "f", "x") / "o.parquet"),
        ],
        2,
        ("f",),
    ),
    # recipes
    Case("build: no recipe", lambda t: ["build", str(t / "nope.toml")], 2, ("nope.toml", "no such recipe")),
    Case(
        "build: recipe not TOML",
        build_with('version = "1"\nseed = \n'),
        2,
        ("recipe.toml:2", "not valid TOML"),
    ),
    Case("build: recipe nested deep", build_with("a = " + deep_json(5000)), 2, ("recipe.toml", "nested")),
    Case(
        "build: recipe not UTF-8",
        lambda t: ["build", str(write(t / "r.toml", b"\xff"))],
        2,
        ("r.toml", "UTF-8"),
    ),
    Case(
        "build: seed = true", build_with(recipe_with("seed = 1", "seed = true")), 2, ("recipe.toml", "seed")
    ),
    Case(
        "build: version escapes build/",
        build_with(recipe_with('"9.9.9"', '"../../escape"')),
        2,
        ("recipe.toml", "version"),
        untouched=True,
    ),
    Case(
        "build: all quotas zero",
        build_with(recipe_with("single = 1", "single = 0")),
        2,
        ("recipe.toml", "every quota is 0"),
    ),
    Case(
        "build: quota a boolean",
        build_with(recipe_with("single = 1", "single = true")),
        2,
        ("recipe.toml", "quota.single"),
    ),
    Case(
        "build: unknown source is the recipe's fault",
        build_with(recipe_with('["gsm8k"]', '["gsm9k"]')),
        2,
        ("recipe.toml:6", "unknown source 'gsm9k'"),
    ),
    Case(
        "build: unknown stratify field",
        build_with(
            recipe_with("quota = { single = 1 }", 'quota = { single = 1 }\nstratify = ["difficulty"]')
        ),
        2,
        ("recipe.toml", "stratify field 'difficulty'"),
    ),
    Case(
        "build: unknown key", build_with(RECIPE + "colour = 1\n"), 2, ("recipe.toml", "colour", "unknown key")
    ),
    Case("build: unknown family", build_with('families = ["x:y"]\n' + RECIPE), 2, ("recipe.toml", "x:y")),
    Case(
        "build: filter keeps nothing",
        build_with(RECIPE + "filter = { level = 5 }\n"),
        2,
        ("recipe.toml:8", "filter field 'level' is in no problem of gsm8k"),
    ),
    # recipe check: every problem of the recipe, one line each, with the recipe's line
    Case(
        "recipe check: no recipe",
        lambda t: ["recipe", "check", str(t / "nope.toml")],
        2,
        ("nope.toml", "no such recipe"),
    ),
    Case(
        "recipe check: unknown key in a split",
        check_with(RECIPE + "difficulty = 3\n"),
        2,
        ("recipe.toml:8", "splits[0].difficulty: unknown key"),
    ),
    Case(
        "recipe check: filter range upside down",
        check_with(RECIPE + "filter = { level = { min = 5, max = 1 } }\n"),
        2,
        ("recipe.toml:8", "min 5 is above max 1"),
    ),
    Case(
        "recipe check: weight of a family not drawn",
        check_with('families = ["punctuation:no_comma"]\nweights = { "math:single_boxed" = 2 }\n' + RECIPE),
        2,
        ("recipe.toml:2", "not drawn here"),
    ),
    Case(
        "recipe check: quota above the eligible problems",
        check_with(recipe_with("single = 1", "single = 50")),
        2,
        ("recipe.toml:7", "quota 50 but only"),
    ),
    Case(
        "recipe check: unknown source",
        check_with(recipe_with('["gsm8k"]', '["gsm9k"]')),
        2,
        ("recipe.toml:6", "unknown source 'gsm9k'"),
    ),
    # compare
    Case("compare: no summary", lambda t: ["compare", str(t)], 2, ("summary.json", "no such file")),
    Case("compare: summary malformed", compare_with("{"), 2, ("summary.json", "malformed JSON")),
    Case(
        "compare: summary of format 9",
        compare_with('{"format_version": 9}'),
        2,
        ("summary.json", "format_version 9"),
    ),
    Case("compare: summary a list", compare_with("[]"), 2, ("summary.json", "not a summary")),
    Case("compare: summary nested", compare_with(deep_json(100)), 2, ("summary.json", "nested")),
    Case("compare: hacc NaN", compare_with('{"hacc": NaN}'), 2, ("summary.json", "NaN is not a JSON number")),
    Case("compare: hacc a string", compare_with('{"hacc": "1"}'), 2, ("summary.json", "not a summary")),
    # raw sources and constraints
    Case(
        "raw pull: unknown source",
        lambda t: ["raw", "pull", "nope", "--mirror", str(t)],
        2,
        ("unknown source 'nope'",),
    ),
    Case("raw pull: no mirror", lambda t: ["raw", "pull", "gsm8k", "--mirror", str(t / "m")], 2, ("mirror",)),
    Case("raw match: no file", lambda t: ["raw", "match", str(t / "q.jsonl")], 2, ("q.jsonl",)),
    Case("constraints show: unknown id", lambda t: ["constraints", "show", "no:such"], 2, ("no:such",)),
    Case(
        "constraints new: bad name",
        lambda t: ["constraints", "new", "Bad-Name", "--out", str(t)],
        2,
        ("Bad-Name",),
    ),
    # usage errors: Typer's own, as one line too
    Case("score: missing option", lambda t: ["score"], 2, ("mathif score", "Missing option '--data'")),
    Case(
        "score: unknown option",
        lambda t: ["score", "--bogus"],
        2,
        ("mathif score", "No such option: --bogus"),
    ),
    Case(
        "eval: a word for a number",
        lambda t: ["eval", "x", "--samples", "abc"],
        2,
        ("mathif eval", "'--samples'"),
    ),
    Case("constraints show: no id", lambda t: ["constraints", "show"], 2, ("Missing argument 'ID'",)),
    Case("unknown command", lambda t: ["frobnicate"], 2, ("No such command",)),
    # eval, before any model is asked
    Case(
        "eval: absurd --samples",
        lambda t: eval_args(GSM, t / "r", "--samples", "100000000"),
        2,
        ("--samples", "1,024"),
    ),
    Case(
        "eval: empty dataset file",
        lambda t: eval_args(write(t / "d.jsonl", ""), t / "r"),
        2,
        ("d.jsonl", "holds no items"),
    ),
    Case(
        "eval: a folder that is not a run's",
        lambda t: eval_args(GSM, write(t / "r" / "generations.jsonl", '{"partial": ').parent),
        2,
        ("r",),
        untouched=True,
    ),
    Case(
        "eval: run file nested deep",
        lambda t: ["eval", str(GSM), "--config", str(write(t / "c.toml", "a = " + deep_json(5000)))],
        2,
        ("c.toml", "nested"),
    ),
    # release
    Case(
        "release publish: --dry-run is a file",
        lambda t: ["release", "publish", "v1.0.0", "--repo", "me/x", "--dry-run", str(write(t / "f", "x"))],
        2,
        ("f",),
        untouched=True,
    ),
    Case(
        "release publish: unknown version",
        lambda t: ["release", "publish", "v0.0.9", "--repo", "me/x", "--dry-run", str(t / "o")],
        2,
        ("v0.0.9",),
    ),
    Case(
        "release publish: bad repo id",
        lambda t: ["release", "publish", "v1.0.0", "--repo", "../x", "--dry-run", str(t / "o")],
        2,
        ("--repo", "ORG/NAME"),
    ),
]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def raw_home(tmp_path_factory) -> Path:
    """Raw sources pulled from the test mirror: a build gets as far as its pool, whatever the
    clone's own raw/cache holds (CI's fresh clone has none)."""
    home = tmp_path_factory.mktemp("home")
    assert not pull(None, FIXTURE_MIRROR, paths=RawPaths.under(home)).errors
    return home


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_clear_line(case: Case, tmp_path: Path, monkeypatch, raw_home: Path):
    monkeypatch.chdir(tmp_path)  # nothing may land in the clone, whatever the case does
    monkeypatch.setenv("MATHIF_HOME", str(raw_home))
    args = case.make(tmp_path)
    before = snapshot(tmp_path)
    result = runner.invoke(app, args)
    assert isinstance(result.exception, SystemExit) or result.exception is None, (
        f"{case.name}: raised {result.exception!r}"
    )
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out
    assert result.exit_code == case.code, (case.name, result.exit_code, out)
    if case.report:
        assert not result.stderr.strip() and all(p in result.stdout for p in case.parts), out
        return
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), (case.name, result.stderr)
    for part in case.parts:
        assert part.replace("{tmp}", str(tmp_path)) in lines[0], (case.name, lines[0])
    if case.untouched:
        assert snapshot(tmp_path) == before
    assert not (ROOT / "build" / "escape").exists() and not (ROOT.parent / "escape").exists()


def test_the_battery_is_as_large_as_the_readme_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{len(CASES)} bad inputs" in readme


@pytest.mark.parametrize(
    "error, code, line",
    [
        (PermissionError(13, "Permission denied", "/x/y"), 2, "error: /x/y: permission denied"),
        (ConnectionRefusedError(111, "Connection refused"), 1, "error: connection refused"),
        (TimeoutError("timed out"), 1, "error: timed out"),
    ],
)
def test_the_one_exit_code_table_maps_system_errors(error: Exception, code: int, line: str, capsys):
    from curation.cli.console import user_errors

    def command() -> None:
        raise error

    import typer

    with pytest.raises(typer.Exit) as exit_:
        user_errors(command)()
    assert exit_.value.exit_code == code
    assert capsys.readouterr().err.strip() == line
