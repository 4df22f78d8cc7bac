"""Where the shipped data is (checkout or installed package) and where the tool writes (MATHIF_HOME)."""

from __future__ import annotations

from pathlib import Path

import pytest

from curation.core import HOME_ENV, InputError, Shipped, home_dir, is_package_data, resolve_recipe, shipped
from curation.core.home import locate, version_tag
from tests.support.paths import ROOT


def checkout(tmp_path: Path) -> Path:
    (tmp_path / "raw").mkdir(parents=True)
    (tmp_path / "raw" / "sources.toml").write_text("")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "curation").mkdir()
    return tmp_path


def installed(tmp_path: Path, versions: tuple[str, ...] = ("v1.0.0",)) -> Shipped:
    root = tmp_path / "site-packages" / "curation" / "_shipped"
    for tag in versions:
        (root / "release" / tag).mkdir(parents=True, exist_ok=True)
        (root / "release" / tag / "recipe.toml").write_text('version = "x"\n')
    return Shipped(root, installed=True)


# ---------------------------------------------------------------- where the shipped data is


def test_running_from_this_checkout_the_shipped_data_is_the_checkout():
    where = shipped()
    assert where == Shipped(ROOT, installed=False)
    assert where.registry == ROOT / "raw" / "sources.toml" and where.lock == ROOT / "raw" / "lock.json"
    assert where.release_root == ROOT / "release"
    assert {"v1.0.0", "v2.0.0"} <= set(where.versions())


def test_a_checkout_is_found_beside_the_package_else_the_package_data(tmp_path):
    root = checkout(tmp_path / "clone")
    assert locate(root / "curation") == Shipped(root, installed=False)
    site = tmp_path / "site-packages"
    (site / "curation").mkdir(parents=True)
    assert locate(site / "curation") == Shipped(site / "curation" / "_shipped", installed=True)
    (site / "pyproject.toml").write_text("")  # a pyproject alone is no checkout
    assert locate(site / "curation").installed


# ---------------------------------------------------------------- the home


def test_mathif_home_wins_in_a_checkout_and_installed(tmp_path):
    env = {HOME_ENV: str(tmp_path / "h"), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    assert home_dir(env, Shipped(ROOT, installed=False)) == tmp_path / "h"
    assert home_dir(env, installed(tmp_path)) == tmp_path / "h"
    assert home_dir({HOME_ENV: "rel/home"}, installed(tmp_path)) == Path("rel/home")


def test_without_mathif_home_a_checkout_is_its_own_home():
    assert home_dir({}, Shipped(ROOT, installed=False)) == ROOT
    assert home_dir({HOME_ENV: ""}, Shipped(ROOT, installed=False)) == ROOT  # empty = unset


def test_without_mathif_home_an_installed_tool_uses_the_user_data_folder(tmp_path, monkeypatch):
    where = installed(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert home_dir({"XDG_DATA_HOME": str(tmp_path / "xdg")}, where) == tmp_path / "xdg" / "mathif"
    default = tmp_path / "user" / ".local" / "share" / "mathif"
    assert home_dir({}, where) == default
    assert home_dir({"XDG_DATA_HOME": "relative/xdg"}, where) == default  # the spec: ignore a relative one
    assert home_dir({"XDG_DATA_HOME": ""}, where) == default


def test_the_home_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    assert home_dir() == tmp_path
    monkeypatch.delenv(HOME_ENV)
    assert home_dir() == ROOT


# ---------------------------------------------------------------- a recipe or a version


@pytest.mark.parametrize(
    ("text", "tag"),
    [("v1.0.0", "v1.0.0"), ("1.0.0", "v1.0.0"), (" v01.2.30 ", "v1.2.30")],
)
def test_versions_are_read_as_tags(text, tag):
    assert version_tag(text) == tag


@pytest.mark.parametrize("text", ["latest", "1.0", "v1.0.0.0", "v1.0.0-rc1", "release/v1.0.0", "1.0.0.toml"])
def test_other_words_are_no_version(text):
    assert version_tag(text) is None


def test_a_version_means_the_shipped_recipe(tmp_path, monkeypatch):
    where = installed(tmp_path, ("v1.0.0", "v2.0.0"))
    monkeypatch.chdir(tmp_path)
    recipe = where.release_root / "v1.0.0" / "recipe.toml"
    assert resolve_recipe("v1.0.0", where) == recipe
    assert resolve_recipe(Path("1.0.0"), where) == recipe
    (tmp_path / "v2.0.0").mkdir()  # a folder of that name is no recipe: still the version
    assert resolve_recipe("v2.0.0", where) == where.release_root / "v2.0.0" / "recipe.toml"


def test_an_existing_file_wins_over_a_version(tmp_path, monkeypatch):
    where = installed(tmp_path)
    monkeypatch.chdir(tmp_path)
    Path("v1.0.0").write_text('version = "mine"\n')
    assert resolve_recipe("v1.0.0", where) == Path("v1.0.0")


def test_anything_else_stays_a_path(tmp_path):
    where = installed(tmp_path)
    assert resolve_recipe(tmp_path / "nope.toml", where) == tmp_path / "nope.toml"
    assert resolve_recipe("latest", where) == Path("latest")


def test_an_unknown_version_is_one_line_naming_the_path_and_the_shipped_ones(tmp_path):
    where = installed(tmp_path, ("v1.0.0", "v2.0.0"))
    with pytest.raises(InputError) as err:
        resolve_recipe("v9.9.9", where)
    missing = where.release_root / "v9.9.9" / "recipe.toml"
    assert str(err.value) == f"{missing}: no shipped recipe for version v9.9.9 (shipped: v1.0.0, v2.0.0)"
    with pytest.raises(InputError, match=r"\(shipped: none\)"):
        resolve_recipe("1.0.0", Shipped(tmp_path / "empty", installed=True))


def test_the_checkouts_versions_resolve_here():
    assert resolve_recipe("v1.0.0") == ROOT / "release" / "v1.0.0" / "recipe.toml"


# ---------------------------------------------------------------- read-only package data


def test_only_an_installed_packages_data_is_package_data(tmp_path):
    where = installed(tmp_path)
    assert is_package_data(where.release_root / "v1.0.0" / "manifest.json", where)
    assert is_package_data(where.root / "raw" / "lock.json", where)
    assert not is_package_data(tmp_path / "release" / "v1.0.0" / "manifest.json", where)
    assert not is_package_data(ROOT / "release" / "v1.0.0" / "manifest.json", Shipped(ROOT, installed=False))
    assert not is_package_data(ROOT / "release" / "v1.0.0" / "manifest.json")  # this checkout
