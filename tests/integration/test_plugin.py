"""A third-party package (tests/support/plugin_pkg) adds a family through the entry point
group ``mathif.constraints``; every command picks it up: list, build, verify, score.

The package is installed as a user installs it (``pip install``, from its pyproject.toml)
into a folder that is put on PYTHONPATH of real ``mathif`` processes, as site-packages
is on sys.path; nothing in the tool names it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from constraints import Registry
from constraints.joint import joint_witness
from constraints.registry import ENTRY_POINT_GROUP, PLUGINS_ENV, SHIPPED, _plugin_families
from curation.core import Manifest, PluginRecord
from curation.core.items import item_from_dict
from curation.dataset import verify_file
from curation.raw.pull import RawPaths, pull
from tests.support.paths import PLUGIN_DIR, RAW

pytest_plugins = ["tests.support.plugin_install"]  # the fixture demo_plugin: the demo package, installed

MATHIF = Path(sys.executable).parent / "mathif"
PLUGIN_ID = "demo:therefore_sign"
PLUGIN_ENTRY_POINT = "therefore_sign"

RECIPE = """
version = "0.0.1-plugin"
seed = 3
families = ["demo:therefore_sign", "punctuation:no_comma"]

[[splits]]
name = "gsm8k"
sources = ["gsm8k"]
quota = { single = 2, double = 3 }
"""


def _plugin_family(installed: Path):
    spec = importlib.util.spec_from_file_location(
        "plugin_copy", installed / "mathif_plugin_demo" / "__init__.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FAMILY


def run(
    *args: str, plugin: Path | None, home: Path | None = None, broken: Path | None = None
) -> subprocess.CompletedProcess:
    """``mathif ARGS`` with the demo plugin installed in the folder ``plugin`` and allowed
    (None: not installed), and the broken plugins of the folder ``broken`` too (entry points
    ``acme`` and ``wrong``)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    path, allowed = [], []
    if plugin is not None:
        path.append(str(plugin))
        allowed.append(PLUGIN_ENTRY_POINT)
    if broken is not None:
        path.append(str(broken))
        allowed.extend(["acme", "wrong"])
    if path:
        env["PYTHONPATH"] = os.pathsep.join(path)
        env[PLUGINS_ENV] = ",".join(allowed)
    if home is not None:
        env["MATHIF_HOME"] = str(home)
    return subprocess.run([str(MATHIF), *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    outcome = pull(["gsm8k"], mirror=RAW, paths=RawPaths.under(home))
    assert not outcome.errors
    return home


@pytest.fixture(scope="module")
def built(home, demo_plugin, tmp_path_factory):
    work = tmp_path_factory.mktemp("plugin_build")
    recipe = work / "recipe.toml"
    recipe.write_text(RECIPE)
    proc = run(
        "build", str(recipe), "--out", str(work / "out"), "--no-parquet", plugin=demo_plugin, home=home
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return work / "out"


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """Two installed plugins that fail to load: ``acme`` (acme-constraints 1.2) imports a
    module that is not there, ``wrong`` (wrong-constraints 0.3) gives a string."""
    root = tmp_path_factory.mktemp("broken_plugins")
    for dist, version, ep, module, source in (
        ("acme-constraints", "1.2", "acme", "acme_rhyme", "import acme_missing_dependency\n"),
        ("wrong-constraints", "0.3", "wrong", "wrong_family", "FAMILY = 'rhyme'\n"),
    ):
        (root / f"{module}.py").write_text(source)
        info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{ep} = {module}:FAMILY\n")
    return root


ACME_FAILED = (
    "plugin 'acme' from acme-constraints 1.2 failed to load: "
    "ModuleNotFoundError: No module named 'acme_missing_dependency'"
)
WRONG_FAILED = (
    "plugin 'wrong' from wrong-constraints 0.3 failed to load: "
    "TypeError: entry point gave 'rhyme', not a Family, a list of them or a module"
)


def shipped_item() -> dict:
    return {
        "source": "toy",
        "id": "toy-1",
        "question": "What is 6 times 7?",
        "answer": "42",
        "constraint_desc": ["In your entire response, refrain from the use of any commas."],
        "constraint_name": ["punctuation:no_comma"],
        "constraint_args": [None],
    }


def test_entry_point_is_found_on_the_path(demo_plugin, monkeypatch):
    assert PLUGIN_ID not in [f.id for f in _plugin_families()]
    monkeypatch.syspath_prepend(str(demo_plugin))
    assert _plugin_families() == []  # installed, but not allowed
    monkeypatch.setenv(PLUGINS_ENV, PLUGIN_ENTRY_POINT)
    found = _plugin_families()
    assert [f.id for f in found] == [PLUGIN_ID]
    # pip wrote the entry point from the package's pyproject.toml: the source holds no dist-info,
    # and the install built from a copy, leaving no build output in it
    entry_points = (demo_plugin / "mathif_plugin_demo-0.1.0.dist-info" / "entry_points.txt").read_text()
    assert entry_points.splitlines() == [
        f"[{ENTRY_POINT_GROUP}]",
        f"{PLUGIN_ENTRY_POINT} = mathif_plugin_demo:FAMILY",
    ]
    leftovers = [*PLUGIN_DIR.glob("*.dist-info"), *PLUGIN_DIR.glob("*.egg-info"), PLUGIN_DIR / "build"]
    assert (PLUGIN_DIR / "pyproject.toml").is_file() and not [p for p in leftovers if p.exists()]
    sys.modules.pop("mathif_plugin_demo", None)


def test_listed_with_its_origin(demo_plugin):
    proc = run("constraints", "list", "--json", plugin=demo_plugin)
    assert proc.returncode == 0, proc.stderr
    rows = {r["id"]: r for r in json.loads(proc.stdout)}
    assert rows[PLUGIN_ID]["origin"] == "plugin" and "∴" in rows[PLUGIN_ID]["example"]
    assert PLUGIN_ID not in {
        r["id"] for r in json.loads(run("constraints", "list", "--json", plugin=None).stdout)
    }


def test_build_uses_the_plugin_family(built):
    rows = [json.loads(line) for f in sorted(built.glob("*.jsonl")) for line in f.read_text().splitlines()]
    assert len(rows) == 5
    doubles = [r for r in rows if r["num_constraints"] == 2]
    assert all(PLUGIN_ID in r["constraint_name"] for r in doubles)  # only two families allowed
    assert all("∴" in r["prompt"] for r in doubles)


def test_the_manifest_records_the_plugin(built):
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["plugins"] == [
        {
            "distribution": "mathif-plugin-demo",
            "version": "0.1.0",
            "entry_point": PLUGIN_ENTRY_POINT,
            "families": [PLUGIN_ID],
        }
    ]
    assert Manifest.read(built / "manifest.json").plugins == (
        PluginRecord("mathif-plugin-demo", "0.1.0", PLUGIN_ENTRY_POINT, (PLUGIN_ID,)),
    )


def test_a_build_of_shipped_families_records_no_plugin(home, demo_plugin, tmp_path):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE.replace('"demo:therefore_sign"', '"startend:quotation"'))
    proc = run(
        "build", str(recipe), "--out", str(tmp_path / "out"), "--no-parquet", plugin=demo_plugin, home=home
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "plugins" not in json.loads((tmp_path / "out" / "manifest.json").read_text())


def test_verify_knows_it_only_with_the_plugin(built, demo_plugin, tmp_path):
    assert run("verify", str(built), plugin=demo_plugin).returncode == 0
    report = tmp_path / "r.json"
    proc = run("verify", str(built), "--report", str(report), plugin=None)
    assert proc.returncode == 1
    assert f"unknown_family: constraint 2: unknown constraint id '{PLUGIN_ID}'" in proc.stdout
    rows = json.loads(report.read_text())
    assert {r["status"] for r in rows} == {"ok", "unknown_family"}
    assert sum(r["status"] == "unknown_family" for r in rows) == 3  # the doubles
    assert proc.stdout.splitlines()[-1] == "5 items: 2 ok, 3 unknown family"


def test_verify_names_the_plugin_of_the_manifest(built):
    plugins = Manifest.read(built / "manifest.json").plugins
    verdicts = verify_file(built / "gsm8k_double.jsonl", plugins=plugins)  # the tests allow no plugin
    assert {v.status for v in verdicts} == {"unknown_family"}
    assert all(
        any(
            p.endswith(
                f"unknown constraint id '{PLUGIN_ID}'; this version was built with plugin "
                f"'{PLUGIN_ENTRY_POINT}' from mathif-plugin-demo 0.1.0, which is not installed"
            )
            for p in v.problems
        )
        for v in verdicts
    )


# a broken plugin: one line, and only commands that need its families fail


def test_a_broken_plugin_leaves_the_listing_with_one_warning_each(demo_plugin, broken):
    proc = run("constraints", "list", "--json", plugin=demo_plugin, broken=broken)
    assert proc.returncode == 0, proc.stderr
    ids = [r["id"] for r in json.loads(proc.stdout)]
    assert PLUGIN_ID in ids and "punctuation:no_comma" in ids
    assert proc.stderr.splitlines() == [
        f"warning: {ACME_FAILED}; its families are not listed",
        f"warning: {WRONG_FAILED}; its families are not listed",
    ]
    shown = run("constraints", "show", "punctuation:no_comma", plugin=demo_plugin, broken=broken)
    assert shown.returncode == 0 and shown.stderr == ""


def test_a_broken_plugin_does_not_stop_shipped_families(demo_plugin, broken, tmp_path):
    data = tmp_path / "shipped.jsonl"
    data.write_text(json.dumps(shipped_item()) + "\n")
    proc = run("verify", str(data), plugin=demo_plugin, broken=broken)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == "" and proc.stdout.splitlines()[-1] == "1 items: 1 ok"
    gens = tmp_path / "g.jsonl"
    gens.write_text(json.dumps({"output": "<think>x</think>The answer is 42."}) + "\n")
    out = tmp_path / "scores"
    scored = run(
        "score",
        "--data",
        str(data),
        "--generations",
        str(gens),
        "--out",
        str(out),
        plugin=demo_plugin,
        broken=broken,
    )
    assert scored.returncode == 0 and "Traceback" not in scored.stderr, scored.stderr


def test_a_family_of_a_broken_plugin_is_one_line(demo_plugin, broken, tmp_path):
    row = shipped_item()
    row["constraint_name"] = ["acme:rhyme"]
    row["constraint_desc"] = ["Make it rhyme."]
    data = tmp_path / "acme.jsonl"
    data.write_text(json.dumps(shipped_item()) + "\n" + json.dumps(row) + "\n")
    unknown = f"constraint 1: unknown constraint id 'acme:rhyme' ({ACME_FAILED}; {WRONG_FAILED})"

    report = tmp_path / "r.json"
    proc = run("verify", str(data), "--report", str(report), plugin=demo_plugin, broken=broken)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    assert f"{data}:2 (toy-1): unknown_family: {unknown}" in proc.stdout.splitlines()
    assert [(r["status"], r["problems"]) for r in json.loads(report.read_text())] == [
        ("ok", []),
        ("unknown_family", [unknown]),
    ]

    gens = tmp_path / "g.jsonl"
    gens.write_text("".join(json.dumps({"output": "<think>x</think>42"}) + "\n" for _ in range(2)))
    scored = run(
        "score",
        "--data",
        str(data),
        "--generations",
        str(gens),
        "--out",
        str(tmp_path / "o"),
        plugin=demo_plugin,
        broken=broken,
    )
    assert scored.returncode == 2
    assert [line for line in scored.stderr.splitlines() if line.strip()] == [f"error: {data}:2: {unknown}"]

    shown = run("constraints", "show", "acme:rhyme", plugin=demo_plugin, broken=broken)
    assert shown.returncode == 2
    assert shown.stderr.splitlines() == [
        "error: unknown constraint id 'acme:rhyme' (see `mathif constraints list`) "
        f"({ACME_FAILED}; {WRONG_FAILED})"
    ]


def test_a_build_beside_a_broken_plugin_records_the_working_one(home, demo_plugin, broken, tmp_path):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE)
    proc = run(
        "build",
        str(recipe),
        "--out",
        str(tmp_path / "out"),
        "--no-parquet",
        home=home,
        plugin=demo_plugin,
        broken=broken,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "acme" not in proc.stderr
    plugins = json.loads((tmp_path / "out" / "manifest.json").read_text())["plugins"]
    assert [p["entry_point"] for p in plugins] == [PLUGIN_ENTRY_POINT]


def test_score_checks_it(demo_plugin, built, tmp_path):
    data = built / "gsm8k_double.jsonl"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    registry = Registry([*SHIPPED, _plugin_family(demo_plugin)])
    witnesses = [joint_witness(item_from_dict(r, registry=registry).constraints) for r in rows]
    assert all(w is not None and "∴" in w for w in witnesses)
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text("".join(json.dumps({"output": "<think>ok</think>" + w}) + "\n" for w in witnesses))
    bad.write_text(
        "".join(json.dumps({"output": "<think>ok</think>" + w.replace("∴", "")}) + "\n" for w in witnesses)
    )
    for gens, followed in ((good, True), (bad, False)):
        proc = run(
            "score",
            "--data",
            str(data),
            "--generations",
            str(gens),
            "--out",
            str(tmp_path / gens.stem),
            "--no-correctness",
            plugin=demo_plugin,
        )
        assert proc.returncode == 0, proc.stderr
        scored = [
            json.loads(line) for line in (tmp_path / gens.stem / "items.jsonl").read_text().splitlines()
        ]
        for row in scored:
            k = row["constraint_name"].index(PLUGIN_ID)
            assert row["follow"][k] is followed
            assert all(row["follow"][j] for j in range(len(row["follow"])) if j != k)
        summary = json.loads((tmp_path / gens.stem / "summary.json").read_text())
        assert summary["by_constraint"][PLUGIN_ID]["follow"] == (1.0 if followed else 0.0)
