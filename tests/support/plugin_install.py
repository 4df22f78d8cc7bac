"""Plugin packages installed as a user installs them: ``pip install`` of the package's folder,
built by its pyproject.toml (setuptools), offline.

``pip_install`` builds from a copy, so the source folder gains no ``build/`` or
``*.egg-info``, and installs into a target folder that a test puts on ``sys.path`` or a
``mathif`` process's ``PYTHONPATH``.  ``demo_plugin`` is the demo package of
tests/support/plugin_pkg, installed once per test session: a test module asks for it with
``pytest_plugins = ["tests.support.plugin_install"]``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.support.paths import PLUGIN_DIR

PIP_INSTALL = (
    "-m",
    "pip",
    "install",
    "--no-deps",  # mathif is the one dependency, and it is installed here
    "--no-build-isolation",  # the venv's setuptools builds it: no network
    "--no-index",
    "--no-cache-dir",
    "--no-compile",
    "--disable-pip-version-check",
    "--quiet",
)


def pip_install(packages: Sequence[Path], target: Path) -> Path:
    """Install the package folders ``packages`` into ``target`` (created); return ``target``."""
    with tempfile.TemporaryDirectory(prefix="mathif-plugin-build-") as tmp:
        copies = []
        for package in packages:
            copy = Path(tmp) / package.name
            shutil.copytree(
                package, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
            )
            copies.append(str(copy))
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_USER")}
        proc = subprocess.run(
            [sys.executable, *PIP_INSTALL, "--target", str(target), *copies],
            capture_output=True,
            text=True,
            env=env,
        )
    if proc.returncode != 0:
        pytest.fail(f"pip install of {[p.name for p in packages]} failed:\n{proc.stdout}{proc.stderr}")
    return target


@pytest.fixture(scope="session")
def demo_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the demo package (mathif-plugin-demo 0.1.0, entry point therefore_sign)
    is installed into; put it on the path to have the plugin installed."""
    return pip_install([PLUGIN_DIR], tmp_path_factory.mktemp("demo_plugin"))
