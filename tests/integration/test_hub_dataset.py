"""The published dataset is the interface: v1.0.0 published to a local Hub server, then read
back by every command in every form (``ORG/NAME@v1.0.0``, the snapshot, the dry-run tree,
one parquet file, the build folder) with the same items and keys; the card's own
evaluation command run verbatim (tiny model on vLLM's CPU engine, ``--limit``) gives the
same keys and scores as evaluating the build folder.

Every command runs as a real ``mathif`` process against the server (``HF_ENDPOINT``), with
its own Hugging Face cache in a temporary folder.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from curation.core import open_dataset
from curation.raw.pull import RawPaths, pull
from tests.support.hub_server import HubServer, running_hub
from tests.support.paths import RAW, ROOT
from tests.support.vllm_env import env as vllm_env

pytestmark = pytest.mark.hub
TOKEN = "hf_mathifTestToken_HubDataset_5b7d"
REPO = "me/mathif-if"
MATHIF = str(Path(sys.executable).parent / "mathif")


@dataclass
class Published:
    root: Path
    hub: HubServer
    build: Path  # build/1.0.0 of the published version
    tree: Path  # the dry-run tree of the same version

    def env(self, **extra: str) -> dict[str, str]:
        out = dict(os.environ)
        for key in ("HF_TOKEN", "HF_HUB_OFFLINE", "OPENAI_API_KEY"):
            out.pop(key, None)
        return (
            out
            | {
                "MATHIF_HOME": str(self.root / "home"),
                "MATHIF_PLUGINS": "",
                "HF_ENDPOINT": self.hub.url,
                "HF_HOME": str(self.root / "hf"),
                "HF_HUB_CACHE": str(self.root / "hf" / "hub"),
                "HF_HUB_DISABLE_TELEMETRY": "1",
            }
            | extra
        )


def mathif(pub: Published, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        [MATHIF, *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd or pub.root,
        env=env or pub.env(),
        stdin=subprocess.DEVNULL,
    )


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-3000:])
    return proc


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("hubdata")
    assert not pull(mirror=RAW, paths=RawPaths.under(root / "home")).errors
    (root / "release" / "v1.0.0").mkdir(parents=True)
    for name in ("recipe.toml", "manifest.json"):
        shutil.copy(ROOT / "release" / "v1.0.0" / name, root / "release" / "v1.0.0" / name)
    with running_hub(tokens=(TOKEN,), lifetime=1800) as hub:
        pub = Published(root, hub, root / "build" / "1.0.0", root / "tree")
        roots = ["--release-root", str(root / "release"), "--build-root", str(root / "build")]
        ok(mathif(pub, "release", "publish", "v1.0.0", "--repo", REPO, *roots, env=pub.env(HF_TOKEN=TOKEN)))
        ok(mathif(pub, "release", "publish", "v1.0.0", "--repo", REPO, "--dry-run", str(pub.tree), *roots))
        yield pub


def item_rows(dataset: str | Path) -> list[tuple[str, dict]]:
    """(key, the item's fields) of every item, as the reader gives them."""
    return [
        (f"{f.name}:{item.line}", item.to_mathif() | dict(item.extra))
        for f, item in open_dataset(dataset).items()
    ]


def test_every_form_gives_the_same_items_with_the_same_keys(published, tmp_path):
    built = item_rows(published.build)
    assert len(built) == 420 and built[0][0] == "aime_double.jsonl:1"
    assert item_rows(published.tree) == built
    hub = open_dataset(f"{REPO}@v1.0.0", endpoint=published.hub.url, cache_dir=tmp_path / "hf")
    assert hub.form == "hub" and hub.revision == published.hub.state.repo("dataset", REPO).tags["v1.0.0"]
    assert [(f"{f.name}:{i.line}", i.to_mathif() | dict(i.extra)) for f, i in hub.items()] == built
    one = published.tree / "data" / "gsm8k_single" / "test-00000-of-00001.parquet"
    assert item_rows(one) == [row for row in built if row[0].startswith("gsm8k_single.jsonl:")]
    assert item_rows(published.build / "gsm8k_single.parquet") == item_rows(one)


def test_verify_reports_420_items_ok_on_the_hub_id_and_the_tree(published):
    for form in (f"{REPO}@v1.0.0", str(published.tree)):
        proc = ok(mathif(published, "verify", form, "--report", str(published.root / "verify.json")))
        assert "420 items: 420 ok" in " ".join(proc.stdout.split()), proc.stdout[-1500:]
        report = json.loads((published.root / "verify.json").read_text(encoding="utf-8"))
        assert len(report) == 420 and all(v["problems"] == [] for v in report)


def test_a_hub_id_reads_offline_once_cached_and_a_missing_revision_is_one_line(published):
    ok(mathif(published, "verify", f"{REPO}@v1.0.0"))  # cached (again) by now
    offline = ok(mathif(published, "verify", f"{REPO}@v1.0.0", env=published.env(HF_HUB_OFFLINE="1")))
    assert "420 ok" in offline.stdout
    missing = mathif(published, "verify", f"{REPO}@v9.9.9")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    lines = [line for line in missing.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "v9.9.9" in lines[0], missing.stderr


def test_score_of_keyed_generations_is_the_same_on_the_hub_id_and_the_build(published, tmp_path):
    gens = tmp_path / "gens.jsonl"
    with gens.open("w", encoding="utf-8") as fh:
        for n, (key, row) in enumerate(item_rows(published.build)):
            boxed = row["answer"] if n % 3 else "0"
            fh.write(json.dumps({"key": key, "output": f"<think>so</think>It is \\boxed{{{boxed}}}"}) + "\n")
    outs = {}
    for name, data in (("hub", f"{REPO}@v1.0.0"), ("build", str(published.build))):
        outs[name] = tmp_path / name
        ok(mathif(published, "score", "--data", data, "--generations", str(gens), "--out", str(outs[name])))
    hub_items = (outs["hub"] / "items.jsonl").read_text(encoding="utf-8")
    assert hub_items == (outs["build"] / "items.jsonl").read_text(encoding="utf-8")
    summaries = [json.loads((outs[n] / "summary.json").read_text(encoding="utf-8")) for n in ("hub", "build")]
    assert summaries[0]["run"].pop("dataset").startswith(f"{REPO}@v1.0.0 (commit ")
    summaries[1]["run"].pop("dataset")
    assert summaries[0] == summaries[1]
    assert 0.6 < summaries[0]["correctness"] < 0.7  # two thirds give the gold
    for name in ("report.md", "samples.jsonl", "plots"):
        assert (outs["hub"] / name).exists()


def card_eval_command(readme: str) -> str:
    found = [line.strip() for line in readme.splitlines() if line.strip().startswith("mathif eval ")]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.vllm
def test_the_cards_own_eval_command_gives_the_scores_of_the_build(published, tiny_model, tmp_path):
    """The card's command, verbatim but for the model (MODEL: the tiny model) and a limit."""
    from huggingface_hub import hf_hub_download

    readme = Path(
        hf_hub_download(
            REPO,
            "README.md",
            repo_type="dataset",
            revision="v1.0.0",
            endpoint=published.hub.url,
            cache_dir=tmp_path / "card",
        )
    ).read_text(encoding="utf-8")
    command = card_eval_command(readme)
    assert command.startswith(f"mathif eval {REPO}@v1.0.0 ")
    work = tmp_path / "work"
    work.mkdir()
    (work / "tiny").symlink_to(tiny_model)
    limit = ["--limit", "1", "--max-tokens", "12", "--enforce-eager"]
    args = shlex.split(command.replace("MODEL", "tiny"))[1:] + limit
    run_env = vllm_env(published.env()) | {"HF_HUB_OFFLINE": "0"}
    ok(mathif(published, *args, cwd=work, env=run_env))
    hub_run = work / "runs" / "tiny"
    build_args = ["eval", str(published.build), "--model", "tiny", "--backend", "vllm", "--out", "built"]
    ok(mathif(published, *build_args, *limit, cwd=work, env=run_env))
    hub_items = [json.loads(x) for x in (hub_run / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    built_items = [
        json.loads(x) for x in (work / "built" / "items.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(hub_items) == 15 and [r["key"] for r in hub_items] == [r["key"] for r in built_items]
    assert hub_items == built_items
    gens = [(work / d / "generations.jsonl").read_text(encoding="utf-8") for d in ("runs/tiny", "built")]
    assert sorted(gens[0].splitlines()) == sorted(gens[1].splitlines())
    summaries = [
        json.loads((d / "summary.json").read_text(encoding="utf-8")) for d in (hub_run, work / "built")
    ]
    for s in summaries:
        s["run"].pop("dataset")
    assert summaries[0] == summaries[1]
