"""The README's "Your own version" walkthrough, as a newcomer runs it: a family package from
``mathif constraints new``, installed with pip; the README's own recipe (weights, filters, a
family set with ids, a split with its own families), checked, built and recorded, verified,
compared with v1.0.0, and published as a dry run whose card names the plugin.

The recipe is read from README.md, so the README cannot drift from what works.  The release
folder and MATHIF_HOME are temporary; the plugin is installed into a folder on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from curation.raw import RawPaths, pull
from tests.support.paths import RAW, ROOT
from tests.support.plugin_install import pip_install

pytestmark = pytest.mark.slow

MATHIF = Path(sys.executable).parent / "mathif"
MARK = "<!-- walkthrough recipe: tests/integration/test_readme_walkthrough.py reads the block below -->"


def readme_recipe() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert MARK in text, "the README's walkthrough recipe marker is gone"
    block = re.search(r"```toml\n(.*?)```", text[text.index(MARK) :], re.S)
    assert block is not None
    return block.group(1)


def readme_commands() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Your own version")
    return text[start : text.index("\n## ", start + 10)]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A home with the sources pulled, a release root, and the rhyme package installed."""
    base = tmp_path_factory.mktemp("walkthrough")
    home, release, site = base / "home", base / "release", base / "site"
    assert not pull(None, mirror=RAW, paths=RawPaths.under(home)).errors
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {"MATHIF_HOME": str(home), "PYTHONPATH": str(site), "MATHIF_PLUGINS": "rhyme"}
    new = subprocess.run(
        [str(MATHIF), "constraints", "new", "rhyme", "--package", str(base / "mathif-rhyme")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert new.returncode == 0, new.stderr
    assert new.stdout.strip().splitlines()[-1].strip() == 'families = ["mathif", "custom:rhyme"]'
    pip_install([base / "mathif-rhyme"], site)
    return base, home, release, env


def mathif(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(MATHIF), *args], capture_output=True, text=True, env=env)


def test_the_readme_names_the_commands_this_test_runs():
    steps = readme_commands()
    for command in (
        "mathif constraints new rhyme --package mathif-rhyme",
        "pip install -e mathif-rhyme",
        "mathif recipe check v3.0.0",
        "mathif build v3.0.0 --record",
        "mathif verify build/3.0.0",
        "mathif diff build/1.0.0 build/3.0.0",
        "mathif release publish v3.0.0 --repo ORG/NAME --dry-run /tmp/v3.0.0-tree",
    ):
        assert command in steps, command


def test_the_walkthrough_works_as_written(world):
    base, home, release, env = world
    text = readme_recipe()
    recipe = tomllib.loads(text)
    assert recipe["version"] == "3.0.0" and "custom:rhyme" in recipe["families"]
    folder = release / "v3.0.0"
    folder.mkdir(parents=True)
    (folder / "recipe.toml").write_text(text, encoding="utf-8")

    check = mathif(env, "recipe", "check", str(folder / "recipe.toml"))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "filter: level >= 4 keeps" in check.stdout
    assert (
        "families: mathif (15) + math:single_boxed, math:answer_first, custom:rhyme, weighted" in check.stdout
    )
    assert "ok: 130 items" in check.stdout
    plan = json.loads(mathif(env, "recipe", "check", str(folder / "recipe.toml"), "--json").stdout)
    expected = {
        f["id"]: f["expected"] for m in plan["family_mix"] for f in m["families"] if m["split"] == "math_hard"
    }
    assert expected["custom:rhyme"] == pytest.approx(2 * expected["punctuation:no_comma"], rel=0.25)

    # the error the README quotes, for the recipe with a field no problem has
    bad = base / "bad" / "release" / "v3.0.0" / "recipe.toml"
    bad.parent.mkdir(parents=True)
    bad.write_text(text.replace('stratify = ["subject"]', 'stratify = ["difficulty"]'), encoding="utf-8")
    refused = mathif(env, "recipe", "check", str(bad))
    quoted = re.search(r"`error:\s+release/v3\.0\.0/recipe\.toml:(.*?)`", readme_commands(), re.S)
    assert quoted is not None and refused.returncode == 2
    assert refused.stderr.strip() == f"error: {bad}:" + " ".join(quoted.group(1).split())

    build = mathif(env, "build", str(folder / "recipe.toml"), "--record")
    assert build.returncode == 0, build.stdout + build.stderr
    built = home / "build" / "3.0.0"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest == json.loads((built / "manifest.json").read_text())
    assert [p["distribution"] for p in manifest["plugins"]] == ["mathif-rhyme"]
    rows = [json.loads(line) for f in sorted(built.glob("*.jsonl")) for line in f.read_text().splitlines()]
    assert len(rows) == 130
    names = [n for r in rows for n in r["constraint_name"]]
    assert names.count("custom:rhyme") > names.count("punctuation:no_comma")
    assert all(r["metadata"]["level"] >= 4 for r in rows if r["split"] == "math_hard")
    nt = [r for r in rows if r["split"] == "olympiad_nt"]
    assert all(r["metadata"]["subject"] == "Number Theory" for r in nt)
    assert {n for r in nt for n in r["constraint_name"]} <= {*json.loads(check_ids(env)), "custom:rhyme"}

    verify = mathif(env, "verify", str(built))
    assert verify.returncode == 0 and verify.stdout.splitlines()[-1] == "130 items: 130 ok", verify.stdout

    assert mathif(env, "build", "v1.0.0").returncode == 0
    diff = mathif(env, "diff", str(home / "build" / "1.0.0"), str(built), "--json")
    assert diff.returncode == 0, diff.stderr
    families = json.loads(diff.stdout)["families"]
    assert "custom:rhyme" in json.dumps(families)

    tree = base / "tree"
    publish = mathif(
        env, "release", "publish", "v3.0.0", "--repo", "me/mathif-hard", "--dry-run", str(tree),
        "--release-root", str(release),
    )  # fmt: skip
    assert publish.returncode == 0, publish.stdout + publish.stderr
    card = (tree / "README.md").read_text(encoding="utf-8")
    assert "mathif-rhyme" in card and "custom:rhyme" in card
    assert "data/math_hard_single/test-00000-of-00001.parquet" in card


def check_ids(env: dict[str, str]) -> str:
    """MathIF's 15 ids, as `mathif constraints list --json` gives their origin."""
    listed = json.loads(mathif(env, "constraints", "list", "--json").stdout)
    return json.dumps([f["id"] for f in listed if f["origin"] == "mathif"])
