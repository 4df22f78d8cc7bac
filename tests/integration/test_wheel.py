"""mathif as an installed package: the wheel, a fresh venv away from the clone, MATHIF_HOME.

The slow test builds the wheel (``pip wheel --no-deps --no-build-isolation`` with this venv's
pip, from a copy of the working tree so that nothing lands in the clone's build/), installs it
in a fresh venv (this venv's third-party packages reach it through a ``.pth`` line, which does
not run this venv's own ``.pth`` files, so the editable install of the clone stays out), and
from a folder outside the clone pulls from the mirror, builds v1.0.0 by version, compares it
with the recorded manifest, verifies and scores it.  The quick tests check the same path rules
in process.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core import HOME_ENV, Manifest, Shipped, sha256_file
from curation.raw import RawPaths, pull
from tests.support.paths import FIXTURE_MIRROR, RAW, ROOT

runner = CliRunner()
IGNORED = {".git", ".venv", "build", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr, stderr
    return lines[0]


# ---------------------------------------------------------------- quick: the rules in process


def test_pyproject_names_every_package_of_the_tree():
    """The wheel's packages are listed by name (the shipped data needs a mapping that package
    discovery cannot make): a new subpackage must be added to pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("constraints", "curation", "mathif")
        for p in (ROOT / top).rglob("__init__.py")
    }
    shipped = {"curation._shipped.raw", "curation._shipped.release"}
    assert set(config["packages"]) == on_disk | shipped
    assert config["package-dir"] == {"curation._shipped.raw": "raw", "curation._shipped.release": "release"}


@pytest.fixture(scope="module")
def fixture_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("home")
    assert not pull(["gsm8k"], FIXTURE_MIRROR, paths=RawPaths.under(home)).errors
    return home


TINY = """
version = "0.0.1-home"
seed = 1
[[splits]]
name = "gsm8k"
sources = ["gsm8k"]
quota = { single = 1 }
"""


def test_build_writes_under_mathif_home_by_default(fixture_home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(HOME_ENV, str(fixture_home))
    (tmp_path / "recipe.toml").write_text(TINY)
    result = runner.invoke(app, ["build", "recipe.toml", "--no-parquet"])
    assert result.exit_code == 0, result.output
    assert (fixture_home / "build" / "0.0.1-home" / "manifest.json").is_file()
    assert not (tmp_path / "build").exists()  # no longer relative to the current directory

    listed = runner.invoke(app, ["release", "list", "--json"])  # the shipped releases, built under the home
    assert listed.exit_code == 0, listed.output
    assert {"v1.0.0", "v2.0.0"} <= {r["tag"] for r in json.loads(listed.stdout)}


def test_an_unknown_version_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["build", "v9.9.9"])
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert line.startswith(f"error: {ROOT / 'release' / 'v9.9.9' / 'recipe.toml'}: no shipped recipe")
    assert "(shipped: v1.0.0, v2.0.0" in line


def test_record_is_refused_for_installed_package_data(tmp_path, monkeypatch):
    root = tmp_path / "site-packages" / "curation" / "_shipped"
    (root / "release" / "v1.0.0").mkdir(parents=True)
    shutil.copy(ROOT / "release" / "v1.0.0" / "recipe.toml", root / "release" / "v1.0.0")
    monkeypatch.setattr(importlib.import_module("curation.core.home"), "shipped", lambda: Shipped(root, True))
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))  # no raw cache: refused before reading it
    result = runner.invoke(app, ["build", "v1.0.0", "--record"])
    assert result.exit_code == 2
    dest = root / "release" / "v1.0.0" / "manifest.json"
    assert one_error_line(result.stderr).startswith(
        f"error: {dest}: is read-only data of the installed package"
    )
    assert not dest.exists() and not (tmp_path / "home" / "build").exists()


# ---------------------------------------------------------------- slow: the wheel, installed


def run(
    cmd: list[str | Path], timings: dict[str, float], step: str, **kw
) -> subprocess.CompletedProcess[str]:
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=900, **kw)
    timings[step] = timings.get(step, 0.0) + time.perf_counter() - start
    return proc


def copy_tree(dest: Path) -> Path:
    """The working tree as a clone would have it, without caches, builds and the venv, plus
    a raw cache and a build folder that must not get into the wheel."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        top = Path(folder) == ROOT
        return {
            n
            for n in names
            if n == "__pycache__"
            or n.endswith(".egg-info")
            or (top and n in IGNORED)
            or (top and n == "shared")
        } | ({"cache"} if Path(folder) == ROOT / "raw" else set())

    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    (dest / "raw" / "cache").mkdir()
    (dest / "raw" / "cache" / "gsm8k.jsonl").write_text('{"decoy": true}\n')
    (dest / "build" / "1.0.0").mkdir(parents=True)
    (dest / "build" / "1.0.0" / "manifest.json").write_text("{}\n")
    return dest


@pytest.mark.slow
def test_the_wheel_installed_away_from_the_clone_pulls_builds_verifies_and_scores(tmp_path):
    if not RAW.is_dir():
        pytest.fail(f"the raw mirror is expected at {RAW}")
    timings: dict[str, float] = {}
    pip = [sys.executable, "-m", "pip"]

    # the wheel, from a copy of the working tree
    src = copy_tree(tmp_path / "src")
    dist = tmp_path / "dist"
    proc = run(
        [*pip, "wheel", src, "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", dist],
        timings,
        "wheel",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = dist.glob("mathif-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        data = {n: z.read(n) for n in names if n.startswith("curation/_shipped/")}
    expected = {"curation/_shipped/raw/sources.toml", "curation/_shipped/raw/lock.json"}
    for folder in sorted((ROOT / "release").glob("v*")):
        expected |= {
            f"curation/_shipped/release/{folder.name}/{f.name}" for f in folder.iterdir() if f.is_file()
        }
    assert set(data) == expected
    for name, content in data.items():
        assert content == (ROOT / name.removeprefix("curation/_shipped/")).read_bytes(), name
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if "cache" in n.split("/") or n.startswith(("build/", "tests/", "raw/"))]

    # a fresh venv: the wheel installed first (so pip sees no mathif), then this venv's packages
    venv = tmp_path / "venv"
    proc = run([sys.executable, "-m", "venv", "--without-pip", venv], timings, "venv + install")
    assert proc.returncode == 0, proc.stderr
    python = venv / "bin" / "python"
    proc = run(
        [*pip, "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
        timings,
        "venv + install",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], timings, "venv + install"
    )
    ours = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (Path(site.stdout.strip()) / "zz_mathif_test_dependencies.pth").write_text(
        "".join(f"{p}\n" for p in ours)
    )

    work = tmp_path / "work"  # outside the clone
    work.mkdir()
    home = tmp_path / "home"
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", HOME_ENV, "MATHIF_RAW_MIRROR", "XDG_DATA_HOME"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env |= {HOME_ENV: str(home), "MATHIF_PLUGINS": "", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    mathif = venv / "bin" / "mathif"

    probe = """
import json, sys
import constraints, curation
from curation.core import home_dir, shipped
print(json.dumps({
    "curation": curation.__file__, "constraints": constraints.__file__,
    "editable": [m for m in sys.modules if "editable" in m] + [repr(f) for f in sys.meta_path if "ditable" in repr(f)],
    "shipped": str(shipped().root), "installed": shipped().installed, "home": str(home_dir()),
}))
"""
    proc = run([python, "-c", probe], timings, "checks", cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert Path(seen["curation"]).is_relative_to(venv) and Path(seen["constraints"]).is_relative_to(venv), (
        seen
    )
    assert seen["editable"] == [], seen
    assert seen["installed"] and Path(seen["shipped"]).is_relative_to(venv) and seen["home"] == str(home)
    no_home = {k: v for k, v in env.items() if k != HOME_ENV} | {"HOME": str(tmp_path / "user")}
    for extra, expected_home in (
        ({"XDG_DATA_HOME": str(tmp_path / "xdg")}, tmp_path / "xdg" / "mathif"),
        ({}, tmp_path / "user" / ".local" / "share" / "mathif"),
    ):
        proc = run([python, "-c", probe], timings, "checks", cwd=work, env=no_home | extra)
        assert json.loads(proc.stdout)["home"] == str(expected_home), proc.stderr

    # pull, build by version, compare with the recorded manifest
    proc = run([mathif, "raw", "pull", "--mirror", RAW.resolve()], timings, "pull", cwd=work, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(list((home / "raw" / "cache").glob("*.jsonl"))) == 7
    assert not (home / "raw" / "lock.json").exists()  # the mirror matched the shipped lock

    proc = run([mathif, "build", "v1.0.0", "--record"], timings, "checks", cwd=work, env=env)
    assert proc.returncode == 2 and "is read-only data of the installed package" in one_error_line(
        proc.stderr
    )

    proc = run([mathif, "build", "v1.0.0"], timings, "build", cwd=work, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    built = home / "build" / "1.0.0"
    recorded = Manifest.read(ROOT / "release" / "v1.0.0" / "manifest.json")
    mine = Manifest.read(built / "manifest.json")
    assert mine.differences(recorded) == []
    for name, entry in recorded.files.items():
        assert sha256_file(built / name) == entry.sha256, name
    assert not list(work.iterdir())  # everything went under the home

    listed = run([mathif, "release", "list", "--json"], timings, "checks", cwd=work, env=env)
    assert listed.returncode == 0, listed.stderr
    assert {r["tag"]: r["built"] for r in json.loads(listed.stdout)}["v1.0.0"]

    proc = run([mathif, "verify", built], timings, "verify", cwd=work, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    data = built / "gsm8k_single.jsonl"
    generations = tmp_path / "generations.jsonl"
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    generations.write_text(
        "".join(
            json.dumps({"output": f"</think>The answer is \\boxed{{{r['answer']}}}."}) + "\n" for r in rows
        ),
        encoding="utf-8",
    )
    scores = tmp_path / "scores"
    proc = run(
        [mathif, "score", "--data", data, "--generations", generations, "--out", scores],
        timings,
        "score",
        cwd=work,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads((scores / "summary.json").read_text(encoding="utf-8"))
    assert {"hacc", "sacc", "correctness"} <= set(summary)

    print("wheel test timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
