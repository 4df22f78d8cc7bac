"""The vllm backend refuses, before any request reaches the engine, a run whose prompts and
--max-tokens do not fit in the engine's max_model_len (vLLM itself would cut those samples
short and say nothing).  A stand-in engine: no vLLM needed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from curation.core.errors import InputError
from curation.evaluation.backends import GenRequest
from curation.evaluation.backends.vllm_backend import context_problem, longest_prompt, run_requests
from curation.evaluation.config import ChatOptions, Sampling


class Tokenizer:
    """One token per word of the rendered chat, plus three for the template's own."""

    def __init__(self, fail: bool = False):
        self.fail = fail
        self.kwargs: list[dict[str, Any]] = []

    def apply_chat_template(self, messages: list[dict[str, str]], **kwargs: Any) -> str:
        if self.fail:
            raise TypeError("this tokenizer renders chats its own way")
        self.kwargs.append(kwargs)
        return "<s> <user> " + " ".join(m["content"] for m in messages) + " <assistant>"

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return list(range(len(text.split())))


class Engine:
    """What run_requests uses of ``vllm.LLM``; records every request enqueued."""

    def __init__(self, max_model_len: int, tokenizer: Tokenizer):
        self.model_config = SimpleNamespace(max_model_len=max_model_len)
        self.tokenizer = tokenizer
        self.enqueued: list[Any] = []
        self.llm_engine = SimpleNamespace(has_unfinished_requests=lambda: False, step=lambda: [])

    def get_tokenizer(self) -> Tokenizer:
        return self.tokenizer

    def enqueue_chat(self, messages: Any, params: Any, **kwargs: Any) -> list[str]:
        self.enqueued.append(messages)
        return [f"{len(self.enqueued)}-abc"]


def requests(*prompts: str) -> list[GenRequest]:
    return [GenRequest(f"f:{i}", "plain", p, (0,), i) for i, p in enumerate(prompts)]


PROMPTS = requests("two words", "a prompt of five words", "one")  # 3 + 5 = 8 tokens at most


def test_a_run_that_does_not_fit_is_refused_before_any_request():
    engine = Engine(64, Tokenizer())
    with pytest.raises(InputError) as err:
        run_requests(engine, PROMPTS, Sampling(max_tokens=60), lambda g: None)
    assert str(err.value) == (
        "the longest prompt (8 tokens) and --max-tokens 60 need 68, more than the engine's context of "
        "64 tokens (max_model_len); lower --max-tokens (now 60, at most 56 with these prompts) or raise --max-model-len"
    )
    assert not engine.enqueued


def test_a_run_that_fits_exactly_is_enqueued():
    engine = Engine(64, Tokenizer())
    run_requests(engine, PROMPTS, Sampling(max_tokens=56), lambda g: None)
    assert len(engine.enqueued) == 3


def test_the_prompt_is_counted_as_the_chat_the_model_sees():
    tokenizer = Tokenizer()
    chat = ChatOptions("be brief", {"enable_thinking": False})
    assert longest_prompt(Engine(64, tokenizer), requests("x"), chat) == 3 + 3  # system + user
    assert tokenizer.kwargs == [{"tokenize": False, "add_generation_prompt": True, "enable_thinking": False}]


def test_a_tokenizer_that_cannot_count_leaves_the_check_to_max_tokens_alone():
    engine = Engine(64, Tokenizer(fail=True))
    assert longest_prompt(engine, PROMPTS, ChatOptions()) is None
    run_requests(engine, PROMPTS, Sampling(max_tokens=63), lambda g: None)  # may fit: vLLM decides
    with pytest.raises(
        InputError, match=r"^--max-tokens 64 leaves no room for a prompt in the engine's context of 64 tokens"
    ):
        run_requests(Engine(64, Tokenizer(fail=True)), PROMPTS, Sampling(max_tokens=64), lambda g: None)


@pytest.mark.parametrize(
    "limit, longest, max_tokens, fits",
    [(4096, 100, 3996, True), (4096, 100, 3997, False), (4096, None, 4095, True), (4096, None, 4096, False)],
)
def test_context_problem(limit, longest, max_tokens, fits):
    problem = context_problem(limit, longest, max_tokens)
    assert (problem is None) is fits
    if not fits:
        assert problem is not None
        room = f", at most {limit - longest} with these prompts" if longest is not None else ""
        assert problem.endswith(f"lower --max-tokens (now {max_tokens}{room}) or raise --max-model-len")
