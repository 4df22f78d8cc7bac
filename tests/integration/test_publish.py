"""``mathif release publish`` round trips against a local Hub server (tests/hub_server.py).

The real huggingface_hub client talks to the server through ``--endpoint`` /
``HfApi(endpoint=...)``; downloads go through ``snapshot_download(endpoint=...)``
into temporary caches, and ``datasets.load_dataset`` reads the snapshot folders.
Releases, builds, the raw cache and every Hugging Face cache live in a temporary
folder: the project's ``release/`` and ``build/`` are never written.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core.parquet import decode_record
from curation.dataset.build import build
from curation.dataset.diff import diff_versions
from curation.dataset.recipe import load_recipe
from curation.raw.cache import load_problems, lock_sha256, source_labels
from curation.raw.pull import RawPaths, pull
from tests.support.hub_server import HubServer, running_hub
from tests.support.paths import RAW, ROOT

pytestmark = pytest.mark.hub
TOKEN = "hf_mathifTestToken_DoNotLeak_8c1f2e7a"
REPO = "me/mathif"
runner = CliRunner()

V101_RECIPE = """\
version = "1.0.1"
description = "A smaller second version: other seed, no AIME, Minerva or OlympiadBench."
seed = 7
families = "mathif"

[[splits]]
name = "gsm8k"
sources = ["gsm8k"]
quota = { single = 10, double = 10, triple = 10 }

[[splits]]
name = "math500"
sources = ["math500"]
quota = { single = 10, double = 10 }
stratify = ["level"]
"""


@dataclass
class Env:
    root: Path
    raw: RawPaths
    release: Path
    build: Path
    hub: HubServer


def copy_release(release_root: Path, version: str = "v1.0.0") -> None:
    (release_root / version).mkdir(parents=True)
    for name in ("recipe.toml", "manifest.json"):
        shutil.copy(ROOT / "release" / version / name, release_root / version / name)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("publish")
    raw = RawPaths.under(root / "home")
    assert not pull(mirror=RAW, paths=raw).errors
    copy_release(root / "release")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MATHIF_HOME", str(root / "home"))
        mp.setenv("HF_HOME", str(root / "hf"))
        mp.setenv("HF_HUB_CACHE", str(root / "hf" / "hub"))
        mp.setenv("HF_DATASETS_CACHE", str(root / "hf" / "datasets"))
        mp.delenv("HF_TOKEN", raising=False)
        with running_hub(tokens=(TOKEN,), lifetime=300) as hub:
            yield Env(root, raw, root / "release", root / "build", hub)


def publish(env: Env, version: str, *extra: str, release: Path | None = None, build: Path | None = None):
    args = ["release", "publish", version, "--repo", REPO, "--endpoint", env.hub.url, *extra]
    args += ["--release-root", str(release or env.release), "--build-root", str(build or env.build)]
    return runner.invoke(app, args, env={"HF_TOKEN": TOKEN})


def one_error_line(result, *parts: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.output
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def built_rows(build_dir: Path) -> dict[str, list[dict]]:
    """config -> the built JSONL items, with ``all`` as every split in manifest order."""
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    out = {
        name: [json.loads(line) for line in (build_dir / f"{name}.jsonl").read_text("utf-8").splitlines()]
        for name in manifest["splits"]
    }
    out["all"] = [row for name in manifest["splits"] for row in out[name]]
    return out


def snapshot(env: Env, revision: str, cache: Path) -> Path:
    from huggingface_hub import snapshot_download

    return Path(
        snapshot_download(REPO, repo_type="dataset", revision=revision, endpoint=env.hub.url, cache_dir=cache)
    )


def loaded_rows(folder: Path, cache: Path) -> dict[str, list[dict]]:
    """config -> decoded rows, for every config the folder's dataset card declares."""
    import datasets
    from huggingface_hub import DatasetCard

    configs = [c["config_name"] for c in DatasetCard.load(folder / "README.md").data.configs]
    return {
        name: [
            decode_record(r)
            for r in datasets.load_dataset(str(folder), name=name, split="test", cache_dir=str(cache))
        ]
        for name in configs
    }


def repo_state(env: Env, repo: str = REPO):
    return env.hub.state.repo("dataset", repo)


@pytest.fixture(scope="module")
def v1(env):
    """v1.0.0 published once through the CLI (built first: the build root starts empty)."""
    assert not (env.build / "1.0.0").exists()
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    root_logger, hub_logger = logging.getLogger(), logging.getLogger("huggingface_hub")
    old_levels = root_logger.level, hub_logger.level
    root_logger.addHandler(handler)
    root_logger.setLevel(logging.DEBUG)
    hub_logger.setLevel(logging.DEBUG)
    start = len(env.hub.state.seen)
    try:
        result = publish(env, "v1.0.0")
    finally:
        root_logger.removeHandler(handler)
        root_logger.setLevel(old_levels[0])
        hub_logger.setLevel(old_levels[1])
    assert result.exit_code == 0, result.output
    logs = "\n".join(f"{r.getMessage()} {r.args!r}" for r in records)
    return result, logs, env.hub.state.seen[start:]


def test_publish_builds_then_makes_one_commit_then_the_tag_then_the_record(env, v1):
    result, _, seen = v1
    assert (env.build / "1.0.0" / "manifest.json").is_file()
    repo = repo_state(env)
    head = repo.branches["main"]
    commit = repo.commits[head]
    assert len(repo.commits) == 2 and repo.commits[commit.parent].summary == "initial commit"
    assert commit.parent_sent == commit.parent  # parent_commit pins the head the tree was computed on
    assert repo.tags == {"v1.0.0": head}
    calls = [f"{s.method} {s.path}" for s in seen]
    commits = [i for i, c in enumerate(calls) if c.startswith("POST /api/datasets/me/mathif/commit/")]
    tags = [i for i, c in enumerate(calls) if "/tag/" in c]
    assert len(commits) == 1 and tags == [len(calls) - 1] and commits[0] < tags[0]
    assert calls[tags[0]].endswith(f"/tag/{head}")  # the tag names the commit, not the branch
    record = json.loads((env.release / "v1.0.0" / "published.json").read_text(encoding="utf-8"))
    assert record == {
        "format_version": 1,
        "version": "1.0.0",
        "repo": REPO,
        "endpoint": env.hub.url,
        "commit": head,
        "tag": "v1.0.0",
        "private": False,
    }
    assert head in result.output and "v1.0.0" in result.output


def test_the_tag_loads_exactly_the_built_items_for_every_config(env, v1, tmp_path):
    folder = snapshot(env, "v1.0.0", tmp_path / "hub")
    expected = built_rows(env.build / "1.0.0")
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert files == {".gitattributes", "README.md"} | {
        f"data/{name}/test-00000-of-00001.parquet" for name in expected if name != "all"
    }
    loaded = loaded_rows(folder, tmp_path / "datasets")
    assert set(loaded) == set(expected) and len(loaded) == 16
    for name, rows in expected.items():
        assert loaded[name] == rows, name
    assert len(loaded["all"]) == 420


def test_the_token_is_never_printed_logged_or_written(env, v1):
    result, logs, seen = v1
    writes = [s for s in seen if s.method == "POST"]
    assert writes and all(s.authorized for s in writes)  # the token was used ...
    assert TOKEN not in result.output and TOKEN not in result.stderr  # ... and never shown
    assert logs and TOKEN not in logs
    for path in env.root.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_publishing_the_same_version_again_records_the_same_commit_and_tag(env, v1):
    """The tag names a commit with exactly this tree: nothing is made, the record stays the same."""
    repo = repo_state(env)
    commits, record = len(repo.commits), (env.release / "v1.0.0" / "published.json").read_bytes()
    start = len(env.hub.state.seen)
    result = publish(env, "v1.0.0")
    assert result.exit_code == 0, result.output
    assert len(repo.commits) == commits and repo.tags == {"v1.0.0": repo.branches["main"]}
    assert not any(
        s.method == "POST" for s in env.hub.state.seen[start:] if "/commit/" in s.path or "/tag/" in s.path
    )
    assert (env.release / "v1.0.0" / "published.json").read_bytes() == record


def test_dry_run_writes_exactly_the_committed_tree_without_token_or_hub(env, v1, tmp_path, monkeypatch):
    import datasets
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    start = len(env.hub.state.seen)
    dest = tmp_path / "dry"
    args = ["release", "publish", "v1.0.0", "--repo", REPO, "--dry-run", str(dest)]
    args += ["--release-root", str(env.release), "--build-root", str(env.build)]
    for _ in range(2):  # a second dry run into the same folder replaces the first
        result = runner.invoke(app, args, env={"HF_TOKEN": None})
        assert result.exit_code == 0, result.output
    assert len(env.hub.state.seen) == start
    committed = repo_state(env).commits[repo_state(env).tags["v1.0.0"]].files
    written = {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    assert written == {k: v for k, v in committed.items() if k != ".gitattributes"}
    ds = datasets.load_dataset(str(dest), name="gsm8k_single", split="test", cache_dir=str(tmp_path / "c"))
    assert [decode_record(r) for r in ds] == built_rows(env.build / "1.0.0")["gsm8k_single"]
    (dest / "notes.txt").write_text("mine")
    refused = runner.invoke(app, args, env={"HF_TOKEN": None})
    assert refused.exit_code == 2
    one_error_line(refused, str(dest), "not empty", "notes.txt")
    assert (dest / "notes.txt").read_text() == "mine"


def test_a_failure_in_the_middle_of_the_commit_leaves_no_tag_and_no_record(env, v1, tmp_path):
    release = tmp_path / "release"
    copy_release(release)
    repo_id = "me/atomic"
    args = ["release", "publish", "v1.0.0", "--repo", repo_id, "--endpoint", env.hub.url]
    args += ["--release-root", str(release), "--build-root", str(env.build)]
    env.hub.state.fail_commits = 1
    failed = runner.invoke(app, args, env={"HF_TOKEN": TOKEN})
    assert failed.exit_code == 1
    one_error_line(failed, "committing v1.0.0 failed", "500")
    repo = repo_state(env, repo_id)
    assert repo.tags == {} and len(repo.commits) == 1  # only the Hub's initial commit
    assert set(repo.commits[repo.branches["main"]].files) == {".gitattributes"}
    assert not (release / "v1.0.0" / "published.json").exists()
    again = runner.invoke(app, args, env={"HF_TOKEN": TOKEN})  # nothing half-done blocks a retry
    assert again.exit_code == 0, again.output
    assert repo.tags == {"v1.0.0": repo.branches["main"]} and len(repo.commits) == 2
    assert json.loads((release / "v1.0.0" / "published.json").read_text())["commit"] == repo.tags["v1.0.0"]


def test_a_failed_tag_leaves_no_record_and_a_retry_tags_the_same_commit(env, v1, tmp_path):
    release = tmp_path / "release"
    copy_release(release)
    repo_id = "me/tagging"
    args = ["release", "publish", "v1.0.0", "--repo", repo_id, "--endpoint", env.hub.url]
    args += ["--release-root", str(release), "--build-root", str(env.build)]
    env.hub.state.fail_tags = 1
    failed = runner.invoke(app, args, env={"HF_TOKEN": TOKEN})
    assert failed.exit_code == 1
    repo = repo_state(env, repo_id)
    head = repo.branches["main"]
    one_error_line(failed, f"tagging commit {head} as v1.0.0 failed", "500", "untagged")
    assert repo.tags == {} and not (release / "v1.0.0" / "published.json").exists()
    again = runner.invoke(app, args, env={"HF_TOKEN": TOKEN})
    assert again.exit_code == 0, again.output
    assert repo.branches["main"] == head and len(repo.commits) == 2  # no second commit
    assert repo.tags == {"v1.0.0": head}
    assert json.loads((release / "v1.0.0" / "published.json").read_text())["commit"] == head


@pytest.fixture(scope="module")
def v2(env, v1):
    """v1.0.1 (another seed, fewer splits) recorded in the temporary release root, then published."""
    folder = env.release / "v1.0.1"
    folder.mkdir()
    (folder / "recipe.toml").write_text(V101_RECIPE, encoding="utf-8")
    recipe = load_recipe(folder / "recipe.toml")
    result = build(
        recipe,
        env.build / "1.0.1",
        load_problems(recipe.sources, env.raw),
        lock_sha256(env.raw),
        source_labels(env.raw),
    )
    result.manifest.write(folder / "manifest.json")
    v1_commit = repo_state(env).tags["v1.0.0"]
    published = publish(env, "1.0.1")
    assert published.exit_code == 0, published.output
    return v1_commit


def test_a_second_version_on_top_leaves_the_first_tag_loading_the_first(env, v2, tmp_path):
    repo = repo_state(env)
    head = repo.commits[repo.branches["main"]]
    assert head.parent == v2 and head.parent_sent == v2
    assert repo.tags == {"v1.0.0": v2, "v1.0.1": head.oid}
    expected_v2 = built_rows(env.build / "1.0.1")
    # one commit replaced the tree: the splits v1.0.1 no longer has are deleted in it
    assert set(head.files) == {".gitattributes", "README.md"} | {
        f"data/{name}/test-00000-of-00001.parquet" for name in expected_v2 if name != "all"
    }
    assert "data/aime_single/test-00000-of-00001.parquet" in repo.commits[v2].files
    # fresh caches: both tags resolved by the server again
    first_folder = snapshot(env, "v1.0.0", tmp_path / "hub")
    assert loaded_rows(first_folder, tmp_path / "ds1") == built_rows(env.build / "1.0.0")
    assert "v1.0.0 is the first release." in (first_folder / "README.md").read_text(encoding="utf-8")
    second_folder = snapshot(env, "v1.0.1", tmp_path / "hub")
    assert loaded_rows(second_folder, tmp_path / "ds2") == expected_v2
    # the pinned offline route the README documents: the tag resolves from the cache
    from huggingface_hub import snapshot_download

    offline = snapshot_download(
        REPO, repo_type="dataset", revision="v1.0.0", cache_dir=tmp_path / "hub", local_files_only=True
    )
    assert Path(offline) == first_folder and first_folder.name == v2
    card = (second_folder / "README.md").read_text(encoding="utf-8")
    d = diff_versions(env.build / "1.0.0", env.build / "1.0.1")
    s, flat = d["summary"], " ".join(card.split())
    assert "Changes from v1.0.0 to v1.0.1" in card
    assert (
        f"{s['added']} added, {s['removed']} removed, {s['moved']} moved to another tier, "
        f"{s['changed']} changed, {s['unchanged']} unchanged"
    ) in flat
    families = d["families"]
    assert f"Constraint families: {len(families['old'])} → {len(families['new'])} " in flat
    assert "Constraints per scope (the part of the output a constraint is checked on):" in flat


def test_release_list_shows_what_was_published_where(env, v2):
    result = runner.invoke(
        app,
        ["release", "list", "--json", "--release-root", str(env.release), "--build-root", str(env.build)],
    )
    assert result.exit_code == 0, result.output
    rows = {r["tag"]: r for r in json.loads(result.stdout)}
    repo = repo_state(env)
    assert set(rows) == {"v1.0.0", "v1.0.1"}
    for tag, row in rows.items():
        assert row["recipe"] and row["manifest"] and row["built"] == "yes"
        assert row["published"]["repo"] == REPO and row["published"]["commit"] == repo.tags[tag]
    assert rows["v1.0.0"]["items"] == 420 and rows["v1.0.1"]["items"] == 50
    table = runner.invoke(
        app, ["release", "list", "--release-root", str(env.release), "--build-root", str(env.build)]
    )
    assert table.exit_code == 0 and repo.tags["v1.0.1"][:12] in table.output


def test_private_publishing(env, v1, tmp_path):
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    refused = publish(env, "v1.0.0", "--private")  # me/mathif exists and is public
    assert refused.exit_code == 2
    one_error_line(refused, "exists and is public")
    release = tmp_path / "release"
    copy_release(release)
    args = ["release", "publish", "v1.0.0", "--repo", "me/secret", "--private", "--endpoint", env.hub.url]
    args += ["--release-root", str(release), "--build-root", str(env.build)]
    assert runner.invoke(app, args, env={"HF_TOKEN": TOKEN}).exit_code == 0
    assert json.loads((release / "v1.0.0" / "published.json").read_text())["private"] is True
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=env.hub.url, token=False).repo_info("me/secret", repo_type="dataset")
    assert HfApi(endpoint=env.hub.url, token=TOKEN).repo_info("me/secret", repo_type="dataset").private


def test_publishing_into_a_repository_without_any_commit(env, v1, tmp_path):
    release = tmp_path / "release"
    copy_release(release)
    with running_hub(tokens=(TOKEN,), lifetime=60, initial_commit=False) as hub:
        args = ["release", "publish", "v1.0.0", "--repo", REPO, "--endpoint", hub.url]
        args += ["--release-root", str(release), "--build-root", str(env.build)]
        result = runner.invoke(app, args, env={"HF_TOKEN": TOKEN})
        assert result.exit_code == 0, result.output
        repo = hub.state.repo("dataset", REPO)
        (commit,) = repo.commits.values()
        assert commit.parent is None and repo.tags == {"v1.0.0": commit.oid}
        assert ".gitattributes" not in commit.files and "README.md" in commit.files


def test_bad_input_is_one_line_and_exit_code_2(env, v1, tmp_path, monkeypatch):
    import huggingface_hub

    start = len(env.hub.state.seen)
    unknown = publish(env, "v9.9.9")
    assert unknown.exit_code == 2
    one_error_line(unknown, str(env.release / "v9.9.9"), "unknown version v9.9.9", "known: v1.0.0")
    bad_version = publish(env, "1.0")
    assert bad_version.exit_code == 2
    one_error_line(bad_version, "VERSION: expected vX.Y.Z or X.Y.Z", "'1.0'")
    bad_repo = runner.invoke(app, ["release", "publish", "v1.0.0", "--repo", "no-slash"])
    assert bad_repo.exit_code == 2
    one_error_line(bad_repo, "--repo: expected ORG/NAME", "'no-slash'")
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    args = ["release", "publish", "v1.0.0", "--repo", REPO, "--endpoint", env.hub.url]
    args += ["--release-root", str(env.release), "--build-root", str(env.build)]
    no_token = runner.invoke(app, args, env={"HF_TOKEN": None})
    assert no_token.exit_code == 2
    one_error_line(no_token, "no Hugging Face token", "HF_TOKEN")
    assert len(env.hub.state.seen) == start  # nothing reached the Hub
    wrong = runner.invoke(app, args, env={"HF_TOKEN": "hf_wrong_token_123"})
    assert wrong.exit_code == 2
    one_error_line(wrong, "HF_TOKEN: refused by", env.hub.url, "401")
    assert "hf_wrong_token_123" not in wrong.output + wrong.stderr
    assert [f"{s.method} {s.path}" for s in env.hub.state.seen[start:]] == ["GET /api/whoami-v2"]

    # a build that does not match the recorded manifest is refused, naming both files
    other = tmp_path / "build"
    shutil.copytree(env.build / "1.0.0", other / "1.0.0")
    manifest = json.loads((other / "1.0.0" / "manifest.json").read_text())
    manifest["items"] += 1
    (other / "1.0.0" / "manifest.json").write_text(json.dumps(manifest))
    mismatch = publish(env, "v1.0.0", "--dry-run", str(tmp_path / "dry"), build=other)
    assert mismatch.exit_code == 2
    one_error_line(
        mismatch,
        str(other / "1.0.0" / "manifest.json"),
        str(env.release / "v1.0.0" / "manifest.json"),
        "items",
    )
    shutil.copy(env.build / "1.0.0" / "manifest.json", other / "1.0.0" / "manifest.json")
    jsonl = other / "1.0.0" / "gsm8k_single.jsonl"
    jsonl.write_text(jsonl.read_text().replace("gsm8k-single-0", "gsm8k-single-X"))
    tampered = publish(env, "v1.0.0", "--dry-run", str(tmp_path / "dry"), build=other)
    assert tampered.exit_code == 2
    one_error_line(tampered, str(jsonl), "sha256 differs")
    assert not (tmp_path / "dry").exists()


def test_bad_input_on_the_real_streams(env, tmp_path):
    script = Path(sys.executable).with_name("mathif")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "curation.cli"]
    cmd += ["release", "publish", "v2.0.0", "--repo", REPO, "--release-root", str(env.release)]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "HF_TOKEN": TOKEN}
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown version v2.0.0" in lines[0] and "Traceback" not in proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr


def test_the_local_hub_answers_as_the_client_expects(env, v1, tmp_path):
    """The server's 404s carry the Hub's error codes, which the client turns into its own errors."""
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import (
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    api = HfApi(endpoint=env.hub.url, token=TOKEN)
    info = api.get_paths_info(REPO, ["README.md", "data", "nope"], repo_type="dataset", revision="v1.0.0")
    assert [(type(i).__name__, i.path) for i in info] == [("RepoFile", "README.md"), ("RepoFolder", "data")]
    kw = {"repo_type": "dataset", "endpoint": env.hub.url, "cache_dir": tmp_path}
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download(REPO, "missing.txt", revision="v1.0.0", **kw)
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(REPO, "README.md", revision="v0.0.1", **kw)
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("me/nothing", "README.md", **kw)
    readme = hf_hub_download(REPO, "README.md", revision="v1.0.0", **kw)
    assert (
        Path(readme).read_bytes()
        == repo_state(env).commits[repo_state(env).tags["v1.0.0"]].files["README.md"]
    )


# lost replies: a rerun recognises its own commit and tag ---------------------------------------


@pytest.fixture(autouse=True)
def _faults_are_used_up(env):
    """A fault a test set up and the server never met would hit a later test: none is left."""
    yield
    with env.hub.state.lock:
        left = [f for f in env.hub.state.faults if f.times > 0]
        env.hub.state.faults.clear()
    assert not left, left


def publish_to(env: Env, repo_id: str, release: Path, *extra: str):
    args = ["release", "publish", "v1.0.0", "--repo", repo_id, "--endpoint", env.hub.url, *extra]
    args += ["--release-root", str(release), "--build-root", str(env.build)]
    return runner.invoke(app, args, env={"HF_TOKEN": TOKEN})


def writes_since(env: Env, start: int) -> list[str]:
    """The commit and tag requests the server saw since ``start``."""
    return [
        f"{s.method} {s.path}"
        for s in env.hub.state.seen[start:]
        if s.method == "POST" and ("/commit/" in s.path or "/tag/" in s.path)
    ]


def recorded(release: Path) -> dict:
    return json.loads((release / "v1.0.0" / "published.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("how", ["drop", "500"])
def test_a_lost_tag_reply_is_recorded_by_the_rerun(env, v1, tmp_path, how):
    release = tmp_path / "release"
    copy_release(release)
    repo_id = f"me/lost-tag-{how}"
    env.hub.state.lose_reply("POST", f"^/api/datasets/{repo_id}/tag/", how)
    failed = publish_to(env, repo_id, release)
    assert failed.exit_code == 1, failed.output
    repo = repo_state(env, repo_id)
    head = repo.branches["main"]
    one_error_line(failed, f"tagging commit {head} as v1.0.0 failed", "run the publish again")
    assert repo.tags == {"v1.0.0": head}  # the tag was made; only its reply was lost
    assert not (release / "v1.0.0" / "published.json").exists()
    start = len(env.hub.state.seen)
    again = publish_to(env, repo_id, release)
    assert again.exit_code == 0, again.output
    assert writes_since(env, start) == []  # no second commit, no second tag
    assert len(repo.commits) == 2 and repo.branches["main"] == head and repo.tags == {"v1.0.0": head}
    assert recorded(release) | {"endpoint": None} == {
        "format_version": 1,
        "version": "1.0.0",
        "repo": repo_id,
        "endpoint": None,
        "commit": head,
        "tag": "v1.0.0",
        "private": False,
    }


@pytest.mark.parametrize("how", ["drop", "500"])
def test_a_lost_commit_reply_is_tagged_by_the_rerun_without_a_second_commit(env, v1, tmp_path, how):
    release = tmp_path / "release"
    copy_release(release)
    repo_id = f"me/lost-commit-{how}"
    env.hub.state.lose_reply("POST", f"^/api/datasets/{repo_id}/commit/main$", how)
    failed = publish_to(env, repo_id, release)
    assert failed.exit_code == 1, failed.output
    one_error_line(failed, "committing v1.0.0 failed")
    repo = repo_state(env, repo_id)
    head = repo.branches["main"]
    assert len(repo.commits) == 2 and repo.commits[head].summary == "mathif v1.0.0"  # it landed
    assert repo.tags == {} and not (release / "v1.0.0" / "published.json").exists()
    start = len(env.hub.state.seen)
    again = publish_to(env, repo_id, release)
    assert again.exit_code == 0, again.output
    assert writes_since(env, start) == [f"POST /api/datasets/{repo_id}/tag/{head}"]
    assert len(repo.commits) == 2 and repo.branches["main"] == head and repo.tags == {"v1.0.0": head}
    assert recorded(release)["commit"] == head and recorded(release)["tag"] == "v1.0.0"


def test_the_rerun_recognises_files_the_hub_lists_as_lfs(env, v1, tmp_path):
    """The Hub lists a file stored in LFS by its pointer's blob id and the sha256 of its bytes."""
    from huggingface_hub import HfApi

    release = tmp_path / "release"
    copy_release(release)
    repo_id = "me/lost-tag-lfs"
    env.hub.state.lose_reply("POST", f"^/api/datasets/{repo_id}/tag/")
    env.hub.state.lfs_listing = True
    try:
        assert publish_to(env, repo_id, release).exit_code == 1
        listed = HfApi(endpoint=env.hub.url, token=TOKEN).list_repo_tree(
            repo_id, repo_type="dataset", revision="v1.0.0", recursive=True
        )
        assert any(getattr(e, "lfs", None) for e in listed)
        start = len(env.hub.state.seen)
        again = publish_to(env, repo_id, release)
        assert again.exit_code == 0, again.output
        assert writes_since(env, start) == []
        assert recorded(release)["commit"] == repo_state(env, repo_id).tags["v1.0.0"]
    finally:
        env.hub.state.lfs_listing = False


def tag_files(env: Env, repo_id: str, change) -> str:
    """A repository ``repo_id`` whose tag v1.0.0 names a commit with the tree v1.0.0 has there
    (and the Hub's .gitattributes), changed by ``change``; the commit's id."""
    from curation.release import ReleasePaths, VersionRef, prepare_release
    from tests.support.hub_server import GITATTRIBUTES, Repo

    paths = ReleasePaths(env.release, env.build, env.raw)
    tree = prepare_release(VersionRef.parse("v1.0.0"), repo_id, paths)
    files = {".gitattributes": GITATTRIBUTES, **tree.files}
    change(files)
    state = env.hub.state
    with state.lock:
        repo = Repo(repo_id, "dataset", private=False)
        state.repos[("dataset", repo_id)] = repo
        commit = state.new_commit(repo, None, files, "v1.0.0 made elsewhere", "")
        repo.branches["main"] = repo.tags["v1.0.0"] = commit.oid
    return commit.oid


@pytest.mark.parametrize(
    "change, named",
    [
        (lambda f: None, None),
        (lambda f: f.update({".gitattributes": b"*.bin filter=lfs\n"}), None),
        (lambda f: f.update({"README.md": f["README.md"] + b"\n"}), "README.md"),
        (lambda f: f.update({"notes.txt": b"mine"}), "notes.txt"),
        (lambda f: f.pop("data/gsm8k_single/test-00000-of-00001.parquet"), "gsm8k_single"),
    ],
    ids=["same-tree", "other-gitattributes", "other-bytes", "extra-file", "missing-file"],
)
def test_a_tag_on_another_tree_is_refused(env, v1, tmp_path, change, named):
    release = tmp_path / "release"
    copy_release(release)
    repo_id = f"me/tagged-{len(env.hub.state.repos)}"
    oid = tag_files(env, repo_id, change)
    repo = repo_state(env, repo_id)
    start = len(env.hub.state.seen)
    result = publish_to(env, repo_id, release)
    assert writes_since(env, start) == [] and len(repo.commits) == 1 and repo.tags == {"v1.0.0": oid}
    if named is None:  # the same tree (the Hub's own .gitattributes aside): recorded
        assert result.exit_code == 0, result.output
        assert recorded(release)["commit"] == oid
        return
    assert result.exit_code == 2, result.output
    one_error_line(result, "tag v1.0.0 already exists", oid, named, "never replaced")
    assert not (release / "v1.0.0" / "published.json").exists()


def test_publish_tree_says_what_it_found_on_the_hub(env, v1):
    """The library's notes: an existing tag with this tree is recorded, a head with it is tagged."""
    from curation.release import Hub, HubError, ReleasePaths, VersionRef, prepare_release, publish_tree

    paths = ReleasePaths(env.release, env.build, env.raw)
    hub = Hub.connect(env.hub.url, TOKEN)
    notes: list[str] = []
    tree = prepare_release(VersionRef.parse("v1.0.0"), REPO, paths)
    record = publish_tree(hub, REPO, tree, False, notes.append)
    tagged = repo_state(env).tags["v1.0.0"]
    assert record.commit == tagged and record.tag == "v1.0.0"
    assert notes == [f"tag v1.0.0 already names commit {tagged}, which holds exactly this tree: recording it"]

    repo_id = "me/head-holds-it"
    env.hub.state.lose_reply("POST", f"^/api/datasets/{repo_id}/commit/")
    tree = prepare_release(VersionRef.parse("v1.0.0"), repo_id, paths)
    with pytest.raises(HubError, match="committing v1.0.0 failed"):
        publish_tree(hub, repo_id, tree, False)
    head = repo_state(env, repo_id).branches["main"]
    notes.clear()
    record = publish_tree(hub, repo_id, tree, False, notes.append)
    assert record.commit == head and repo_state(env, repo_id).tags == {"v1.0.0": head}
    assert notes == [
        f"main is at commit {head}, which holds exactly this tree already: tagging it, no new commit"
    ]


# secrets a server echoes back ------------------------------------------------------------------


def token_free(*texts: str, under: tuple[Path, ...] = ()) -> None:
    for text in texts:
        assert TOKEN not in text
    for root in under:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                assert TOKEN.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(
    "method, path, status, what, code",
    [
        ("GET", r"^/api/whoami-v2$", 500, "checking the token failed", 1),
        ("GET", r"^/api/whoami-v2$", 403, "HF_TOKEN: refused by", 2),
        ("POST", r"^/api/repos/create$", 500, "creating me/echo-", 1),
        ("GET", r"^/api/datasets/me/echo-[a-z0-9-]+$", 500, "reading me/echo-", 1),
        ("GET", r"/refs$", 500, "listing the refs", 1),
        # the client retries a GET of the tree and a preupload on a 5xx: a 400 is not retried
        ("GET", r"/tree/", 400, "listing the files", 1),
        ("POST", r"^/api/validate-yaml$", 500, "committing v1.0.0 failed", 1),
        ("POST", r"/preupload/", 400, "committing v1.0.0 failed", 1),
        ("POST", r"/commit/main$", 500, "committing v1.0.0 failed", 1),
        ("POST", r"/tag/", 500, "tagging commit", 1),
    ],
    ids=[
        "whoami",
        "whoami-refused",
        "create-repo",
        "repo-info",
        "refs",
        "tree",
        "validate-yaml",
        "preupload",
        "commit",
        "tag",
    ],
)
def test_a_server_echoing_the_token_never_makes_it_print_or_write_it(
    env, v1, tmp_path, request, method, path, status, what, code
):
    from curation.core import forget_secrets

    forget_secrets()  # the command itself must register the token it reads
    release = tmp_path / "release"
    copy_release(release)
    repo_id = "me/echo-" + request.node.callspec.id
    env.hub.state.echo_request(method, path, status)
    start = len(env.hub.state.seen)
    result = publish_to(env, repo_id, release)
    assert [s.fault for s in env.hub.state.seen[start:]].count("echo") == 1  # the echo happened
    assert result.exit_code == code, result.output
    line = one_error_line(result, what, str(status), "Bearer ***")  # the token was echoed, and masked
    token_free(result.stdout, result.stderr, result.output, line, under=(release, env.root, tmp_path))
    assert not (release / "v1.0.0" / "published.json").exists()


def test_an_echoed_token_is_not_shown_on_the_real_streams(env, v1, tmp_path):
    env.hub.state.echo_request("GET", r"^/api/whoami-v2$")
    script = Path(sys.executable).with_name("mathif")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "curation.cli"]
    cmd += ["release", "publish", "v1.0.0", "--repo", "me/echo-streams", "--endpoint", env.hub.url]
    cmd += ["--release-root", str(env.release), "--build-root", str(env.build)]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "HF_TOKEN": TOKEN}
    )
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "checking the token failed" in lines[0] and "Bearer ***" in lines[0]
    token_free(proc.stdout, proc.stderr)


# output paths that cannot be written -----------------------------------------------------------


def dry_run(env: Env, dest: str):
    args = ["release", "publish", "v1.0.0", "--repo", REPO, "--dry-run", dest]
    args += ["--release-root", str(env.release), "--build-root", str(env.build)]
    return runner.invoke(app, args, env={"HF_TOKEN": None})


def test_dry_run_folders_that_cannot_be_written_are_one_line(env, v1, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("mine")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "README.md").symlink_to(a_file)
    cases = [
        (str(a_file), [str(a_file), "exists and is not a folder"]),
        (str(a_file / "dry"), [str(a_file), "is not a folder"]),
        (str(tmp_path / ("n" * 300)), ["cannot write here", "too long"]),
        (str(linked), [str(linked), "not empty", "README.md"]),
    ]
    for dest, parts in cases:
        result = dry_run(env, dest)
        assert result.exit_code == 2, (dest, result.output)
        one_error_line(result, *parts)
    assert a_file.read_text() == "mine" and (linked / "README.md").is_symlink()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_dry_run_under_a_read_only_folder_is_one_line(env, v1, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = dry_run(env, str(locked / "dry"))
        assert result.exit_code == 2, result.output
        one_error_line(result, str(locked), "not writable")
    finally:
        locked.chmod(0o700)


def test_an_unwritable_record_is_one_line_and_the_rerun_records_it(env, v1, tmp_path):
    release = tmp_path / "release"
    copy_release(release)
    repo_id = "me/unrecorded"
    (release / "v1.0.0" / "published.json").mkdir()  # in the way of the record
    failed = publish_to(env, repo_id, release)
    assert failed.exit_code == 2, failed.output
    tagged = repo_state(env, repo_id).tags["v1.0.0"]
    one_error_line(
        failed, str(release / "v1.0.0" / "published.json"), "not written", tagged, "run the publish again"
    )
    (release / "v1.0.0" / "published.json").rmdir()
    start = len(env.hub.state.seen)
    again = publish_to(env, repo_id, release)
    assert again.exit_code == 0, again.output
    assert writes_since(env, start) == [] and recorded(release)["commit"] == tagged
