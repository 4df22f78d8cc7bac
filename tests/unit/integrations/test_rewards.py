"""RL rewards: the verdicts of ``mathif.score`` under each trainer's exact contract.

verl and OpenRLHF are not installed (heavy): their contracts are checked as their source
states them (verl 0.9.1 ``verl/trainer/ppo/reward.py``, ``verl/utils/import_utils.py``,
``verl/experimental/reward_loop/reward_manager/naive.py``, ``reward_loop.py``; OpenRLHF
0.11.2 ``openrlhf/utils/agent.py``, ``openrlhf/trainer/ppo_utils/samples_generator.py``),
by calling the functions exactly as those files do.  TRL's contract is in
``tests/integration/test_trl_reward.py``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import math
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import mathif
from constraints.joint import joint_witness
from curation.integrations import rewards
from curation.integrations.rewards import (
    GroundTruthError,
    RewardConfig,
    completion_text,
    compute_score,
    parse_ground_truth,
    reward_func,
)
from tests.support.paths import REFERENCE

REWARDS_FILE = Path(rewards.__file__)


@pytest.fixture(scope="module")
def bench() -> mathif.Benchmark:
    return mathif.load(REFERENCE, limit=2)


def responses_for(b: mathif.BenchItem) -> list[str]:
    """Responses that follow, half follow, skip </think>, are blank, or are right or wrong."""
    witness = joint_witness(b.item.constraints, seed=1) or "no witness"
    return [
        f"<think>thinking</think>{witness}\n\\boxed{{{b.answer}}}",
        f"<think>thinking</think>{witness}",
        f"<think>thinking</think>the answer is \\boxed{{{b.answer}}}, done",
        f"the answer is \\boxed{{{b.answer}}}",  # no </think>
        f"{witness}\n\\boxed{{{b.answer}}}",  # no </think>, follows
        "<think>a</think>b</think>c",
        "",
        "<think>only thinking, cut off",
    ]


# the configuration -----------------------------------------------------------------------


def test_config_defaults_are_explicit_and_documented():
    c = RewardConfig()
    assert (c.kind, c.correctness, c.correctness_weight, c.think_mode, c.fix_quirks) == (
        "hard",
        "none",
        1.0,
        "strict",
        False,
    )
    assert rewards.DEFAULT_CONFIG == c and c.name == "mathif_hard" and c.max_score == 1.0 and not c.grades
    assert RewardConfig(kind="soft", correctness="multiply").name == "mathif_soft_x_correct"
    add = RewardConfig(correctness="add", correctness_weight=2)
    assert add.name == "mathif_hard_plus_correct" and add.max_score == 3.0 and add.correctness_weight == 2.0
    assert isinstance(add.correctness_weight, float)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "medium"}, "kind must be one of hard, soft"),
        ({"correctness": "sometimes"}, "correctness must be one of none, log, multiply, add"),
        ({"correctness": "add", "correctness_weight": 0}, "correctness_weight must be a finite number > 0"),
        ({"correctness": "add", "correctness_weight": math.nan}, "finite number"),
        ({"correctness": "add", "correctness_weight": True}, "finite number"),
        ({"correctness": "add", "correctness_weight": "1"}, "finite number"),
        ({"correctness_weight": 0.5}, "applies to correctness='add' only"),
        ({"think_mode": "first"}, "think_mode must be one of mathif, last, strict"),
        ({"fix_quirks": "yes"}, "fix_quirks must be true or false"),
    ],
)
def test_bad_configuration_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RewardConfig(**kwargs)


# the reward agrees with mathif.score --------------------------------------------------------


@pytest.mark.parametrize("think_mode", ["mathif", "last", "strict"])
@pytest.mark.parametrize("fix_quirks", [False, True])
def test_reward_parts_are_the_verdicts_of_mathif_score(bench, think_mode, fix_quirks):
    config = RewardConfig(correctness="log", think_mode=think_mode, fix_quirks=fix_quirks)
    seen_hard = seen_correct = 0
    for b in bench:
        gt = mathif.ground_truth_text(b)
        for response in responses_for(b):
            v = mathif.score(b, response, think_mode=think_mode, fix_quirks=fix_quirks)
            r = mathif.reward(response, gt, config)
            # a gold that cannot be graded (correct None) rewards no correctness
            assert (r.hard, r.soft, r.correct) == (float(v.hard), v.soft, float(bool(v.correct))), response
            assert r.score == r.hard
            seen_hard += v.hard
            seen_correct += bool(v.correct)
    assert seen_hard and seen_correct  # the responses exercise both sides


def test_each_correctness_mode_combines_the_parts(bench):
    b = bench["gsm8k_double.jsonl:1"]
    gt = mathif.ground_truth_text(b)
    for response in responses_for(b):
        v = mathif.score(b, response, think_mode="strict")
        hard, soft, correct = float(v.hard), v.soft, float(v.correct)

        def score(response: str = response, **kw: object) -> float:
            return mathif.reward(response, gt, RewardConfig(**kw)).score  # type: ignore[arg-type]

        assert score() == hard and score(kind="soft") == soft
        assert mathif.reward(response, gt).correct is None  # not graded
        assert score(correctness="log") == hard
        assert score(correctness="multiply") == hard * correct
        assert score(kind="soft", correctness="multiply") == soft * correct
        assert score(correctness="add") == hard + correct
        assert score(kind="soft", correctness="add", correctness_weight=0.5) == soft + 0.5 * correct


def test_strict_gives_nothing_without_the_end_of_thinking(bench):
    """The RL default: a response that never closes </think> earns nothing, even when its
    text would follow every constraint (MathIF's harness scores the whole text then)."""
    for b in bench:
        witness = joint_witness(b.item.constraints, seed=1)
        if witness is None or not mathif.score(b, witness, think_mode="mathif").hard:
            continue
        gt = mathif.ground_truth_text(b)
        assert mathif.reward(witness, gt, RewardConfig(think_mode="mathif")).score == 1.0
        assert mathif.reward(witness, gt).score == 0.0
        assert mathif.reward(f"<think>x</think>{witness}", gt).score == 1.0
        return
    pytest.fail("no item with a witness that follows")


# ground truth -------------------------------------------------------------------------------


def test_ground_truth_is_the_item_as_one_json_line(bench):
    b = bench.items[0]
    text = mathif.ground_truth_text(b)
    assert "\n" not in text and json.loads(text) == b.item.to_mathif()
    assert mathif.ground_truth_text(b.item) == mathif.ground_truth_text(b.to_dict()) == text
    assert parse_ground_truth(text).to_mathif() == b.item.to_mathif()


def test_ground_truth_keeps_scopes(bench):
    row = bench["gsm8k_double.jsonl:1"].item.to_mathif() | {"constraint_scope": ["reasoning", "both"]}
    text = mathif.ground_truth_text(row)
    assert json.loads(text)["constraint_scope"] == ["reasoning", "both"]
    item = parse_ground_truth(text)
    assert item.scopes == ("reasoning", "both")
    response = "<think>thinking, with a comma</think>answer"
    v = mathif.score(row, response, think_mode="strict")
    assert [c.scope for c in v.follow] == ["reasoning", "both"]
    assert mathif.reward(response, text).soft == v.soft


def test_ground_truth_in_other_shapes(bench):
    b = bench.items[0]
    response = f"<think>x</think>\\boxed{{{b.answer}}}"
    expected = mathif.reward(response, mathif.ground_truth_text(b))
    published = b.item.to_mathif() | {
        "constraint_args": [json.dumps(a) for a in b.item.to_mathif()["constraint_args"]]
    }
    assert mathif.reward(response, published) == expected  # a struct read back from parquet
    assert mathif.reward(response, b.item) == expected
    assert mathif.reward(response, np.str_(mathif.ground_truth_text(b))) == expected  # verl's numpy arrays
    assert mathif.reward(response, mathif.ground_truth_text(b).encode()) == expected


def test_ground_truth_is_validated_once_per_text(bench):
    text = mathif.ground_truth_text(bench.items[3])
    rewards._item_of_text.cache_clear()
    first = parse_ground_truth(text)
    for _ in range(5):
        assert parse_ground_truth(text) is first
    info = rewards._item_of_text.cache_info()
    assert (info.misses, info.hits) == (1, 5)


@pytest.mark.parametrize(
    ("ground_truth", "message"),
    [
        ("42", "is a JSON int, expected an object with MathIF's fields"),
        ("\\boxed{42}", "is not JSON text: malformed JSON"),
        ('{"answer": "42"}', "is not a valid item: missing field"),
        ("[1, 2]", "is a JSON list"),
        ('{"a": NaN}', "malformed JSON"),
        ("[" * 100 + "]" * 100, "nested more than"),
        (None, "got NoneType"),
        (42, "got int"),
        (b"\xff", "not UTF-8"),
    ],
)
def test_bad_ground_truth_fails_loudly(ground_truth, message):
    with pytest.raises(GroundTruthError, match=message):
        compute_score("mathif/x/y", "<think>x</think>y", ground_truth)


def test_ground_truth_with_a_bad_constraint_names_it(bench):
    row = bench.items[0].item.to_mathif()
    row["constraint_name"] = ["acme:rhyme", *row["constraint_name"][1:]]
    with pytest.raises(GroundTruthError, match="constraint 1: unknown constraint id 'acme:rhyme'"):
        mathif.reward("x", json.dumps(row))
    row = bench["gsm8k_single.jsonl:1"].item.to_mathif()
    row["constraint_args"] = [{"num_words": -3, "relation": "at least"}]
    row["constraint_desc"] = ["Answer with at least -3 words."]
    row["constraint_name"] = ["length_constraint_checkers:number_words"]
    with pytest.raises(GroundTruthError, match="num_words"):
        mathif.reward("x", json.dumps(row))


# total on model text ----------------------------------------------------------------------


HOSTILE = [
    "",
    " ",
    "</think>" * 50_000,
    "<think>" * 50_000,
    "\\boxed{" * 20_000,
    "{" * 100_000 + "</think>" + "}" * 100_000,
    "<think>\ud800</think>\ud800\x00",
    "</think>" + "-" * 200_000 + "\n* " * 100_000,
    "<answer></answer></think><answer>",
    "İ" * 200_000,
]


@pytest.mark.parametrize("think_mode", ["mathif", "strict"])
def test_every_reward_is_total_and_fast_on_hostile_text(bench, think_mode):
    configs = [
        RewardConfig(think_mode=think_mode),
        RewardConfig(kind="soft", correctness="add", think_mode=think_mode, fix_quirks=True),
    ]
    gts = [mathif.ground_truth_text(b) for b in bench.items[:6]]
    t0 = time.perf_counter()
    for text in HOSTILE:
        for gt in gts:
            for c in configs:
                r = mathif.reward(text, gt, c)
                assert 0.0 <= r.score <= c.max_score and 0.0 <= r.soft <= 1.0
    assert time.perf_counter() - t0 < 120


def test_a_response_that_is_no_string_is_a_type_error(bench):
    with pytest.raises(TypeError, match="response must be a string"):
        mathif.reward(None, mathif.ground_truth_text(bench.items[0]))  # type: ignore[arg-type]


# verl ---------------------------------------------------------------------------------------


def verl_load(path: Path, name: str):
    """verl 0.9.1 ``load_extern_object(module_path, object_name)``: ``load_module`` runs the
    file under a name of its own (``custom_module_<hash>``) without putting it in
    ``sys.modules``, then ``getattr``."""
    spec = importlib.util.spec_from_file_location(f"custom_module_{hash(str(path.resolve()))}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert spec.name not in sys.modules
    return getattr(module, name)


def verl_call(fn, reward_kwargs: dict, data_source, solution_str, ground_truth, extra_info):
    """How verl calls it: ``get_custom_reward_fn`` wraps it as ``partial(_call_with_kwargs,
    raw_fn, reward_kwargs)`` (the config's ``reward_kwargs`` win), and NaiveRewardManager
    calls that with keywords only, ``extra_info`` holding ``num_turns`` and
    ``rollout_reward_scores``."""
    extra_info = dict(extra_info or {})
    extra_info["num_turns"] = None
    extra_info["rollout_reward_scores"] = {}
    kwargs = {
        "data_source": data_source,
        "solution_str": solution_str,
        "ground_truth": ground_truth,
        "extra_info": extra_info,
    }
    return fn(**{**kwargs, **reward_kwargs})


def test_compute_score_has_verls_signature():
    params = list(inspect.signature(compute_score).parameters.values())
    assert [p.name for p in params[:4]] == ["data_source", "solution_str", "ground_truth", "extra_info"]
    assert params[3].default is None and params[4].kind is inspect.Parameter.VAR_KEYWORD
    assert not inspect.iscoroutinefunction(compute_score)  # verl runs it in an executor
    configured = mathif.make_verl_reward(RewardConfig(kind="soft"))
    assert list(inspect.signature(configured).parameters) == list(inspect.signature(compute_score).parameters)
    assert configured.__name__ == "compute_score"


def test_compute_score_loaded_and_called_as_verl_does(bench):
    fn = verl_load(REWARDS_FILE, "compute_score")
    keys = set()
    for b in bench.items[:6]:
        gt = mathif.ground_truth_text(b)
        for response in responses_for(b):
            result = verl_call(fn, {}, f"mathif/v/{b.split}", response, gt, {"key": b.key, "index": 0})
            v = mathif.score(b, response, think_mode="strict")
            assert isinstance(result, dict) and type(result["score"]) is float
            assert result == {
                "score": float(v.hard),
                "acc": float(v.hard),
                "hard": float(v.hard),
                "soft": v.soft,
            }
            assert all(type(x) is float for x in result.values())
            keys.add(tuple(result))
            assert compute_score(f"mathif/v/{b.split}", response, gt) == result  # positional
            assert compute_score(f"mathif/v/{b.split}", response, gt, None) == result
    assert len(keys) == 1  # verl stacks reward_extra_info per key: the same keys every time


def test_verl_reward_kwargs_configure_compute_score(bench):
    fn = verl_load(REWARDS_FILE, "compute_score")
    b = bench["gsm8k_single.jsonl:1"]
    gt = mathif.ground_truth_text(b)
    response = f"<think>x</think>the answer is \\boxed{{{b.answer}}}"
    reward_kwargs = {"kind": "soft", "correctness": "add", "correctness_weight": 2, "think_mode": "mathif"}
    result = verl_call(fn, reward_kwargs, "mathif/v/s", response, gt, None)
    v = mathif.score(b, response)
    assert result == {
        "score": v.soft + 2.0,
        "acc": float(v.hard),
        "hard": float(v.hard),
        "soft": v.soft,
        "correct": 1.0,
    }
    # verl's own keywords (a reward router) are ignored; a bad setting is refused
    extra = {"reward_router_address": "127.0.0.1:1", "reward_model_tokenizer": None}
    assert verl_call(fn, {**reward_kwargs, **extra}, "d", response, gt, None) == result
    with pytest.raises(ValueError, match="kind must be one of"):
        verl_call(fn, {"kind": "medium"}, "d", response, gt, None)
    assert make_verl_result(b, response) == verl_call(fn, {"correctness": "log"}, "d", response, gt, None)


def make_verl_result(b: mathif.BenchItem, response: str) -> dict:
    fn = mathif.make_verl_reward(RewardConfig(correctness="log"))
    return fn(data_source="d", solution_str=response, ground_truth=mathif.ground_truth_text(b), extra_info={})


def test_verl_stacks_and_logs_the_parts(bench):
    """verl's reward loop turns each key of the results into ``np.array([info[key] ...])``
    and its validation metrics take means of numeric values (``acc`` is the core one)."""
    config = RewardConfig(kind="soft", correctness="multiply")
    fn = mathif.make_verl_reward(config)
    results = [fn("d", r, mathif.ground_truth_text(b), {}) for b in bench.items[:4] for r in responses_for(b)]
    keys = list(results[0])
    assert keys == ["score", "acc", "hard", "soft", "correct"]
    stacked = {k: np.array([info[k] for info in results]) for k in keys}
    assert all(a.dtype == np.float64 for a in stacked.values())
    assert (stacked["score"] == stacked["soft"] * stacked["correct"]).all()


# TRL completions -------------------------------------------------------------------------


def test_completion_text_of_each_trl_format():
    assert completion_text("<think>r</think>a") == "<think>r</think>a"
    assert completion_text([{"role": "assistant", "content": "a"}]) == "a"
    assert completion_text({"role": "assistant", "content": "a"}) == "a"
    assert (
        completion_text(
            [{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]
        )
        == "ab"
    )
    for key in ("reasoning_content", "reasoning", "thinking"):
        assert completion_text([{"role": "assistant", "content": "a", key: "r"}]) == "<think>r</think>a"
    tool_turns = [
        {"role": "assistant", "content": "call"},
        {"role": "tool", "content": "42"},
        {"role": "assistant", "content": "final"},
    ]
    assert completion_text(tool_turns) == "final"
    assert completion_text([{"role": "tool", "content": "42"}]) == ""
    assert completion_text([{"role": "assistant", "content": None}]) == ""
    with pytest.raises(TypeError):
        completion_text(42)


def test_trl_reward_is_picklable_and_named():
    fn = mathif.trl_reward(RewardConfig(kind="soft"), column="gt")
    again = pickle.loads(pickle.dumps(fn))
    assert again.__name__ == fn.__name__ == "mathif_soft" and again.column == "gt"
    assert mathif.trl_reward(name="ifeval").__name__ == "ifeval"


# OpenRLHF -----------------------------------------------------------------------------------


def openrlhf_load(path: Path):
    """OpenRLHF 0.11.2 ``SingleTurnAgentExecutor``: ``spec_from_file_location("reward_func",
    path)``, ``exec_module``, then ``module.reward_func``."""
    spec = importlib.util.spec_from_file_location("reward_func", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reward_func


def openrlhf_fetch(fn, query: str, prompt: str, label):
    """``_fetch_rewards_via_func([query], [prompt], [label])`` (batches of one, in a thread),
    then what ``execute`` and ``_process_response_into_experience`` make of the dict."""
    import torch

    async def fetch():
        return await asyncio.gather(asyncio.to_thread(fn, [query], [prompt], [label]))

    (info,) = asyncio.run(fetch())
    score = info.get("scores")
    if score is None:
        score = info.get("rewards")
    reward_val, extra_logs = info.get("rewards"), info.get("extra_logs") or {}
    experience_info = {"reward": torch.tensor([reward_val]), "score": torch.tensor([score])}
    for key, value in extra_logs.items():
        if isinstance(value, torch.Tensor):
            value = value.flatten()[0].item()
        experience_info[key] = torch.tensor([value])
    return info, experience_info


def test_reward_func_has_openrlhfs_signature():
    params = list(inspect.signature(reward_func).parameters)
    assert params[:3] == ["queries", "prompts", "labels"]
    assert list(inspect.signature(mathif.openrlhf_reward()).parameters)[:3] == params[:3]


def test_reward_func_loaded_and_called_as_openrlhf_does(bench):
    import torch

    fn = openrlhf_load(REWARDS_FILE)
    template = "<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n"
    for b in bench.items[:6]:
        prompt = template.format(b.prompt)
        for response in responses_for(b):
            query = prompt + response + "<|im_end|>"
            info, exp = openrlhf_fetch(fn, query, prompt, mathif.ground_truth_text(b))
            v = mathif.score(b, response, think_mode="strict")
            assert set(info) == {"rewards", "scores", "extra_logs"}
            assert isinstance(info["rewards"], torch.Tensor) and info["rewards"].shape == (1,)
            assert info["rewards"].dtype == torch.float32
            assert exp["reward"].shape == (1,) and exp["reward"].item() == float(v.hard)
            assert exp["score"].item() == float(v.hard)
            assert set(info["extra_logs"]) == {"mathif_hard", "mathif_soft"}
            assert exp["mathif_soft"].item() == pytest.approx(v.soft)


def test_openrlhf_reward_configured_scores_in_unit_range(bench):
    b = bench["gsm8k_single.jsonl:1"]
    fn = mathif.openrlhf_reward(RewardConfig(kind="soft", correctness="add", correctness_weight=3))
    prompt = f"<s>{b.prompt}"
    response = f"<think>x</think>\\boxed{{{b.answer}}}"
    out = fn([prompt + response + "</s>"], [prompt], [mathif.ground_truth_text(b)])
    v = mathif.score(b, response)
    assert out["rewards"].item() == pytest.approx(v.soft + 3.0)
    assert out["scores"].item() == pytest.approx((v.soft + 3.0) / 4.0)
    assert out["extra_logs"]["mathif_correct"].item() == 1.0
    # several queries at once (the HTTP route batches them)
    many = fn([prompt + "x", prompt + response], [prompt, prompt], [mathif.ground_truth_text(b)] * 2)
    assert many["rewards"].shape == (2,)


def test_openrlhf_response_is_the_query_after_its_prompt():
    fn = mathif.openrlhf_reward()
    assert fn.response_of("PROMPT<think>r</think>a<|im_end|>", "PROMPT") == "<think>r</think>a"
    assert fn.response_of("PROMPTa<|im_end|><|endoftext|>", "PROMPT") == "a"
    assert fn.response_of("<bos>PROMPTa</s>", "PROMPT") == "a"  # a prefix added in decoding
    assert fn.response_of("PROMPTa <|im_end|>", "PROMPT") == "a "
    assert mathif.openrlhf_reward(eos_tokens=()).response_of("Pa</s>", "P") == "a</s>"
    with pytest.raises(ValueError, match="does not hold its prompt"):
        fn.response_of("something else", "PROMPT")
    with pytest.raises(ValueError, match="2 queries, 1 prompts and 1 labels"):
        fn(["a", "b"], ["a"], ["x"])
