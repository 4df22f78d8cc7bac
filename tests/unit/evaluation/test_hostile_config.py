"""Absurd but valid numbers: every number of ``mathif eval`` has a bounded range, refused with
one line naming the flag (or run-file key) and the range, before anything is read or made."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core.errors import InputError
from curation.evaluation.backends.openai_backend import OpenAIBackend
from curation.evaluation.config import BOUNDS, OpenAIOptions, make_config

runner = CliRunner()

# setting -> (flag or run-file name in the message, largest value allowed, smallest value allowed)
LIMITS: dict[str, tuple[str, Any, Any]] = {
    "samples": ("--samples", 1024, 1),
    "max_tokens": ("--max-tokens", 1_000_000, 1),
    "seed": ("--seed", 2**63 - 1, 0),
    "limit": ("--limit", 10_000_000, 1),
    "temperature": ("--temperature", 10.0, 0.0),
    "tensor_parallel_size": ("--tensor-parallel-size", 256, 1),
    "data_parallel_size": ("--data-parallel-size", 64, 1),
    "max_model_len": ("--max-model-len", 10_000_000, 1),
    "max_num_seqs": ("--max-num-seqs", 65_536, 1),
    "concurrency": ("--concurrency", 4096, 1),
    "timeout": ("--timeout", 86_400.0, 0.001),
    "max_retries": ("--max-retries", 100, 0),
    "retry_base_delay": ("retry_base_delay", 3600.0, 0.0),
    "retry_max_delay": ("retry_max_delay", 86_400.0, 0.0),
    "extensions": ("--extensions", 64, 0),
    "think_budget": ("--think-budget", 999_999, 1),
}
# what a setting needs beside it to be valid at its bounds
BESIDE: dict[str, dict[str, Any]] = {
    "extensions": {"intervention": "budget-force"},
    "think_budget": {"intervention": "think-budget", "max_tokens": 1_000_000},
}


def config(tmp_path: Path, **flags: Any):
    return make_config(
        {"dataset": tmp_path, "model": "m", "out": tmp_path / "o", "backend": "openai"} | flags
    )


def test_every_bound_is_tested():
    assert {name.replace("-", "_") for name in BOUNDS} - {"base_url"} == set(LIMITS)


@pytest.mark.parametrize("key", list(LIMITS))
def test_numbers_above_or_below_their_range_are_one_line_naming_the_flag_and_range(tmp_path, key):
    name, high, low = LIMITS[key]
    beside = BESIDE.get(key, {})
    config(tmp_path, **beside, **{key: high})  # the bounds themselves are allowed
    config(tmp_path, **beside, **{key: low})
    step = 1 if isinstance(high, int) else 0.5
    for value in (high + step, low - step):
        with pytest.raises(InputError) as err:
            config(tmp_path, **beside, **{key: value})
        message = str(err.value)
        assert message.startswith(f"{name}: must be between ") and "\n" not in message, message


@pytest.mark.parametrize("key", ["timeout", "temperature", "retry_base_delay", "retry_max_delay"])
@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_nan_and_infinity_are_refused(tmp_path, key, value):
    with pytest.raises(InputError, match=f"{LIMITS[key][0]}: must be between"):
        config(tmp_path, **{key: value})


def test_a_huge_integer_is_named_by_its_size_not_printed(tmp_path):
    with pytest.raises(InputError, match=r"--seed: .*got an integer of 40 digits"):
        config(tmp_path, seed=10**39)


def test_run_file_numbers_are_bounded_too(tmp_path):
    run = tmp_path / "run.toml"
    run.write_text("samples = 100000000\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"--samples: must be between 1 and 1,024, got 100000000"):
        make_config({"dataset": tmp_path, "model": "m", "out": tmp_path}, run)
    run.write_text("timeout = inf\n", encoding="utf-8")
    with pytest.raises(InputError, match="--timeout"):
        make_config({"dataset": tmp_path, "model": "m", "out": tmp_path}, run)
    run.write_text("seed = " + "9" * 5000 + "\n", encoding="utf-8")  # more digits than Python converts
    with pytest.raises(InputError, match="run.toml: malformed TOML"):
        make_config({"dataset": tmp_path, "model": "m", "out": tmp_path}, run)
    urls = ", ".join(f'"http://127.0.0.1:{8000 + i}/v1"' for i in range(257))
    run.write_text(f"base-url = [{urls}]\n", encoding="utf-8")
    with pytest.raises(InputError, match="--base-url: at most 256 URLs, got 257"):
        make_config({"dataset": tmp_path, "model": "m", "out": tmp_path}, run)


@pytest.mark.parametrize(
    "flag, value",
    [("--samples", "100000000"), ("--max-tokens", "1000000000"), ("--concurrency", "1000000")],
)
def test_the_cli_refuses_absurd_numbers_at_once(tmp_path, flag, value):
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["eval", str(tmp_path), "--model", "m", "--backend", "openai", "--out", str(out), flag, value]
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {flag}: must be between"), lines
    assert not out.exists()  # refused before the folder is made


def test_backoff_never_overflows_however_many_attempts():
    b = OpenAIBackend("m", OpenAIOptions(retry_base_delay=1.0, retry_max_delay=60.0))
    assert 30.0 <= b.delay(5000) <= 60.0  # 1.0 * 2**5000 is no float
