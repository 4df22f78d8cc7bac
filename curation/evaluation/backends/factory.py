"""The backend a run asks for; each engine is imported only when its backend is made."""

from __future__ import annotations

from curation.evaluation.backends.base import Backend
from curation.evaluation.config import EvalConfig


def make_backend(config: EvalConfig) -> Backend:
    """The run's backend; an intervention run's (``config.intervention`` with its marker
    resolved) generates in segments from the tokenizer of ``config.tokenizer`` or the model."""
    if config.backend == "vllm":
        from curation.evaluation.backends.vllm_backend import VllmBackend

        return VllmBackend(
            config.model,
            config.vllm,
            config.chat,
            intervention=config.intervention,
            tokenizer=config.tokenizer,
        )
    from curation.evaluation.backends.openai_backend import OpenAIBackend

    return OpenAIBackend(
        config.model,
        config.openai,
        chat=config.chat,
        intervention=config.intervention,
        tokenizer=config.tokenizer,
        trust_remote_code=config.vllm.trust_remote_code,
    )
