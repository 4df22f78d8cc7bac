"""The Hub side without a server (secrets in messages, comparing a listed commit with a tree)
and the output paths of ``mathif release``."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from curation.core import InputError, redact
from curation.release import HubError, check_destination
from curation.release.card import Changelog
from curation.release.hub import (
    WHY_LENGTH,
    Hub,
    _why,
    git_blob_id,
    resolve_token,
    tree_differences,
)
from curation.release.tree import (
    PublishRecord,
    ReleasePaths,
    ReleaseTree,
    VersionRef,
    require_release,
    shown_path,
    write_published,
    write_tree,
)

TOKEN = "hf_unitTestToken_NeverShown_41d9"


# secrets -------------------------------------------------------------------------------------------


def test_the_token_is_a_secret_as_soon_as_it_is_read():
    assert redact(TOKEN) == TOKEN
    assert resolve_token({"HF_TOKEN": TOKEN}) == TOKEN
    assert redact(f"Bearer {TOKEN}") == "Bearer ***"


def test_a_stored_token_is_a_secret_too():
    assert resolve_token({}, stored=lambda: TOKEN) == TOKEN
    assert TOKEN not in redact(f"x {TOKEN} y")


def test_a_hub_client_made_with_a_token_registers_it():
    Hub.connect("http://127.0.0.1:9", TOKEN)
    assert redact(TOKEN) == "***"


def test_a_hub_error_is_redacted_when_made():
    resolve_token({"HF_TOKEN": TOKEN})
    err = HubError(f"echo: Authorization: Bearer {TOKEN}")
    assert TOKEN not in str(err) and "Bearer ***" in str(err) and TOKEN not in repr(err)


class Echo(Exception):
    """An error as huggingface_hub makes it: a response with a status, the server's message."""

    def __init__(self, message: str, status: int = 500):
        super().__init__(message)
        self.server_message = message
        self.response = type("Response", (), {"status_code": status})()


@pytest.mark.parametrize("at", [0, WHY_LENGTH - 20, WHY_LENGTH - 8, WHY_LENGTH - 1, WHY_LENGTH + 5])
def test_a_message_is_redacted_before_it_is_cut_short(at):
    """Cutting first could leave the start of the token, which no redaction then recognises."""
    resolve_token({"HF_TOKEN": TOKEN})
    line = _why(Echo("x" * at + f"Bearer {TOKEN} and more\nlines"))
    assert len(line) <= WHY_LENGTH and "\n" not in line
    for n in range(6, len(TOKEN) + 1):
        assert TOKEN[:n] not in line, (n, line)


def test_a_message_without_a_server_message_is_its_first_line():
    assert _why(ValueError("first\nsecond")) == "first"
    assert _why(ValueError("")) == "ValueError"


# comparing a listed commit with a tree -------------------------------------------------------------


def listed(path: str, data: bytes, lfs: bool = False, **changes):
    from huggingface_hub.hf_api import RepoFile

    entry = {"type": "file", "path": path, "size": len(data), "oid": git_blob_id(data)}
    if lfs:
        sha = hashlib.sha256(data).hexdigest()
        entry |= {"oid": "0" * 40, "lfs": {"oid": sha, "size": len(data), "pointerSize": 134}}
    for key, value in changes.items():
        if key.startswith("lfs_"):
            entry["lfs"][key[4:]] = value
        else:
            entry[key] = value
    return RepoFile(**entry)


def test_git_blob_ids_are_gits():
    assert git_blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


FILES = {"README.md": b"card", "data/a/test-00000-of-00001.parquet": b"PAR1...PAR1"}


@pytest.mark.parametrize("lfs", [False, True])
def test_the_same_tree_has_no_differences_the_hubs_own_files_aside(lfs):
    entries = {p: listed(p, d, lfs=lfs and p.endswith(".parquet")) for p, d in FILES.items()}
    entries[".gitattributes"] = listed(".gitattributes", b"*.parquet filter=lfs\n")
    assert tree_differences(entries, FILES) == []


@pytest.mark.parametrize(
    "changes, differing",
    [
        ({"README.md": {"oid": git_blob_id(b"other")}}, ["README.md"]),
        ({"README.md": {"size": 5}}, ["README.md"]),
        (
            {"data/a/test-00000-of-00001.parquet": {"lfs_oid": "0" * 64}},
            ["data/a/test-00000-of-00001.parquet"],
        ),
        ({"data/a/test-00000-of-00001.parquet": {"lfs_size": 1}}, ["data/a/test-00000-of-00001.parquet"]),
    ],
)
def test_other_bytes_differ(changes, differing):
    entries = {p: listed(p, d, lfs=p.endswith(".parquet"), **changes.get(p, {})) for p, d in FILES.items()}
    assert tree_differences(entries, FILES) == differing


def test_missing_and_extra_files_differ():
    entries = {"README.md": listed("README.md", b"card"), "notes.txt": listed("notes.txt", b"mine")}
    assert tree_differences(entries, FILES) == ["data/a/test-00000-of-00001.parquet", "notes.txt"]


# output paths -------------------------------------------------------------------------------------


def tree(files):
    return ReleaseTree(VersionRef.parse("1.0.0"), files, (), 0, Changelog(None, {}, {}))


def refused(dest, *parts: str) -> str:
    with pytest.raises(InputError) as err:
        check_destination(Path(dest) if not isinstance(dest, Path) else dest)
    line = str(err.value)
    assert "\n" not in line and "\0" not in line
    for part in parts:
        assert part in line, line
    return line


def test_dry_run_folders_that_cannot_be_written(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("mine")
    refused(a_file, str(a_file), "exists and is not a folder")
    refused(a_file / "dry", str(a_file), "is not a folder")
    refused(a_file / "deeper" / "dry", str(a_file), "is not a folder")
    refused(str(tmp_path / "x\0y"), "x\\x00y", "not a usable path", "NUL")
    refused(str(tmp_path / "x\ud800y"), "x\\ud800y", "not a usable path")
    refused(tmp_path / ("n" * 300), "cannot write here", "too long")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    refused(tmp_path / "dangling", "link to no folder")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "README.md").symlink_to(a_file)
    refused(linked, "not empty", "README.md")
    assert a_file.read_text() == "mine"


def test_a_name_that_is_not_utf8_is_written_and_shown_escaped(tmp_path):
    dest = Path(os.fsdecode(bytes(tmp_path) + b"/dry\xff"))
    write_tree(tree({"README.md": b"card"}), dest)
    assert (dest / "README.md").read_bytes() == b"card"
    assert shown_path(dest).endswith("dry\\udcff") and shown_path("a\nb\tc") == "a\\nb\\tc"


def test_a_folder_that_is_not_writable(tmp_path, monkeypatch):
    """What a read-only folder answers (os.access says no; root is never told so)."""
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    refused(tmp_path / "dry", str(tmp_path / "dry"), f"{tmp_path} is not writable")
    (tmp_path / "empty").mkdir()
    refused(tmp_path / "empty", "not writable")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        refused(locked / "dry", "not writable")
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_write_that_fails_half_way_is_one_line(tmp_path, monkeypatch, code):
    import curation.release.tree as tree_module

    def failing(path, data):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(tree_module, "write_atomic", failing)
    with pytest.raises(InputError) as err:
        write_tree(tree({"README.md": b"card"}), tmp_path / "dry")
    assert str(err.value) == f"{tmp_path / 'dry' / 'README.md'}: cannot write here ({os.strerror(code)})"


def test_an_unwritable_record_says_the_version_is_published_but_not_recorded(tmp_path):
    paths = ReleasePaths(tmp_path / "release", tmp_path / "build")
    ref = VersionRef.parse("v1.0.0")
    paths.published(ref).mkdir(parents=True)  # a folder where the record goes
    record = PublishRecord("1.0.0", "me/x", "http://hub", "c0ffee" * 6 + "abcd", "v1.0.0", False)
    with pytest.raises(InputError) as err:
        write_published(paths, ref, record)
    line = str(err.value)
    assert line.startswith(f"{paths.published(ref)}: not written (")
    assert record.commit in line and "run the publish again to record it" in line and "\n" not in line


def test_release_and_build_roots_that_cannot_be_named(tmp_path):
    ref = VersionRef.parse("v1.0.0")
    for paths in (
        ReleasePaths(Path(f"{tmp_path}/rel\0ease"), tmp_path),
        ReleasePaths(tmp_path, Path(f"{tmp_path}/bu\0ild")),
    ):
        with pytest.raises(InputError, match="not a usable path"):
            require_release(ref, paths)
    with pytest.raises(InputError, match="not a usable path"):
        ReleasePaths(Path("rel\0ease")).versions()
