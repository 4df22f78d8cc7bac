"""``mathif release list``: a version built but not recorded shows its build's item count, marked."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from curation.cli import app
from curation.release import ReleasePaths, release_status
from tests.support.paths import ROOT

runner = CliRunner()


def roots(tmp_path):
    """v1.0.0 recorded and built; v2.0.0 built, not recorded; v3.0.0 neither; v4.0.0 a broken build."""
    release, build = tmp_path / "release", tmp_path / "build"
    for tag in ("v1.0.0", "v2.0.0", "v3.0.0", "v4.0.0"):
        (release / tag).mkdir(parents=True)
        shutil.copy(ROOT / "release" / "v2.0.0" / "recipe.toml", release / tag / "recipe.toml")
    shutil.copy(ROOT / "release" / "v1.0.0" / "manifest.json", release / "v1.0.0" / "manifest.json")
    for version, source in (("1.0.0", "v1.0.0"), ("2.0.0", "v2.0.0")):
        (build / version).mkdir(parents=True)
        shutil.copy(ROOT / "release" / source / "manifest.json", build / version / "manifest.json")
    (build / "4.0.0").mkdir()
    (build / "4.0.0" / "manifest.json").write_text("{not json")
    return release, build


def test_items_come_from_the_recorded_manifest_else_from_the_build(tmp_path):
    release, build = roots(tmp_path)
    rows = {r.ref.tag: r for r in release_status(ReleasePaths(release, build))}
    recorded = json.loads((ROOT / "release" / "v1.0.0" / "manifest.json").read_text())["items"]
    built = json.loads((ROOT / "release" / "v2.0.0" / "manifest.json").read_text())["items"]
    assert (rows["v1.0.0"].items, rows["v1.0.0"].items_from, rows["v1.0.0"].built) == (
        recorded,
        "recorded",
        "yes",
    )
    assert (rows["v2.0.0"].items, rows["v2.0.0"].items_from, rows["v2.0.0"].has_manifest) == (
        built,
        "built",
        False,
    )
    assert (rows["v3.0.0"].items, rows["v3.0.0"].items_from, rows["v3.0.0"].built) == (None, None, "no")
    assert (rows["v4.0.0"].items, rows["v4.0.0"].items_from) == (None, None)
    assert len(rows["v4.0.0"].problems) == 1 and "4.0.0/manifest.json" in rows["v4.0.0"].problems[0]


def test_a_version_with_an_unreadable_recorded_manifest_takes_no_count_from_its_build(tmp_path):
    release, build = roots(tmp_path)
    (release / "v2.0.0" / "manifest.json").write_text("{not json")
    row = next(r for r in release_status(ReleasePaths(release, build)) if r.ref.tag == "v2.0.0")
    assert (row.items, row.items_from) == (None, None) and row.problems


def test_release_list_marks_a_count_that_is_not_recorded(tmp_path):
    release, build = roots(tmp_path)
    args = ["release", "list", "--release-root", str(release), "--build-root", str(build)]
    listed = runner.invoke(app, [*args, "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {r["tag"]: r for r in json.loads(listed.stdout)}
    assert rows["v1.0.0"]["items_from"] == "recorded" and rows["v2.0.0"]["items_from"] == "built"
    assert rows["v3.0.0"]["items"] is None and rows["v3.0.0"]["items_from"] is None
    table = runner.invoke(app, args, terminal_width=200)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    v1 = next(line for line in lines if "│ v1.0.0" in line)
    v2 = next(line for line in lines if "│ v2.0.0" in line)
    v3 = next(line for line in lines if "│ v3.0.0" in line)
    assert f" {rows['v1.0.0']['items']} │" in v1 and "(built)" not in v1
    assert f" {rows['v2.0.0']['items']} (built) │" in v2
    assert " - │" in v3
    note = f"v2.0.0: built, not recorded: its items are those of {build / '2.0.0' / 'manifest.json'}"
    assert any(line.startswith(note) for line in lines)
    assert not any(line.startswith(("v1.0.0:", "v3.0.0:", "v4.0.0:")) for line in lines)
