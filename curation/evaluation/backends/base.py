"""Generation backends of ``mathif eval``: the offline vLLM engine and OpenAI-compatible servers.

A backend takes requests (one prompt, one or several sample indices, a seed)
and calls ``emit`` with each finished sample as soon as it is done, so the run
folder records it at once.  A request that fails for good is reported, not
raised; errors the user must fix (a refused key, an unknown model) raise
``InputError``.  Every generation a backend emits is a checked ``Generation``
(see ``store.py``), so what is written can be read back.  vLLM is imported only
by its backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from curation.core import redact, sha256_int
from curation.evaluation.config import ChatOptions, Sampling
from curation.evaluation.store import Generation

Emit = Callable[[Generation], None]


@dataclass(frozen=True)
class GenRequest:
    key: str
    run: str
    prompt: str
    samples: tuple[int, ...]  # sample indices made by this request, in order
    seed: int  # seed of samples[0]; sample samples[i] gets seed + i (vLLM's rule for n > 1)
    constraints: tuple[str, ...] = ()  # the descriptions in the prompt (what --intervention remind repeats)

    @property
    def n(self) -> int:
        return len(self.samples)


@dataclass(frozen=True)
class Failure:
    """A request that failed for good; ``error`` has every registered secret masked (a server's
    message may echo the key), whoever made it."""

    request: GenRequest
    error: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", redact(self.error))


@dataclass
class BackendReport:
    failures: list[Failure] = field(default_factory=list)


class Backend(Protocol):
    def generate(self, requests: Sequence[GenRequest], sampling: Sampling, emit: Emit) -> BackendReport: ...

    def close(self) -> None: ...


def chat_messages(prompt: str, chat: ChatOptions) -> list[dict[str, str]]:
    """The conversation sent for one prompt: the prompt as the user's message, after the
    system prompt if one is set (MathIF sends none)."""
    system = [{"role": "system", "content": chat.system_prompt}] if chat.system_prompt else []
    return [*system, {"role": "user", "content": prompt}]


def prompt_seed(base: int, key: str, run: str) -> int:
    """The seed of sample 0 of one prompt: fixed by the run's seed, the item and the run,
    whatever else is in the batch (a resumed run asks for the same seeds)."""
    return sha256_int(f"{base}\0{key}\0{run}", 4) & 0x3FFFFFFF
