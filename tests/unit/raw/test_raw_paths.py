"""Where the raw cache and the lock are: the checkout, MATHIF_HOME, an installed package.

The lock rule: the home's own ``raw/lock.json`` when it has one.  Installed from a wheel, a
home without one uses the shipped lock (read-only): pulls are checked against it, and a pull
that changes the lock writes the home's own (the shipped entries plus the change).  In a
source checkout the shipped lock is the checkout's (the default home's own), and a
MATHIF_HOME elsewhere starts without a lock.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pytest

from curation.core import HOME_ENV, Shipped, sha256_file
from curation.raw.cache import load_problems, lock_sha256
from curation.raw.pull import RawPaths, pull, read_lock
from tests.support.paths import FIXTURE_MIRROR, ROOT

pull_module = importlib.import_module("curation.raw.pull")  # the module: curation.raw.pull is the function


@pytest.fixture
def checkout_env(monkeypatch):
    monkeypatch.delenv(HOME_ENV, raising=False)


def test_in_the_checkout_everything_is_the_checkouts(checkout_env):
    paths = RawPaths.default()
    assert paths.registry == ROOT / "raw" / "sources.toml"
    assert paths.cache_dir == ROOT / "raw" / "cache"
    assert paths.lock == paths.home_lock == ROOT / "raw" / "lock.json"
    assert paths.shipped_lock is None


def test_mathif_home_in_the_checkout_is_a_home_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    paths = RawPaths.default()
    assert paths.registry == ROOT / "raw" / "sources.toml"  # the registry stays the shipped one
    assert paths.cache_dir == tmp_path / "raw" / "cache"
    assert paths.lock == tmp_path / "raw" / "lock.json" and paths.shipped_lock is None


def test_under_a_home_with_a_registry_given():
    paths = RawPaths.under("/h", registry="/r/sources.toml")
    assert (paths.registry, paths.cache_dir, paths.lock) == (
        Path("/r/sources.toml"),
        Path("/h/raw/cache"),
        Path("/h/raw/lock.json"),
    )


# ---------------------------------------------------------------- installed from a wheel


@pytest.fixture
def installed(tmp_path_factory, monkeypatch) -> Shipped:
    """Package data as a wheel installs it: the project's registry and a lock of the test mirror."""
    root = tmp_path_factory.mktemp("site-packages") / "curation" / "_shipped"
    (root / "raw").mkdir(parents=True)
    shutil.copy(ROOT / "raw" / "sources.toml", root / "raw" / "sources.toml")
    maker = RawPaths.under(tmp_path_factory.mktemp("maker"), registry=root / "raw" / "sources.toml")
    assert not pull(None, FIXTURE_MIRROR, paths=maker).errors
    shutil.copy(maker.lock, root / "raw" / "lock.json")
    where = Shipped(root, installed=True)
    monkeypatch.setattr(pull_module, "shipped", lambda: where)
    return where


def test_installed_the_home_is_the_user_data_folder_and_the_shipped_lock_is_in_use(
    installed, tmp_path, monkeypatch
):
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    paths = RawPaths.default()
    home = tmp_path / "xdg" / "mathif"
    assert paths.registry == installed.registry
    assert paths.cache_dir == home / "raw" / "cache"
    assert paths.home_lock == home / "raw" / "lock.json"
    assert paths.lock == installed.lock  # the home has no lock of its own yet
    paths.home_lock.parent.mkdir(parents=True)
    paths.home_lock.write_text("{}")
    assert paths.lock == paths.home_lock  # now it has


def test_installed_a_pull_matching_the_shipped_lock_writes_no_lock(installed, tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    shipped_bytes = installed.lock.read_bytes()
    paths = RawPaths.default()
    outcome = pull(None, FIXTURE_MIRROR, paths=paths)
    assert outcome.errors == [] and not outcome.lock_changed
    assert not paths.home_lock.exists() and paths.lock == installed.lock
    assert lock_sha256(paths) == sha256_file(installed.lock)  # what a build records
    assert len(load_problems(paths=paths)) == 20
    assert installed.lock.read_bytes() == shipped_bytes


def test_installed_a_changed_source_is_checked_against_the_shipped_lock(installed, tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    shipped_bytes = installed.lock.read_bytes()
    mirror = tmp_path / "mirror"
    shutil.copytree(FIXTURE_MIRROR, mirror)
    amc = mirror / "amc23" / "test.jsonl"
    amc.write_text(amc.read_text().replace("27.0", "28.0"))
    paths = RawPaths.default()

    refused = pull(["amc23"], mirror, paths=paths)
    assert len(refused.errors) == 1
    assert refused.errors[0].startswith(f"{installed.lock}: amc23: differs from the lock")
    assert not paths.home_lock.exists()

    accepted = pull(["amc23"], mirror, paths=paths, update_lock=True)
    assert accepted.errors == [] and accepted.lock_changed
    assert paths.lock == paths.home_lock  # the home's own lock from now on
    mine, theirs = read_lock(paths.home_lock), read_lock(installed.lock)
    assert set(mine) == set(theirs)  # the shipped entries plus the change
    assert mine["amc23"] != theirs["amc23"]
    assert {n: e for n, e in mine.items() if n != "amc23"} == {
        n: e for n, e in theirs.items() if n != "amc23"
    }
    assert installed.lock.read_bytes() == shipped_bytes  # package data is never written
