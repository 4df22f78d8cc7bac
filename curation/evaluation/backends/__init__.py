"""Backends that generate for ``mathif eval``: vLLM's offline engine and any OpenAI-compatible
server.  Each takes the missing requests and emits generations as they finish; the engines
are imported only when a backend is made."""

from curation.evaluation.backends.base import (
    Backend,
    BackendReport,
    Emit,
    Failure,
    GenRequest,
    chat_messages,
    prompt_seed,
)
from curation.evaluation.backends.factory import make_backend

__all__ = [
    "Backend",
    "BackendReport",
    "Emit",
    "Failure",
    "GenRequest",
    "chat_messages",
    "make_backend",
    "prompt_seed",
]
