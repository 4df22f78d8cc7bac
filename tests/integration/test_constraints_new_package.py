"""``mathif constraints new NAME --package DIR`` as a user follows it: the package is
installed by pip, its tests pass as written, and every command then sees the family.

Two packages are written, one whose family takes an argument (check_line) and one whose
family takes none (check_mark, ``--no-args``, in a folder whose name holds a space); pip
installs both into one folder (offline, no build isolation) that is put on PYTHONPATH of
the processes that run the printed next steps, ``mathif`` and the packages' own tests.
Also: what it refuses, and the loose files of ``--out`` for a family without arguments.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from constraints.registry import ENTRY_POINT_GROUP, MATHIF_IDS, PLUGINS_ENV
from curation.cli import app
from curation.core import __version__
from curation.raw.pull import RawPaths, pull
from tests.support.paths import RAW
from tests.support.plugin_install import pip_install

runner = CliRunner()
BIN = Path(sys.executable).parent
WITH, WITHOUT = "check_line", "check_mark"  # a family with an argument, one without
BOTH = f"{WITH},{WITHOUT}"
MATHIF_DEPENDENCY = "mathif>=" + ".".join(__version__.split(".")[:2])  # the version written against


@dataclass(frozen=True)
class Written:
    folder: Path
    stdout: str

    @property
    def steps(self) -> list[str]:
        """The next steps printed, one command (or recipe line) a line."""
        lines = self.stdout.splitlines()
        (at,) = [k for k, line in enumerate(lines) if line.endswith("next steps:")]
        return [line.strip() for line in lines[at + 1 :]]


def new(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["constraints", "new", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Written]:
    root = tmp_path_factory.mktemp("authoring")
    out = {}
    for name, folder, flags in (
        (WITH, root / WITH, []),
        (WITHOUT, root / "my families" / WITHOUT, ["--no-args"]),
    ):
        code, stdout, stderr = new(name, "--package", str(folder), *flags)
        assert code == 0, stdout + stderr
        out[name] = Written(folder, stdout)
    return out


@pytest.fixture(scope="module")
def site(written, tmp_path_factory) -> Path:
    """Both packages, installed by pip as a user installs them (from copies: the written
    folders stay as written)."""
    return pip_install([w.folder for w in written.values()], tmp_path_factory.mktemp("site"))


def env(site: Path | None, plugins: str = BOTH, pythonpath: Path | None = None) -> dict[str, str]:
    """This environment with ``site`` on the path and the plugins ``plugins`` allowed."""
    out = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    path = [str(p) for p in (site, pythonpath) if p is not None]
    if path:
        out["PYTHONPATH"] = os.pathsep.join(path)
    out[PLUGINS_ENV] = plugins
    return out


def run_step(step: str, environ: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """A printed step, run as printed (``pytest`` and ``mathif`` of this venv)."""
    argv = shlex.split(step)
    argv = (
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", *argv[1:]]
        if argv[0] == "pytest"
        else argv
    )
    if argv[0] == "mathif":
        argv[0] = str(BIN / "mathif")
    return subprocess.run(argv, capture_output=True, text=True, env=environ, cwd=cwd)


# what is written, and what it says to do next


def test_it_prints_the_next_steps_one_a_line(written):
    for name, w in written.items():
        assert w.steps == [
            f"pip install -e {shlex.quote(str(w.folder))}",
            f"pytest {shlex.quote(str(w.folder / 'tests'))}",
            f"mathif constraints show custom:{name}",
            "and in a recipe:",
            f'families = ["mathif", "custom:{name}"]',
        ]
        assert tomllib.loads(w.steps[-1])["families"] == ["mathif", f"custom:{name}"]
    assert "'" in written[WITHOUT].steps[0]  # its folder's name holds a space: quoted for the shell


def test_pip_installs_the_distribution_and_its_entry_point(written, site):
    dists = {d.metadata["Name"]: d for d in importlib.metadata.distributions(path=[str(site)])}
    assert sorted(dists) == ["mathif-check-line", "mathif-check-mark"]
    for name in (WITH, WITHOUT):
        dist = dists[f"mathif-{name.replace('_', '-')}"]
        assert dist.version == "0.1.0"
        assert dist.metadata["Requires-Python"] == ">=3.11"
        assert dist.requires == [MATHIF_DEPENDENCY, 'pytest>=8; extra == "test"']
        (ep,) = dist.entry_points.select(group=ENTRY_POINT_GROUP)
        assert (ep.name, ep.value) == (name, f"mathif_{name}.constraint_{name}:FAMILY")
    # the package as written (pip built from copies, so no build/ or *.egg-info landed here)
    for w in written.values():
        assert sorted(p.name for p in w.folder.iterdir()) == [
            "README.md",
            f"mathif_{w.folder.name}",
            "pyproject.toml",
            "tests",
        ]


@pytest.mark.parametrize("name", [WITH, WITHOUT])
def test_the_written_tests_pass_once_installed(written, site, name):
    w = written[name]
    proc = run_step(w.steps[1], env(site))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for test in ("test_bad_arguments_are_refused", "test_mathif_loads_it_from_the_installed_package"):
        assert f"::{test} PASSED" in proc.stdout, proc.stdout


def test_the_written_tests_fail_where_the_package_is_not_installed(written):
    """The source importable but not installed: the entry point test says what to do."""
    w = written[WITH]
    proc = run_step(w.steps[1], env(None, pythonpath=w.folder))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "::test_mathif_loads_it_from_the_installed_package FAILED" in proc.stdout
    assert "::test_bad_arguments_are_refused PASSED" in proc.stdout
    assert f"entry point {WITH} not installed (pip install -e .)" in proc.stdout


def test_show_and_list_see_the_installed_families(written, site):
    for name, arguments in ((WITH, "  label: one of Check, Verification"), (WITHOUT, "arguments: none")):
        proc = run_step(written[name].steps[2], env(site))
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert lines[0] == f"custom:{name}  (format, plugin)"
        assert any(line.startswith(arguments) for line in lines), lines
        # the family says it is still the template's example, not what it claims to be
        assert lines[1] == "source: TODO: where the idea comes from"
        assert lines[2].startswith("checks: TODO: what it checks (the template's example: ")
    listed = subprocess.run(
        [str(BIN / "mathif"), "constraints", "list", "--json"], capture_output=True, text=True, env=env(site)
    )
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    origins = {r["id"]: r["origin"] for r in json.loads(listed.stdout)}
    assert origins[f"custom:{WITH}"] == origins[f"custom:{WITHOUT}"] == "plugin"
    hidden = subprocess.run(
        [str(BIN / "mathif"), "constraints", "show", f"custom:{WITH}"],
        capture_output=True,
        text=True,
        env=env(site, plugins=WITHOUT),
    )
    assert hidden.returncode == 2  # installed, but MATHIF_PLUGINS leaves it out


# a build with the families, as a recipe names them: beside MathIF's, as the printed line does,
# weighted so that the few items of the test draw them

RECIPE = """
version = "0.0.1-authoring"
seed = 5
families = ["mathif", "custom:check_line", "custom:check_mark"]
weights = { "custom:check_line" = 40, "custom:check_mark" = 40 }

[[splits]]
name = "gsm8k"
sources = ["gsm8k"]
quota = { single = 2, double = 2 }
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    assert not pull(["gsm8k"], mirror=RAW, paths=RawPaths.under(home)).errors
    return home


def test_a_build_uses_and_records_them_and_verify_knows_them(site, home, tmp_path):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE)
    environ = env(site) | {"MATHIF_HOME": str(home)}
    mathif = str(BIN / "mathif")
    proc = subprocess.run(
        [mathif, "build", str(recipe), "--out", str(tmp_path / "out"), "--no-parquet"],
        capture_output=True,
        text=True,
        env=environ,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [
        json.loads(line)
        for f in sorted((tmp_path / "out").glob("*.jsonl"))
        for line in f.read_text().splitlines()
    ]
    assert len(rows) == 4
    assert sorted(r["num_constraints"] for r in rows) == [1, 1, 2, 2]
    ids = {f"custom:{WITH}", f"custom:{WITHOUT}"}
    names = [n for r in rows for n in r["constraint_name"]]
    assert set(names) <= ids | set(MATHIF_IDS) and ids <= set(names)
    assert sum(n in ids for n in names) >= 4  # of 6: weight 80 of 95 for the first draw
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["plugins"] == [
        {
            "distribution": f"mathif-{n.replace('_', '-')}",
            "version": "0.1.0",
            "entry_point": n,
            "families": [f"custom:{n}"],
        }
        for n in (WITH, WITHOUT)
    ]
    verified = subprocess.run(
        [mathif, "verify", str(tmp_path / "out")], capture_output=True, text=True, env=environ
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines()[-1] == "4 items: 4 ok"


# refusals: one line, exit 2, nothing written


@pytest.mark.parametrize("name", ["Bad", "1st", "has-dash", "ends_", "two__words", "x" * 41, "../evil", ""])
def test_a_bad_name_is_refused(tmp_path, name):
    code, stdout, stderr = new(name, "--package", str(tmp_path / "pkg"))
    assert code == 2 and stdout == ""
    assert stderr.splitlines() == [
        f"error: invalid family name {name!r}: use lower-case letters and digits, words joined by single _, "
        "starting with a letter (at most 40 characters), e.g. check_line"
    ]
    assert not (tmp_path / "pkg").exists()


def test_a_folder_that_is_not_empty_is_refused(tmp_path):
    mine = tmp_path / "pkg" / "pyproject.toml"
    mine.parent.mkdir()
    mine.write_text("# mine\n")
    code, stdout, stderr = new("ok", "--package", str(mine.parent))
    assert code == 2 and stdout == ""
    assert stderr.splitlines() == [
        f"error: {mine.parent}: exists and is not empty; give a new or empty folder"
    ]
    assert [p.name for p in mine.parent.iterdir()] == ["pyproject.toml"] and mine.read_text() == "# mine\n"
    code, _, stderr = new("ok", "--package", str(mine))
    assert code == 2 and stderr.splitlines() == [f"error: {mine}: exists and is not a folder"]
    code, _, stderr = new("ok", "--package", str(tmp_path / "new"), "--out", str(tmp_path / "o"))
    assert code == 2 and stderr.splitlines() == ["error: give --package or --out, not both"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]


def test_an_empty_folder_is_written_into(tmp_path):
    code, stdout, stderr = new("ok", "--package", str(tmp_path))
    assert code == 0, stderr
    assert (tmp_path / "mathif_ok" / "constraint_ok.py").is_file() and (
        tmp_path / "tests" / "test_constraint_ok.py"
    ).is_file()


# the loose files of --out, for a family without arguments (with one: test_new_families_cli.py)


def test_loose_files_of_a_family_without_arguments_pass_their_tests(tmp_path):
    code, stdout, stderr = new(WITHOUT, "--no-args", "--out", str(tmp_path))
    assert code == 0, stderr
    tests = tmp_path / f"test_constraint_{WITHOUT}.py"
    assert stdout.splitlines()[-2:] == [
        f"  pytest {tests}",
        f"  to install it as a plugin, start from a package: mathif constraints new {WITHOUT} --package DIR",
    ]
    proc = run_step(f"pytest {tests}", env(None), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "::test_bad_arguments_are_refused PASSED" in proc.stdout
    spec = importlib.util.spec_from_file_location("loose_family", tmp_path / f"constraint_{WITHOUT}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.FAMILY.params == () and module.FAMILY.id == f"custom:{WITHOUT}"
    assert module.__doc__.startswith(
        f"custom:{WITHOUT} -- a placeholder, to be replaced by the family you have in mind."
    )
