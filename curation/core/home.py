"""Where the shipped data is and where the tool writes.

The shipped data is the source registry (``raw/sources.toml``), the raw lock
(``raw/lock.json``) and each version's ``release/vX.Y.Z/recipe.toml`` and
``manifest.json``.  Running from a source checkout (an editable install included)
it is the checkout itself, so a recorded manifest or an updated lock lands where git
sees it; installed from a wheel it is the package data ``curation/_shipped/``
(read-only: the wheel maps ``raw/`` and ``release/`` there).

The home (``$MATHIF_HOME``) is where the raw cache, a lock of one's own and the
default build outputs go: ``$MATHIF_HOME`` if set, else the checkout root (its
``raw/cache/`` and ``build/``), else, installed, ``$XDG_DATA_HOME/mathif`` or
``~/.local/share/mathif``.
"""

from __future__ import annotations

import importlib.resources
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from curation.core.errors import InputError

HOME_ENV = "MATHIF_HOME"
XDG_DATA_ENV = "XDG_DATA_HOME"
SHIPPED_DIR = "_shipped"
"""The folder of the ``curation`` package that holds the shipped data in a wheel."""
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class Shipped:
    """Where the shipped registry, lock and release folders are."""

    root: Path
    """holds ``raw/sources.toml``, ``raw/lock.json`` and ``release/vX.Y.Z/``"""
    installed: bool
    """True: the package data of an installed wheel (read-only); False: a source checkout"""

    @property
    def registry(self) -> Path:
        return self.root / "raw" / "sources.toml"

    @property
    def lock(self) -> Path:
        return self.root / "raw" / "lock.json"

    @property
    def release_root(self) -> Path:
        return self.root / "release"

    def versions(self) -> list[str]:
        """The shipped versions with a recipe (``vX.Y.Z``), sorted by name."""
        try:
            folders = list(self.release_root.iterdir()) if self.release_root.is_dir() else []
        except OSError:
            return []
        return sorted(p.name for p in folders if _VERSION.fullmatch(p.name) and (p / "recipe.toml").is_file())


def locate(package_dir: Path) -> Shipped:
    """The shipped data for the ``curation`` package in ``package_dir``: the checkout around
    it when there is one (``pyproject.toml`` and ``raw/sources.toml`` beside the package),
    else the package data ``package_dir/_shipped``."""
    root = package_dir.parent
    if (root / "pyproject.toml").is_file() and (root / "raw" / "sources.toml").is_file():
        return Shipped(root, installed=False)
    return Shipped(package_dir / SHIPPED_DIR, installed=True)


def shipped() -> Shipped:
    """Where the shipped data of the running tool is (the checkout, or the installed package)."""
    package = importlib.resources.files("curation")
    if not isinstance(package, Path):  # a zipped install: the data has no folder to read
        raise InputError(
            str(package), None, "mathif's shipped data is not in a folder; install the wheel with pip"
        )
    return locate(package.resolve())


def home_dir(env: Mapping[str, str] | None = None, where: Shipped | None = None) -> Path:
    """The home folder: ``$MATHIF_HOME`` if set (relative to the current directory if relative),
    else the checkout root when running from one, else ``$XDG_DATA_HOME/mathif`` (an absolute
    ``XDG_DATA_HOME`` only) or ``~/.local/share/mathif``."""
    env = os.environ if env is None else env
    given = env.get(HOME_ENV)
    if given:
        return Path(given)
    where = where or shipped()
    if not where.installed:
        return where.root
    xdg = env.get(XDG_DATA_ENV)
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "mathif"
    user = os.path.expanduser("~")
    if user == "~":
        raise InputError(None, None, f"cannot find the home folder for mathif's data; set {HOME_ENV}")
    return Path(user) / ".local" / "share" / "mathif"


def version_tag(text: str) -> str | None:
    """``vX.Y.Z`` for a version written ``vX.Y.Z`` or ``X.Y.Z``, else None."""
    m = _VERSION.fullmatch(text.strip())
    return f"v{int(m[1])}.{int(m[2])}.{int(m[3])}" if m else None


def resolve_recipe(arg: str | Path, where: Shipped | None = None) -> Path:
    """The recipe ``arg`` names: a path that is a file as given; else a version (``v1.0.0`` or
    ``1.0.0``) means the shipped ``release/vX.Y.Z/recipe.toml``; anything else stays a path
    (so a missing file is the recipe reader's error)."""
    path = Path(arg)
    if path.is_file():
        return path
    tag = version_tag(str(arg))
    if tag is None:
        return path
    where = where or shipped()
    recipe = where.release_root / tag / "recipe.toml"
    if not recipe.is_file():
        known = ", ".join(where.versions()) or "none"
        raise InputError(recipe, None, f"no shipped recipe for version {tag} (shipped: {known})")
    return recipe


def is_package_data(path: Path, where: Shipped | None = None) -> bool:
    """Whether ``path`` lies in the read-only data of an installed wheel."""
    where = where or shipped()
    if not where.installed:
        return False
    return path.resolve().is_relative_to(where.root.resolve())
