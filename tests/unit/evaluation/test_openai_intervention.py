"""The openai backend under ``--intervention``: each sample in segments through the raw
``/v1/completions`` endpoint of a scripted server on 127.0.0.1 (no vLLM), with a small
tokenizer built here (a byte-level BPE with a ChatML template, ``</think>`` one token or
three).  What the server sees (token-id prompts from the chat template, budgets, stops,
``min_tokens``, seeds), what is emitted (spans, thinking tokens), and the retry policy of
the chat path applied to each segment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from curation.core.errors import InputError
from curation.evaluation.backends import GenRequest
from curation.evaluation.backends.openai_backend import OpenAIBackend
from curation.evaluation.backends.reply import BadReply, piece_of_completion
from curation.evaluation.config import ChatOptions, Intervention, OpenAIOptions, Sampling
from curation.evaluation.intervention import Piece, segment_seed
from curation.evaluation.store import Generation
from tests.support.eval_support import FakeOpenAI, Reply, Sleeps
from tests.support.tiny_model import CHAT_TEMPLATE, SPECIAL, _corpus

MAX = 100
SAMPLING = Sampling(temperature=0.7, top_p=0.9, max_tokens=MAX, samples=1, seed=5)
PREFIX = "<|im_start|>user\nprompt 0<|im_end|>\n<|im_start|>assistant\n"
MARKER = "</think>"
RULES = ("Answer in English.", "Use no commas.")


def build_tokenizer(out: Path, marker_token: bool) -> Path:
    """A byte-level BPE tokenizer with a ChatML template; ``marker_token``: ``</think>`` added
    as one token (else it is three: ``</``, ``think``, ``>``)."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        _corpus(), vocab_size=300, min_frequency=2, show_progress=False, special_tokens=SPECIAL
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    if marker_token:
        tokenizer.add_tokens([MARKER])
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Path:
    return build_tokenizer(tmp_path_factory.mktemp("single"), marker_token=True)


@pytest.fixture(scope="module")
def multi(tmp_path_factory) -> Path:
    return build_tokenizer(tmp_path_factory.mktemp("multi"), marker_token=False)


def load(path: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path))


def ids(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer.encode(text, add_special_tokens=False))


def backend(urls: list[str], tokenizer: Path, intervention: Intervention, **options: Any) -> OpenAIBackend:
    chat = options.pop("chat", ChatOptions())
    opts = OpenAIOptions(
        base_urls=tuple(urls), **({"retry_base_delay": 0.0, "retry_max_delay": 0.0} | options)
    )
    return OpenAIBackend(
        "served-model", opts, sleep=Sleeps(), chat=chat, intervention=intervention, tokenizer=str(tokenizer)
    )


def request(i: int = 0, samples: tuple[int, ...] = (0,), constraints: tuple[str, ...] = ()) -> GenRequest:
    return GenRequest(f"f.jsonl:{i + 1}", "constraints", f"prompt {i}", samples, 100 + i, constraints)


def run(b: OpenAIBackend, reqs: list[GenRequest], sampling: Sampling = SAMPLING):
    got: list[Generation] = []
    report = b.generate(reqs, sampling, got.append)
    return got, report


def thinking(body: dict[str, Any]) -> bool:
    """Whether the server is asked for a segment of the thinking (it stops at the marker)."""
    return "stop_token_ids" in body or "stop" in body


class Model:
    """A scripted model: each segment of the thinking says ``t<n> `` in ``think`` tokens (at most
    what it is asked for, ``length`` then) and ends the thinking; the answer says ``ANSWER``
    in ``answer`` tokens.  ``usage``: False leaves the count out (the backend counts)."""

    def __init__(self, think: int = 3, answer: int = 4, usage: bool = True):
        self.think, self.answer, self.usage = think, answer, usage

    def __call__(self, n: int, body: dict[str, Any]) -> Reply:
        if thinking(body):
            tokens = min(self.think, body["max_tokens"])
            finish = "length" if tokens == body["max_tokens"] and tokens < self.think else "stop"
            text = f"t{n} " if finish == "stop" else "cut"
        else:
            tokens, finish, text = min(self.answer, body["max_tokens"]), "stop", "ANSWER \\boxed{42}"
        usage = (
            {"prompt_tokens": 9, "completion_tokens": tokens, "total_tokens": 9 + tokens}
            if self.usage
            else None
        )
        return Reply(content=text, finish_reason=finish, usage=usage)


def texts(tokenizer: Any, bodies: list[dict[str, Any]]) -> list[str]:
    return [tokenizer.decode(b["prompt"]) for b in bodies]


# budget forcing -----------------------------------------------------------------------------------


def test_budget_force_suppresses_the_end_twice_then_answers(single):
    tok = load(single)
    marker_id = ids(tok, MARKER)
    assert len(marker_id) == 1
    intervention = Intervention(kind="budget-force", extensions=2, think_end=MARKER)
    with FakeOpenAI(completions=Model()) as server:
        forced = backend([server.base_url], single, intervention)
        got, report = run(forced, [request()])
    assert not report.failures and not server.requests  # no chat request at all
    bodies = server.completion_requests
    assert len(bodies) == 4 == forced.attempts
    thought = ["", "t0 Wait", "t0 Waitt1 Wait", "t0 Waitt1 Waitt2 </think>"]
    assert [b["prompt"] for b in bodies] == [ids(tok, PREFIX + t) for t in thought]  # token ids
    assert texts(tok, bodies) == [PREFIX + t for t in thought]
    assert [b["min_tokens"] for b in bodies] == [0, 1, 1, 0]  # at least one token after "Wait"
    assert [b.get("stop_token_ids") for b in bodies] == [
        marker_id,
        marker_id,
        marker_id,
        None,
    ]  # thinking only
    assert not any("stop" in b for b in bodies)  # one token: its id, no stop string
    assert [b["max_tokens"] for b in bodies] == [MAX, MAX - 3, MAX - 6, MAX - 9]
    assert [b["seed"] for b in bodies] == [segment_seed(100, step) for step in range(4)]
    assert {(b["model"], b["temperature"], b["top_p"], b["n"]) for b in bodies} == {
        ("served-model", 0.7, 0.9, 1)
    }
    assert not any("chat_template_kwargs" in b or "messages" in b for b in bodies)
    (gen,) = got
    assert gen.output == "t0 Waitt1 Waitt2 </think>ANSWER \\boxed{42}"
    assert gen.spans == (
        ("model", 3),
        ("extension", 4),
        ("model", 3),
        ("extension", 4),
        ("model", 3),
        ("close", len(MARKER)),
        ("model", len("ANSWER \\boxed{42}")),
    )
    assert (gen.thinking_tokens, gen.completion_tokens, gen.finish_reason) == (9, 13, "stop")
    assert (gen.key, gen.run, gen.sample) == ("f.jsonl:1", "constraints", 0)


def test_a_thinking_budget_caps_each_segment_and_closes_with_final_answer(multi):
    """Several tokens of marker: a stop string; each segment of the thinking asks for what is
    left of the budget at most; when it runs out "Final Answer:" is put in."""
    tok = load(multi)
    assert len(ids(tok, MARKER)) > 1
    intervention = Intervention(kind="budget-force", extensions=5, think_budget=10, think_end=MARKER)
    with FakeOpenAI(completions=Model(think=4)) as server:
        got, report = run(backend([server.base_url], multi, intervention), [request()])
    assert not report.failures
    bodies = server.completion_requests
    assert [b["max_tokens"] for b in bodies] == [10, 6, 2, MAX - 10]
    assert [b.get("stop") for b in bodies] == [[MARKER]] * 3 + [None]
    assert not any("stop_token_ids" in b for b in bodies)
    assert [b["min_tokens"] for b in bodies] == [0, 1, 1, 1]  # after "Final Answer:" too
    assert texts(tok, bodies)[-1] == PREFIX + "t0 Waitt1 Waitcut</think>\n\nFinal Answer:"
    (gen,) = got
    assert gen.output == "t0 Waitt1 Waitcut</think>\n\nFinal Answer:ANSWER \\boxed{42}"
    assert [kind for kind, _ in gen.spans] == [
        "model",
        "extension",
        "model",
        "extension",
        "model",
        "close",
        "final",
        "model",
    ]
    assert (gen.thinking_tokens, gen.completion_tokens) == (10, 14)


@pytest.mark.parametrize("tokenizer", ["single", "multi"])
def test_think_budget_alone(tokenizer, request):
    path = request.getfixturevalue(tokenizer)
    intervention = Intervention(kind="think-budget", think_budget=10, think_end=MARKER)
    with FakeOpenAI(completions=Model(think=50)) as server:
        got, report = run(
            backend([server.base_url], path, intervention), [GenRequest("k", "plain", "prompt 0", (3,), 7)]
        )
    assert not report.failures
    first, answer = server.completion_requests
    assert (first["max_tokens"], answer["max_tokens"]) == (10, MAX - 10)
    assert thinking(first) and not thinking(answer)
    (gen,) = got
    assert gen.output == "cut</think>\n\nFinal Answer:ANSWER \\boxed{42}"
    assert (gen.sample, gen.thinking_tokens, gen.completion_tokens) == (3, 10, 14)


def test_a_model_that_ends_its_thinking_within_the_budget_gets_no_final_answer(single):
    intervention = Intervention(kind="think-budget", think_budget=10, think_end=MARKER)
    with FakeOpenAI(completions=Model(think=3)) as server:
        got, _ = run(backend([server.base_url], single, intervention), [request()])
    assert got[0].output == "t0 </think>ANSWER \\boxed{42}"
    assert [b["min_tokens"] for b in server.completion_requests] == [0, 0]


# remind -------------------------------------------------------------------------------------------


def test_remind_puts_the_constraints_back_into_the_thinking_once(single):
    tok = load(single)
    intervention = Intervention(kind="remind", think_end=MARKER)
    with FakeOpenAI(completions=Model()) as server:
        got, report = run(backend([server.base_url], single, intervention), [request(constraints=RULES)])
    assert not report.failures
    reminder = (
        "\n\nWait, before I answer, let me recall the instructions my response must follow:\n"
        "- Answer in English.\n- Use no commas.\n"
    )
    prompts = texts(tok, server.completion_requests)
    assert prompts == [PREFIX, PREFIX + "t0 " + reminder, PREFIX + "t0 " + reminder + "t1 </think>"]
    assert [b["min_tokens"] for b in server.completion_requests] == [0, 1, 0]
    (gen,) = got
    assert [kind for kind, _ in gen.spans] == ["model", "reminder", "model", "close", "model"]


def test_remind_without_constraints_reminds_nothing(single):
    intervention = Intervention(kind="remind", think_end=MARKER)
    with FakeOpenAI(completions=Model()) as server:
        got, _ = run(backend([server.base_url], single, intervention), [request()])
    assert len(server.completion_requests) == 2
    assert got[0].output == "t0 </think>ANSWER \\boxed{42}"


# chat options, the marker, the tokenizer -----------------------------------------------------------


def test_the_system_prompt_is_rendered_and_no_template_arguments_are_sent(single):
    tok = load(single)
    chat = ChatOptions("Be brief.", {"enable_thinking": True})
    intervention = Intervention(kind="think-budget", think_end=MARKER)
    with FakeOpenAI(completions=Model()) as server:
        run(backend([server.base_url], single, intervention, chat=chat), [request()])
    first = server.completion_requests[0]
    assert tok.decode(first["prompt"]) == "<|im_start|>system\nBe brief.<|im_end|>\n" + PREFIX
    assert "chat_template_kwargs" not in first


def test_the_marker_defaults_to_a_one_token_think_end(single, multi):
    with FakeOpenAI(completions=Model()) as server:
        got, _ = run(backend([server.base_url], single, Intervention(kind="think-budget")), [request()])
        assert got[0].output == "t0 </think>ANSWER \\boxed{42}"
        asked = len(server.completion_requests)
        with pytest.raises(InputError, match="--think-end"):
            run(backend([server.base_url], multi, Intervention(kind="think-budget")), [request()])
        with pytest.raises(InputError, match="cannot load the tokenizer"):
            run(
                backend([server.base_url], multi.parent / "nothing here", Intervention(kind="remind")),
                [request()],
            )
        assert len(server.completion_requests) == asked  # nothing asked without a tokenizer


def test_unknown_usage_is_counted_with_the_tokenizer(single):
    tok = load(single)
    intervention = Intervention(kind="budget-force", extensions=1, think_end=MARKER)
    with FakeOpenAI(completions=Model(usage=False)) as server:
        got, _ = run(backend([server.base_url], single, intervention), [request()])
    (gen,) = got
    thought = len(ids(tok, "t0 ")) + len(ids(tok, "t1 "))
    assert gen.thinking_tokens == thought
    assert gen.completion_tokens == thought + len(ids(tok, "ANSWER \\boxed{42}"))
    assert server.completion_requests[1]["max_tokens"] == MAX - len(ids(tok, "t0 "))


def test_no_intervention_uses_the_chat_endpoint(single):
    with FakeOpenAI() as server:
        got, _ = run(backend([server.base_url], single, Intervention()), [request()])
    assert len(got) == 1 and len(server.requests) == 1 and not server.completion_requests
    assert got[0].spans is None


# retries and failures -----------------------------------------------------------------------------


def test_a_503_in_the_middle_of_a_sample_is_retried_and_the_sample_completes(single):
    intervention = Intervention(kind="budget-force", extensions=1, think_end=MARKER)
    model = Model()

    def script(n: int, body: dict[str, Any]) -> Reply:
        return Reply(503) if n == 1 else model(n, body)

    with FakeOpenAI(completions=script) as server:
        b = backend([server.base_url], single, intervention)
        got, report = run(b, [request()])
    assert not report.failures and b.attempts == 4
    bodies = server.completion_requests
    assert bodies[1] == bodies[2]  # the same segment asked again: same prompt, seed, budget
    assert got[0].output == "t0 Waitt2 </think>ANSWER \\boxed{42}"


@pytest.mark.parametrize(
    "bad",
    [
        Reply(raw=b"<html>busy</html>", content_type="text/html"),
        Reply(choice={"index": 0, "text": 5, "finish_reason": "stop"}),
        Reply(choice={"index": 0, "text": "x", "finish_reason": 3}),
        Reply(choice="text"),
        Reply(content="", finish_reason="length", usage={"completion_tokens": 0}),
        Reply(length=10_000),  # a body cut short
    ],
)
def test_a_bad_completion_body_is_retried(single, bad):
    intervention = Intervention(kind="budget-force", extensions=1, think_end=MARKER)
    model = Model()
    with FakeOpenAI(completions=lambda n, body: bad if n == 1 else model(n, body)) as server:
        b = backend([server.base_url], single, intervention, timeout=2.0)
        got, report = run(b, [request()])
    assert not report.failures and len(got) == 1 and b.attempts == 4
    assert got[0].output == "t0 Waitt2 </think>ANSWER \\boxed{42}"


def test_a_segment_that_fails_for_good_fails_its_sample_only(single):
    intervention = Intervention(kind="budget-force", extensions=1, think_end=MARKER)
    model = Model()

    def script(n: int, body: dict[str, Any]) -> Reply:
        refused = body["seed"] == segment_seed(101, 1)  # the second segment of f.jsonl:2
        return Reply(400, error="no such thing") if refused else model(n, body)

    with FakeOpenAI(completions=script) as server:
        got, report = run(
            backend([server.base_url], single, intervention, concurrency=1), [request(0), request(1)]
        )
    assert [g.key for g in got] == ["f.jsonl:1"]
    (failure,) = report.failures
    assert failure.request.key == "f.jsonl:2" and failure.request.samples == (0,)
    assert failure.error.startswith("segment 2: ") and "HTTP 400" in failure.error


def test_a_segment_that_keeps_failing_is_given_up(single):
    intervention = Intervention(kind="think-budget", think_end=MARKER)
    model = Model()
    with FakeOpenAI(completions=lambda n, body: model(n, body) if n == 0 else Reply(502)) as server:
        b = backend([server.base_url], single, intervention, max_retries=2)
        got, report = run(b, [request()])
    assert not got and b.attempts == 4
    assert report.failures[0].error == "segment 2: gave up after 3 attempts (HTTP 502)"


def test_a_segment_too_long_for_the_context_stops_the_run(single):
    refusal = "This model's maximum context length is 64 tokens. However, you requested 120 tokens."
    intervention = Intervention(kind="think-budget", think_end=MARKER)
    model = Model()
    with FakeOpenAI(
        completions=lambda n, body: model(n, body) if n == 0 else Reply(400, error=refusal)
    ) as server:
        with pytest.raises(InputError, match="its context is 64 tokens"):
            run(backend([server.base_url], single, intervention), [request()])


@pytest.mark.parametrize("status", [401, 404])
def test_a_refused_segment_stops_the_run(single, status):
    intervention = Intervention(kind="think-budget", think_end=MARKER)
    with FakeOpenAI(completions=lambda n, body: Reply(status)) as server:
        with pytest.raises(InputError, match=f"HTTP {status}"):
            run(
                backend([server.base_url], single, intervention, concurrency=4),
                [request(i) for i in range(5)],
            )
    assert len(server.completion_requests) <= 4


# concurrency and servers --------------------------------------------------------------------------


def test_samples_are_bounded_in_flight_and_seeded_like_the_chat_path(single):
    intervention = Intervention(kind="budget-force", extensions=1, think_end=MARKER)
    model = Model()

    def slow(n: int, body: dict[str, Any]) -> Reply:
        return Reply(**(vars(model(n, body)) | {"delay": 0.05}))

    reqs = [request(i, samples=(0, 1, 2)) for i in range(3)]
    with FakeOpenAI(completions=slow) as server:
        got, report = run(backend([server.base_url], single, intervention, concurrency=2), reqs)
    assert not report.failures and server.max_inflight <= 2
    assert sorted((g.key, g.sample) for g in got) == [
        (f"f.jsonl:{i}", s) for i in (1, 2, 3) for s in (0, 1, 2)
    ]
    first_seeds = sorted(
        b["seed"] for b in server.completion_requests if b["min_tokens"] == 0 and thinking(b)
    )
    assert first_seeds == sorted(100 + i + s for i in range(3) for s in range(3))  # segment 0 keeps the seed
    assert all(g.spans is not None and g.thinking_tokens == 6 for g in got)


def test_a_samples_segments_stay_with_one_server_until_a_retry_moves_it(single):
    intervention = Intervention(kind="budget-force", extensions=1, think_end=MARKER)
    model = Model()
    with (
        FakeOpenAI(completions=model) as a,
        FakeOpenAI(completions=lambda n, body: Reply(503) if n == 0 else model(n, body)) as b,
    ):
        got, report = run(
            backend([a.base_url, b.base_url], single, intervention, concurrency=1), [request(0), request(1)]
        )
    assert not report.failures and len(got) == 2
    # sample 1 stays on the first server (3 segments); sample 2 starts on the second, is refused
    # there, and moves on to the first for good (3 more segments)
    assert len(b.completion_requests) == 1 and len(a.completion_requests) == 6
    assert [r["seed"] for r in a.completion_requests[:3]] == [segment_seed(100, s) for s in range(3)]


# the reply, alone ---------------------------------------------------------------------------------


def body(**choice: Any) -> bytes:
    return json.dumps({"choices": [{"index": 0} | choice], "usage": {"completion_tokens": 6}}).encode()


def test_piece_of_completion():
    def count(text: str) -> int:
        return len(text)

    assert piece_of_completion(body(text="abc", finish_reason="stop"), count) == Piece("abc", 6, "stop")
    assert piece_of_completion(body(text="a\ud800", finish_reason=None), count) == Piece("a\ufffd", 6, None)
    unknown = json.dumps(
        {"choices": [{"text": "abcd", "finish_reason": "length"}], "usage": {"completion_tokens": -1}}
    )
    assert piece_of_completion(unknown.encode(), count) == Piece("abcd", 4, "length")
    for bad in (
        b"not json",
        b"[]",
        b'{"choices": []}',
        b'{"choices": [null]}',
        body(text=None, finish_reason="stop"),
        body(text=["a"], finish_reason="stop"),
        body(text="a", finish_reason=["stop"]),
        b'{"choices": [{"text": "", "finish_reason": "length"}]}',
    ):
        assert isinstance(piece_of_completion(bad, count), BadReply), bad
