"""The interventions' state machine (``curation.evaluation.intervention``), driven by hand and
through the vLLM backend's segment loop with a scripted engine: extensions happen N times,
budgets hold, the reminder lands in the thinking and scoring leaves injected text out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from curation.core import InputError
from curation.evaluation.config import Intervention, make_config
from curation.evaluation.intervention import Piece, reminder_text, scored_output, segment_seed, start
from curation.evaluation.store import Generation
from curation.scoring import split_response

M = "</think>"


def drive(state, pieces):
    """Feed ``pieces`` in order; return the asks made (the last ask is None)."""
    asks = [state.ask()]
    for piece in pieces:
        state.take(piece)
        asks.append(state.ask())
    return asks


def test_budget_force_suppresses_the_end_n_times_then_closes_and_answers():
    state = start(Intervention("budget-force", extensions=2), M, 100, seed=5)
    asks = drive(
        state,
        [Piece("a", 10, "stop"), Piece("b", 10, "stop"), Piece("c", 10, "stop"), Piece("ANSWER", 5, "stop")],
    )
    assert [a.thinking for a in asks[:4]] == [True, True, True, False] and asks[4] is None
    assert [a.text for a in asks[:4]] == ["", "aWait", "aWaitbWait", f"aWaitbWaitc{M}"]
    assert [a.min_tokens for a in asks[:4]] == [0, 1, 1, 0]  # at least one token after "Wait"
    assert [a.max_tokens for a in asks[:4]] == [100, 90, 80, 70]
    assert asks[0].seed == 5 and len({a.seed for a in asks[:4]}) == 4
    g = state.generation("k", "constraints", 0)
    assert g.output == f"aWaitbWaitc{M}ANSWER"
    assert g.spans == (
        ("model", 1),
        ("extension", 4),
        ("model", 1),
        ("extension", 4),
        ("model", 1),
        ("close", 8),
        ("model", 6),
    )
    assert (g.completion_tokens, g.thinking_tokens, g.finish_reason) == (35, 30, "stop")
    assert scored_output(g) == f"abc{M}ANSWER"


def test_a_thinking_budget_that_runs_out_closes_with_final_answer_and_answers_with_what_is_left():
    state = start(Intervention("think-budget", think_budget=16), M, 40, seed=0)
    asks = drive(state, [Piece("long thought", 16, "length"), Piece(" 42", 3, "stop")])
    assert asks[0].max_tokens == 16 and asks[0].thinking
    assert asks[1].text == f"long thought{M}\n\nFinal Answer:" and not asks[1].thinking
    assert asks[1].max_tokens == 24 and asks[2] is None
    g = state.generation("k", "plain", 0)
    assert [k for k, _ in g.spans] == ["model", "close", "final", "model"]
    assert scored_output(g) == f"long thought{M} 42"  # "Final Answer:" is not the model's


def test_budget_force_stops_extending_when_the_thinking_budget_is_spent():
    state = start(Intervention("budget-force", extensions=5, think_budget=20), M, 50, seed=0)
    asks = drive(state, [Piece("a", 12, "stop"), Piece("b", 8, "length"), Piece("x", 4, "stop")])
    assert asks[1].max_tokens == 8  # what is left of the thinking budget
    assert asks[2].text.endswith(f"{M}\n\nFinal Answer:")
    g = state.generation("k", "constraints", 0)
    assert g.thinking_tokens == 20 and [k for k, _ in g.spans].count("extension") == 1


def test_the_whole_budget_spent_in_thinking_ends_the_sample_as_truncated():
    state = start(Intervention("budget-force", extensions=3), M, 30, seed=0)
    asks = drive(state, [Piece("a", 30, "length")])
    assert asks[1] is None
    g = state.generation("k", "constraints", 0)
    assert g.finish_reason == "length" and g.output == "a" and g.spans == (("model", 1),)


def test_a_marker_in_the_text_ends_the_thinking_there_when_the_server_did_not_stop():
    state = start(Intervention("think-budget", think_budget=50), M, 100, seed=0)
    asks = drive(state, [Piece(f"thought{M}answer typed on", 20, "length"), Piece("ok", 2, "stop")])
    assert asks[1].text == f"thought{M}" and not asks[1].thinking
    assert state.generation("k", "constraints", 0).thinking_tokens == 20


def test_remind_puts_the_constraints_back_once_and_the_run_without_constraints_has_none():
    iv = Intervention("remind")
    state = start(iv, M, 100, seed=0, descriptions=("Answer in lowercase.", " No commas. "))
    asks = drive(state, [Piece("think", 5, "stop"), Piece(" ok", 5, "stop"), Piece("done", 2, "stop")])
    reminder = reminder_text(iv.remind_template, ["Answer in lowercase.", "No commas."])
    assert reminder is not None and "- Answer in lowercase.\n- No commas." in reminder
    assert asks[1].text == "think" + reminder and asks[1].min_tokens == 1
    assert asks[2].text == "think" + reminder + f" ok{M}"
    g = state.generation("k", "constraints", 0)
    assert scored_output(g) == f"think ok{M}done"
    plain = start(iv, M, 100, seed=0, descriptions=())
    asks = drive(plain, [Piece("think", 5, "stop"), Piece("done", 2, "stop")])
    assert asks[1].text == f"think{M}"


def test_reasoning_scope_reads_the_thinking_without_the_reminder():
    state = start(Intervention("remind"), M, 100, seed=0, descriptions=("Use no commas.",))
    drive(state, [Piece("a, b", 5, "stop"), Piece(" c", 5, "stop"), Piece("x", 1, "stop")])
    g = state.generation("k", "constraints", 0)
    parts = split_response(scored_output(g), "mathif")
    assert parts.reasoning == "a, b c" and "Use no commas" not in parts.reasoning
    assert "Use no commas" in g.output  # the reminder is kept in the record


def test_segment_seeds_are_fixed_by_the_sample_seed_and_step():
    assert segment_seed(7, 0) == 7
    assert segment_seed(7, 1) == segment_seed(7, 1) != segment_seed(7, 2)
    assert segment_seed(7, 1) != segment_seed(8, 1)


@pytest.mark.parametrize(
    "spans, problem",
    [
        ([["model", 3]], "covers 3 characters"),
        ([["typed", 5]], r"not a \[kind, characters\] pair"),
        ([["model", -1], ["close", 6]], "integer >= 0"),
        ([], "covers 0 characters"),
        ("model", "at most 512"),
        ([["model", 5]] * 513, "at most 512"),
    ],
)
def test_a_generation_line_with_broken_spans_is_refused(spans, problem):
    with pytest.raises(ValueError, match=problem):
        Generation("k", "constraints", 0, "hello", "stop", 5, spans, 3)


def test_spans_survive_a_round_trip_through_the_folder_format():
    from curation.evaluation.store import generation_from_row

    g = Generation(
        "k", "constraints", 0, "aWaitb", "stop", 4, (("model", 1), ("extension", 4), ("model", 1)), 3
    )
    row = json.loads(json.dumps(g.to_row()))
    assert row["spans"] == [["model", 1], ["extension", 4], ["model", 1]] and row["thinking_tokens"] == 3
    assert generation_from_row(row, Path("g.jsonl"), 1) == g
    plain = Generation("k", "constraints", 0, "x", "stop", 1)
    assert "spans" not in plain.to_row()  # a plain run's lines are as before


def test_redacting_a_secret_keeps_the_spans_in_step(monkeypatch):
    from curation.core import register_secret

    register_secret("sk-secret-123456")
    g = Generation(
        "k", "constraints", 0, "say sk-secret-123456Wait", "stop", 4, (("model", 20), ("extension", 4)), 3
    )
    r = g.redacted()
    assert (
        "sk-secret" not in r.output
        and r.output.endswith("Wait")
        and sum(n for _, n in r.spans) == len(r.output)
    )


# settings ------------------------------------------------------------------------------------


def cfg(tmp_path: Path, **flags: Any):
    return make_config({"dataset": tmp_path, "model": "m", "out": tmp_path / "o"} | flags)


def test_settings_that_do_not_apply_to_the_intervention_are_refused(tmp_path):
    with pytest.raises(InputError, match="--extensions applies to --intervention budget-force only"):
        cfg(tmp_path, intervention="remind", extensions=2)
    with pytest.raises(InputError, match="--remind-template applies to --intervention remind only"):
        cfg(tmp_path, intervention="budget-force", remind_template="{constraints}")
    with pytest.raises(
        InputError, match="--think-end applies to --intervention budget-force or remind or think-budget"
    ):
        cfg(tmp_path, think_end="</think>")


def test_intervention_settings_are_checked(tmp_path):
    with pytest.raises(InputError, match="--intervention: must be one of none, budget-force"):
        cfg(tmp_path, intervention="forcing")
    with pytest.raises(InputError, match="needs --think-budget"):
        cfg(tmp_path, intervention="think-budget")
    with pytest.raises(InputError, match="must be below --max-tokens"):
        cfg(tmp_path, intervention="think-budget", think_budget=100, max_tokens=100)
    with pytest.raises(InputError, match=r"must contain \{constraints\}"):
        cfg(tmp_path, intervention="remind", remind_template="remember!")
    with pytest.raises(InputError, match="at most 4,000 characters"):
        cfg(tmp_path, intervention="budget-force", extension_text="W" * 4001)
    with pytest.raises(InputError, match="one engine"):
        cfg(tmp_path, intervention="budget-force", data_parallel_size=2)
    c = cfg(tmp_path, intervention="budget-force", extensions=4, think_budget=1000)
    assert c.intervention == Intervention("budget-force", extensions=4, think_budget=1000)
    assert c.intervention.settings() == {
        "kind": "budget-force",
        "extensions": 4,
        "extension_text": "Wait",
        "think_budget": 1000,
        "final_text": "\n\nFinal Answer:",
        "think_end": None,
    }
    assert cfg(tmp_path).intervention.settings() is None


def test_a_run_file_sets_an_intervention(tmp_path):
    run = tmp_path / "run.toml"
    run.write_text('intervention = "think-budget"\nthink-budget = 512\nmax-tokens = 2048\n', encoding="utf-8")
    c = make_config({"dataset": tmp_path, "model": "m", "out": tmp_path / "o"}, run)
    assert c.intervention.kind == "think-budget" and c.intervention.think_budget == 512


# the vLLM backend's segment loop, with a scripted engine -------------------------------------


@dataclass
class Completion:
    text: str
    token_ids: list[int]
    finish_reason: str
    index: int = 0


@dataclass
class Output:
    request_id: str
    outputs: list[Completion]
    finished: bool = True


@dataclass
class ScriptedEngine:
    """An engine that answers each segment from ``script(prompt_text, params)`` and finishes
    one request per step (the order vLLM would not promise: latest first)."""

    tokenizer: Any
    script: Any
    queue: list[tuple[str, Any, Any]] = field(default_factory=list)
    asked: list[tuple[str, Any]] = field(default_factory=list)
    count: int = 0

    def has_unfinished_requests(self) -> bool:
        return bool(self.queue)

    def step(self) -> list[Output]:
        rid, prompt, params = self.queue.pop()
        text = self.tokenizer.decode(prompt["prompt_token_ids"])
        self.asked.append((text, params))
        out, tokens, finish = self.script(text, params)
        return [Output(rid, [Completion(out, list(range(tokens)), finish)])]


class ScriptedLLM:
    def __init__(self, tokenizer: Any, script: Any):
        self.llm_engine = ScriptedEngine(tokenizer, script)
        self.model_config = None

    def enqueue(self, prompts, params, use_tqdm=False):
        engine = self.llm_engine
        engine.count += 1
        rid = f"{engine.count}-abcd"
        engine.queue.append((str(engine.count), prompts[0], params[0]))
        return [rid]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    pytest.importorskip("transformers")
    from tests.support.tiny_model import build_tiny_model

    path = build_tiny_model(tmp_path_factory.mktemp("tok") / "tiny")
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    tok.add_tokens(["</think>"])  # a thinking model's marker: one token
    return tok


def test_the_segment_loop_continues_every_sample_in_one_engine(tokenizer):
    pytest.importorskip("vllm")
    from curation.evaluation.backends import GenRequest
    from curation.evaluation.backends.tokens import Tokens
    from curation.evaluation.backends.vllm_backend import run_intervened
    from curation.evaluation.config import ChatOptions, Sampling

    def script(prompt: str, params: Any) -> tuple[str, int, str]:
        if params.stop_token_ids:  # thinking: a short thought that tries to end
            return "so the answer is 4", 6, "stop"
        return "The answer is \\boxed{4}.", 8, "stop"

    tokens = Tokens(tokenizer, M, ChatOptions())
    llm = ScriptedLLM(tokenizer, script)
    requests = [
        GenRequest("a.jsonl:1", "constraints", "What is 2+2?", (0, 1), 100, ("Answer in lowercase.",)),
        GenRequest("a.jsonl:1", "plain", "What is 2+2?", (0,), 200, ()),
    ]
    made: list[Generation] = []
    iv = Intervention("budget-force", extensions=2)
    report = run_intervened(llm, requests, Sampling(max_tokens=100), made.append, iv, tokens)
    assert not report.failures and len(made) == 3
    assert {(g.run, g.sample) for g in made} == {("constraints", 0), ("constraints", 1), ("plain", 0)}
    for g in made:
        assert (
            g.output
            == f"so the answer is 4Waitso the answer is 4Waitso the answer is 4{M}The answer is \\boxed{{4}}."
        )
        assert (g.thinking_tokens, g.completion_tokens) == (18, 26)
    thinking = [(t, p) for t, p in llm.llm_engine.asked if p.stop_token_ids]
    answers = [(t, p) for t, p in llm.llm_engine.asked if not p.stop_token_ids]
    assert len(thinking) == 9 and len(answers) == 3
    marker_id = tokenizer.convert_tokens_to_ids(M)
    assert all(p.stop_token_ids == [marker_id] and p.max_tokens <= 100 for _, p in thinking)
    assert sorted(p.min_tokens for _, p in thinking) == [0] * 3 + [1] * 6
    assert all(
        t.startswith("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n")
        for t, _ in llm.llm_engine.asked
    )
    assert all(t.endswith(M) for t, _ in answers)
    seeds = {p.seed for _, p in llm.llm_engine.asked}
    assert len(seeds) == 12  # every segment of every sample its own seed


def test_a_custom_marker_is_read_as_think_close_so_the_scorer_splits_where_the_run_closed():
    state = start(Intervention("think-budget", think_budget=4), "<|end_of_thought|>", 20, seed=0)
    drive(state, [Piece("abcd", 4, "length"), Piece(" 7", 1, "stop")])
    g = state.generation("k", "constraints", 0)
    assert g.output == "abcd<|end_of_thought|>\n\nFinal Answer: 7"
    parts = split_response(scored_output(g), "mathif")
    assert (parts.reasoning, parts.answer) == ("abcd", " 7")


def test_an_engine_that_makes_nothing_cannot_keep_a_sample_asking_forever():
    state = start(Intervention("budget-force", extensions=64), M, 1000, seed=0)
    state.ask()
    state.take(Piece("", 0, "length"))  # "out of budget" with no token: the sample ends
    assert state.ask() is None and state.generation("k", "constraints", 0).finish_reason == "length"
    state = start(Intervention("budget-force", extensions=3), M, 1000, seed=0)
    asks = 0
    while state.ask() is not None:  # a model that ends at once, every time: N + 2 segments
        state.take(Piece("", 0, "stop"))
        asks += 1
    assert asks == 3 + 2
