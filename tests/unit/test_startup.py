"""Start-up: the command line and the Python API import no heavy library they do not use.

Each check runs in a fresh interpreter (``sys.modules`` of this one holds whatever other tests
imported) and looks at what is loaded at the end:
- ``import curation.cli``, ``import mathif`` and ``mathif --help`` load none of
  :data:`HEAVY` (math-verify and sympy, plots, parquet and the Hub, the fuzzy matcher, the
  language detector and the tokenizer: each is imported by the function that uses it);
- ``mathif score --no-correctness`` loads no grader (math-verify, latex2sympy2, sympy), nor
  does ``mathif score`` when every gold and answer is a plain number (the exact fast path),
  with the same follow verdicts; an answer the fast path cannot read loads the grader;
- the grading functions of ``curation.scoring`` load math-verify on their first call that
  needs it (not for plain numbers).

No timing here (README, Scoring: start-up; ``benchmarks/startup_bench.py`` prints the times).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from constraints import make_instance
from tests.support.paths import ROOT

GRADER = ("math_verify", "latex2sympy2_extended", "sympy")
HEAVY = (
    *GRADER,
    "matplotlib",
    "numpy",
    "pyarrow",
    "datasets",
    "huggingface_hub",
    "rapidfuzz",
    "langdetect",
    "nltk",
)

# Runs CODE in a fresh interpreter, then prints the HEAVY modules loaded as the last line.
PROBE = """
import json, sys
HEAVY = {heavy!r}
try:
{code}
except SystemExit as stop:
    if stop.code not in (0, None):
        raise
print()
print(json.dumps(sorted(m for m in HEAVY if m in sys.modules)))
"""


def loaded_after(code: str, cwd: Path = ROOT) -> list[str]:
    """The HEAVY modules loaded once ``code`` has run in a fresh interpreter (from this checkout)."""
    body = "\n".join("    " + line for line in code.strip().splitlines())
    script = PROBE.format(heavy=HEAVY, code=body)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def run_cli(*args: str) -> str:
    return f"import sys\nfrom curation.cli import app\napp({list(args)!r}, prog_name='mathif')"


@pytest.mark.parametrize(
    "code",
    ["import curation.cli", "import mathif", run_cli("--help"), run_cli("score", "--help")],
    ids=["import curation.cli", "import mathif", "mathif --help", "mathif score --help"],
)
def test_importing_the_tool_loads_no_heavy_library(code):
    assert loaded_after(code) == []


def test_the_command_line_of_this_checkout_is_the_one_probed():
    code = "import curation, constraints\nprint(curation.__file__, constraints.__file__)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == [
        str(ROOT / "curation" / "__init__.py"),
        str(ROOT / "constraints" / "__init__.py"),
    ]


def score_fixture(tmp_path: Path, last_answer: str = "\\boxed{41}") -> tuple[Path, Path]:
    """Three one-constraint items on 6 x 7 and a generation each (one with a comma, the last
    answering ``last_answer``: by default a wrong one)."""
    cases = [
        ("punctuation:no_comma", "<think>6 * 7</think>The answer is \\boxed{42}"),
        ("change_case:english_lowercase", "<think>6 * 7</think>the answer is \\boxed{42}"),
        ("punctuation:no_comma", f"<think>6 * 7</think>Well, it is {last_answer}"),
    ]
    tmp_path.mkdir(parents=True, exist_ok=True)
    items, gens = [], []
    for n, (cid, output) in enumerate(cases):
        inst = make_instance(cid, None)
        items.append(
            {
                "source": "src",
                "id": f"item-{n}",
                "question": "What is six times seven?",
                "answer": "42",
                "constraint_desc": [inst.describe()],
                "constraint_name": [inst.id],
                "constraint_args": [inst.args_json()],
            }
        )
        gens.append({"output": output})
    data, generations = tmp_path / "data.jsonl", tmp_path / "generations.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")
    generations.write_text("".join(json.dumps(r) + "\n" for r in gens), encoding="utf-8")
    return data, generations


def test_score_loads_the_grader_only_when_an_answer_needs_it(tmp_path):
    rows = {}
    for name, extra, last_answer in (
        ("fast", ["--no-correctness"], "\\boxed{41}"),
        ("graded", [], "\\boxed{41}"),  # plain numbers only: the exact fast path grades them
        ("symbolic", [], "\\boxed{6 \\cdot 7}"),  # a product: math-verify grades it
    ):
        data, generations = score_fixture(tmp_path / name, last_answer)
        out = tmp_path / name / "out"
        args = ["score", "--data", str(data), "--generations", str(generations), "--out", str(out), *extra]
        loaded = loaded_after(run_cli(*args, "--jobs", "1"))  # graded in this process: the probe sees it
        rows[name] = [json.loads(x) for x in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
        if name == "symbolic":
            assert set(GRADER) <= set(loaded), loaded  # the probe sees a grader when one is loaded
        else:
            assert not set(GRADER) & set(loaded), loaded
    assert (
        [r["follow"] for r in rows["fast"]]
        == [r["follow"] for r in rows["graded"]]
        == [[True], [True], [False]]
    )
    assert [r["correct"] for r in rows["fast"]] == [False, False, False]
    assert [r["correct"] for r in rows["graded"]] == [True, True, False]
    assert [r["correct"] for r in rows["symbolic"]] == [True, True, True]


def test_the_grading_functions_load_math_verify_on_first_call():
    code = """
import curation.scoring
assert "math_verify" not in sys.modules
assert curation.scoring.grade(r"\\boxed{\\frac{1}{2}}", "0.5") is True
assert curation.scoring.grade_detail(r"\\boxed{3}", "4") == (False, "3")
assert curation.scoring.is_gradable("42") and curation.scoring.grade("#### 1,234", "1234")
assert "sympy" not in sys.modules and "math_verify" not in sys.modules  # plain numbers: the fast path
assert not curation.scoring.is_gradable("np.arcsin(10/13)")
"""
    assert set(GRADER) <= set(loaded_after(code))
