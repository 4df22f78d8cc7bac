"""RL rewards: mathif's verdicts as the reward functions of verl, TRL and OpenRLHF.

One configuration (:class:`RewardConfig`) says what the reward is, and one function
(:func:`reward`) computes it from a response and the item's ground truth; each trainer gets
an adapter with its exact contract:

- verl: :func:`compute_score` ``(data_source, solution_str, ground_truth, extra_info=None,
  **kwargs) -> dict`` at module level (verl loads it by file path and name:
  ``reward.custom_reward_function.path=<this file>`` and ``.name=compute_score``; the
  configuration comes from ``reward_kwargs``), or :func:`make_verl_reward` for a configured
  callable;
- TRL: :func:`trl_reward` ``(config) -> fn(prompts, completions, **columns) -> list[float |
  None]`` (GRPOTrainer's reward function; the item comes from a dataset column);
- OpenRLHF: :func:`reward_func` ``(queries, prompts, labels) -> {"rewards", "scores",
  "extra_logs"}`` at module level (``--reward.remote_url <this file>``), or
  :func:`openrlhf_reward` for a configured one.

The ground truth is the item as JSON text (:func:`ground_truth_text`: MathIF's seven fields,
and ``constraint_scope`` when the item has scopes), which ``mathif export verl`` writes as
``reward_model.ground_truth``.  It is parsed and validated once per distinct text (an LRU
cache), and bad ground truth raises :class:`GroundTruthError` naming the problem: a trainer
fed the wrong column fails loudly instead of training on a reward of 0.  Every reward is
total on model text (any string scores; nothing of it is evaluated: grading is mathif's
math-verify grader) and linear in its length.

No ``from __future__ import annotations`` here: verl and OpenRLHF load this file with
``importlib.util.spec_from_file_location`` without registering it in ``sys.modules``, and
``dataclasses`` looks string annotations up in ``sys.modules[cls.__module__]`` (a crash on
Python 3.11 when the module is not there).
"""

import functools
import importlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from curation.core import InputError, Item, parse_json
from curation.integrations.api import ItemLike, as_item
from curation.scoring import THINK_MODES, score_output

__all__ = [
    "CORRECTNESS_MODES",
    "DEFAULT_CONFIG",
    "DEFAULT_EOS_TOKENS",
    "GroundTruthError",
    "KINDS",
    "OpenRlhfReward",
    "RewardConfig",
    "RewardResult",
    "TrlReward",
    "VerlReward",
    "compute_score",
    "completion_text",
    "config_from_kwargs",
    "ground_truth_text",
    "make_verl_reward",
    "openrlhf_reward",
    "parse_ground_truth",
    "reward",
    "reward_file",
    "reward_func",
    "trl_reward",
]

KINDS = ("hard", "soft")
"""``hard``: 1 when every constraint is followed, else 0 (MathIF's HAcc per sample);
``soft``: the share of constraints followed (SAcc)."""

CORRECTNESS_MODES = ("none", "log", "multiply", "add")
"""How the answer's correctness (math-verify against the gold answer) enters the reward:
``none`` not graded; ``log`` graded and reported, not in the reward; ``multiply`` IF x
correct; ``add`` IF + weight x correct."""


@dataclass(frozen=True)
class RewardConfig:
    """What the reward is.  Every field is explicit, with these defaults:

    - ``kind="hard"``: the instruction-following part (IF) is 1.0 when every constraint is
      followed, else 0.0; ``"soft"``: the share followed (a denser signal).
    - ``correctness="none"``: reward = IF, nothing graded (the fastest);
      ``"log"``: reward = IF, correctness graded and reported beside it;
      ``"multiply"``: reward = IF x correct (1 only for a correct answer that follows);
      ``"add"``: reward = IF + ``correctness_weight`` x correct.
    - ``correctness_weight=1.0``: the weight of ``add`` (any other mode refuses a weight
      other than 1.0, so a weight is never silently ignored).
    - ``think_mode="strict"``: the policy for a response without ``</think>``: its answer is
      empty and follows no constraint (reward 0 unless only reasoning-scoped constraints
      hold), and the answer is the text after the last ``</think>``.  This is the safe
      choice for RL: a policy cannot skip the end of its thinking, or pad the answer with
      reasoning, and be scored on the whole text.  ``"mathif"`` is MathIF's harness (the
      text after the first ``</think>``; without one, the whole text is the answer), the
      benchmark's own rule for evaluation; ``"last"`` splits at the last ``</think>`` and
      scores the whole text without one.
    - ``fix_quirks=False``: MathIF's checker verdicts, quirks kept (the benchmark's rule);
      ``True`` uses the documented fixes (literal keywords, real markdown bullets, text in
      no detectable language does not follow a language constraint), which close loopholes
      a policy could learn.
    """

    kind: str = "hard"
    correctness: str = "none"
    correctness_weight: float = 1.0
    think_mode: str = "strict"
    fix_quirks: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.correctness not in CORRECTNESS_MODES:
            raise ValueError(
                f"correctness must be one of {', '.join(CORRECTNESS_MODES)}, got {self.correctness!r}"
            )
        w = self.correctness_weight
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w <= 0:
            raise ValueError(f"correctness_weight must be a finite number > 0, got {w!r}")
        object.__setattr__(self, "correctness_weight", float(w))
        if self.correctness != "add" and w != 1.0:
            raise ValueError(
                f"correctness_weight applies to correctness='add' only, got {w!r} with {self.correctness!r}"
            )
        if self.think_mode not in THINK_MODES:
            raise ValueError(f"think_mode must be one of {', '.join(THINK_MODES)}, got {self.think_mode!r}")
        if not isinstance(self.fix_quirks, bool):
            raise ValueError(f"fix_quirks must be true or false, got {self.fix_quirks!r}")

    @property
    def grades(self) -> bool:
        """Whether the answer is graded (every mode but ``none``)."""
        return self.correctness != "none"

    @property
    def max_score(self) -> float:
        """The highest reward: 1.0, or 1 + weight for ``add``."""
        return 1.0 + self.correctness_weight if self.correctness == "add" else 1.0

    @property
    def name(self) -> str:
        """A name for logs: ``mathif_hard``, ``mathif_soft_x_correct``, ``mathif_hard_plus_correct``."""
        tail = {"multiply": "_x_correct", "add": "_plus_correct"}.get(self.correctness, "")
        return f"mathif_{self.kind}{tail}"


DEFAULT_CONFIG = RewardConfig()


def reward_file() -> str:
    """The absolute path of this file: what verl's ``custom_reward_function.path`` and
    OpenRLHF's ``--reward.remote_url`` name."""
    return os.path.abspath(__file__)


@dataclass(frozen=True)
class RewardResult:
    """One response's reward and its parts."""

    score: float  # the reward (see RewardConfig)
    hard: float  # 1.0 every constraint followed, else 0.0
    soft: float  # the share of constraints followed
    correct: float | None  # 1.0 / 0.0 graded by math-verify; None: not graded (correctness="none")

    def to_dict(self) -> dict[str, float]:
        """verl's reward dict: ``score`` (the reward), ``acc`` (= ``hard``: verl shows ``acc``
        as the core validation metric, here MathIF's HAcc), ``hard``, ``soft``, and
        ``correct`` when graded.  Every value is a float, and the keys are the same for every
        response of one configuration (verl stacks them per key)."""
        out = {"score": self.score, "acc": self.hard, "hard": self.hard, "soft": self.soft}
        if self.correct is not None:
            out["correct"] = self.correct
        return out


class GroundTruthError(ValueError):
    """The ground truth is not an item: a setup error (the wrong column, a stale export),
    never the model's fault.  Raised, so the trainer stops instead of learning from 0s."""


# ground truth ---------------------------------------------------------------------------


def ground_truth_text(item: ItemLike) -> str:
    """The item as the reward's ground truth: one line of JSON (MathIF's seven fields, and
    ``constraint_scope`` when the item has one or checks a constraint outside the answer).
    Accepts what :func:`mathif.as_item` accepts; the same item gives the same text."""
    it = as_item(item)
    obj = it.to_mathif()
    if "constraint_scope" in it.extra or any(s != "answer" for s in it.scopes):
        obj["constraint_scope"] = list(it.scopes)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _snippet(text: str) -> str:
    return repr(text[:60] + ("..." if len(text) > 60 else ""))


@functools.lru_cache(maxsize=8192)
def _item_of_text(text: str) -> Item:
    try:
        obj = parse_json(text)
    except InputError as exc:
        raise GroundTruthError(f"ground truth {_snippet(text)} is not JSON text: {exc.problem}") from None
    if not isinstance(obj, Mapping):
        raise GroundTruthError(
            f"ground truth {_snippet(text)} is a JSON {type(obj).__name__}, expected an object with "
            "MathIF's fields (the reward_model.ground_truth `mathif export verl` writes, or "
            "mathif.ground_truth_text(item))"
        )
    return _item_of_mapping(obj, text)


def _item_of_mapping(obj: Mapping[str, Any], text: str | None = None) -> Item:
    try:
        return as_item(obj)
    except InputError as exc:
        what = f"ground truth {_snippet(text)}" if text is not None else "ground truth"
        raise GroundTruthError(f"{what} is not a valid item: {exc.problem}") from None


def parse_ground_truth(ground_truth: Any) -> Item:
    """The item of a ground truth: its JSON text (validated once per distinct text, then
    cached), or a mapping with MathIF's fields (as a parquet struct reads back), or an Item.
    Anything else raises :class:`GroundTruthError`."""
    if isinstance(ground_truth, str):
        return _item_of_text(str(ground_truth))  # str(): numpy's str_ hashes the same
    if isinstance(ground_truth, Item):
        return ground_truth
    if isinstance(ground_truth, Mapping):
        return _item_of_mapping(ground_truth)
    if isinstance(ground_truth, bytes):
        try:
            return _item_of_text(ground_truth.decode("utf-8"))
        except UnicodeDecodeError:
            raise GroundTruthError("ground truth bytes are not UTF-8 text") from None
    raise GroundTruthError(
        f"ground truth must be the item's JSON text (mathif.ground_truth_text(item)), got "
        f"{type(ground_truth).__name__}"
    )


# the reward -----------------------------------------------------------------------------


def reward(response: str, ground_truth: Any, config: RewardConfig = DEFAULT_CONFIG) -> RewardResult:
    """The reward of one response against one item's ground truth (see :class:`RewardConfig`).
    Total on ``response`` (any string); bad ground truth raises :class:`GroundTruthError`."""
    if not isinstance(response, str):
        raise TypeError(f"response must be a string, got {type(response).__name__}")
    item = parse_ground_truth(ground_truth)
    s = score_output(item, response, config.think_mode, config.fix_quirks, config.grades, None)
    hard = 1.0 if s.hard else 0.0
    soft = float(s.soft)
    part = hard if config.kind == "hard" else soft
    correct = (1.0 if s.correct else 0.0) if config.grades else None
    if config.correctness == "multiply":
        score = part * (correct or 0.0)
    elif config.correctness == "add":
        score = part + config.correctness_weight * (correct or 0.0)
    else:
        score = part
    return RewardResult(score, hard, soft, correct)


# verl ----------------------------------------------------------------------------------

_CONFIG_KEYS = frozenset(f.name for f in fields(RewardConfig))


@functools.lru_cache(maxsize=64)
def _config_of(items: tuple[tuple[str, Any], ...]) -> RewardConfig:
    return RewardConfig(**dict(items))


def config_from_kwargs(kwargs: Mapping[str, Any]) -> RewardConfig:
    """The configuration among a call's keyword arguments (verl merges
    ``custom_reward_function.reward_kwargs`` into every call); other keywords (verl's own,
    e.g. ``reward_router_address``) are ignored.  None of them: :data:`DEFAULT_CONFIG`."""
    chosen = tuple(sorted((k, v) for k, v in kwargs.items() if k in _CONFIG_KEYS))
    if not chosen:
        return DEFAULT_CONFIG
    try:
        return _config_of(chosen)
    except TypeError:  # an unhashable value: no cache, RewardConfig says what is wrong
        return RewardConfig(**dict(chosen))


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    **kwargs: Any,
) -> dict[str, float]:
    """verl's reward function (``custom_reward_function.name=compute_score``).

    ``solution_str`` is the decoded response, ``ground_truth`` the row's
    ``reward_model.ground_truth`` (the item's JSON text, as ``mathif export verl`` writes
    it); ``data_source`` and ``extra_info`` are not needed.  The configuration comes from
    ``kind``, ``correctness``, ``correctness_weight``, ``think_mode``, ``fix_quirks`` among
    the keyword arguments (verl passes ``custom_reward_function.reward_kwargs`` so); without
    them, :data:`DEFAULT_CONFIG`.  Returns ``{"score", "acc", "hard", "soft"[, "correct"]}``
    (see :meth:`RewardResult.to_dict`)."""
    return reward(solution_str, ground_truth, config_from_kwargs(kwargs)).to_dict()


class VerlReward:
    """A configured :func:`compute_score` (same signature; reward_kwargs are ignored)."""

    def __init__(self, config: RewardConfig = DEFAULT_CONFIG) -> None:
        self.config = config
        self.__name__ = "compute_score"

    def __call__(
        self,
        data_source: Any,
        solution_str: str,
        ground_truth: Any,
        extra_info: Any = None,
        **kwargs: Any,
    ) -> dict[str, float]:
        return reward(solution_str, ground_truth, self.config).to_dict()

    def __repr__(self) -> str:
        return f"VerlReward({self.config!r})"


def make_verl_reward(config: RewardConfig = DEFAULT_CONFIG) -> VerlReward:
    """verl's reward function with this configuration.  verl loads functions from a file,
    so put ``compute_score = make_verl_reward(RewardConfig(...))`` in a file of your own and
    point ``custom_reward_function.path`` at it (or use this module's :func:`compute_score`
    with ``reward_kwargs``)."""
    return VerlReward(config)


# TRL ----------------------------------------------------------------------------------

_REASONING_KEYS = ("reasoning_content", "reasoning", "thinking")


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):  # text parts: [{"type": "text", "text": ...}, ...]
        return "".join(
            p["text"] for p in content if isinstance(p, Mapping) and isinstance(p.get("text"), str)
        )
    return ""


def completion_text(completion: Any) -> str:
    """The response text of a TRL completion: a string as it is; a conversational one (a list
    of ``{"role", "content"}`` messages, or one message) gives its last assistant message's
    content (text parts joined), with reasoning returned apart (``reasoning_content``,
    ``reasoning`` or ``thinking``) put back in front as ``<think>...</think>``.  No assistant
    message: ``""`` (which follows no constraint)."""
    if isinstance(completion, str):
        return completion
    messages = [completion] if isinstance(completion, Mapping) else completion
    if not isinstance(messages, Sequence):
        raise TypeError(
            f"a completion must be a string or a list of messages, got {type(completion).__name__}"
        )
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role", "assistant") == "assistant":
            text = _content_text(message.get("content"))
            for key in _REASONING_KEYS:
                thought = message.get(key)
                if isinstance(thought, str) and thought:
                    return f"<think>{thought}</think>{text}"
            return text
    return ""


class TrlReward:
    """TRL GRPOTrainer's reward function: ``fn(prompts, completions, **kwargs)`` returning one
    float per completion, or None for a row whose ground truth is None ("not applicable":
    the row is no mathif item, TRL leaves it to the other reward functions).

    The ground truth comes from the dataset column ``column`` (TRL passes every column but
    the prompt as a keyword argument, one value per completion).  When TRL passes
    ``log_metric`` (TRL >= 1.0), the batch means of ``hard``, ``soft`` (and ``correct`` when
    graded) are logged as ``<name>/hard`` etc.  Picklable; ``__name__`` is what TRL logs the
    reward under (``rewards/<name>/mean``)."""

    def __init__(
        self, config: RewardConfig = DEFAULT_CONFIG, column: str = "ground_truth", name: str | None = None
    ) -> None:
        self.config = config
        self.column = column
        self.__name__ = name or config.name

    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        if self.column not in kwargs:
            raise KeyError(
                f"{self.__name__}: no dataset column {self.column!r} among the reward's keyword arguments "
                f"({', '.join(sorted(kwargs)) or 'none'}); give the dataset a {self.column!r} column holding "
                "mathif.ground_truth_text(item), or name yours with trl_reward(column=...)"
            )
        truths = kwargs[self.column]
        if len(truths) != len(completions):
            raise ValueError(
                f"{self.__name__}: {len(completions)} completions but {len(truths)} {self.column!r} values"
            )
        out: list[float | None] = []
        parts: list[RewardResult] = []
        for completion, truth in zip(completions, truths, strict=True):
            if truth is None:
                out.append(None)
                continue
            r = reward(completion_text(completion), truth, self.config)
            parts.append(r)
            out.append(r.score)
        log_metric = kwargs.get("log_metric")
        if parts and callable(log_metric):
            n = len(parts)
            log_metric(f"{self.__name__}/hard", sum(r.hard for r in parts) / n)
            log_metric(f"{self.__name__}/soft", sum(r.soft for r in parts) / n)
            if self.config.grades:
                log_metric(f"{self.__name__}/correct", sum(r.correct or 0.0 for r in parts) / n)
        return out

    def __repr__(self) -> str:
        return f"TrlReward({self.config!r}, column={self.column!r}, name={self.__name__!r})"


def trl_reward(
    config: RewardConfig = DEFAULT_CONFIG, column: str = "ground_truth", name: str | None = None
) -> TrlReward:
    """A reward function for ``trl.GRPOTrainer(reward_funcs=...)`` (see :class:`TrlReward`)::

        GRPOTrainer(model, reward_funcs=trl_reward(RewardConfig(kind="soft")), train_dataset=ds)

    where ``ds`` has ``prompt`` and ``ground_truth`` (``mathif.ground_truth_text(item)``)."""
    return TrlReward(config, column, name)


# OpenRLHF -----------------------------------------------------------------------------

DEFAULT_EOS_TOKENS = (
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|end_of_text|>",
    "<｜end▁of▁sentence｜>",
    "<end_of_turn>",
    "<|end|>",
    "<eos>",
    "</s>",
)
"""End-of-sequence marks cut from the end of an OpenRLHF query (it decodes the sequence with
``skip_special_tokens=False``, so the response ends in the model's end token)."""


def _strip_suffixes(text: str, suffixes: Sequence[str]) -> str:
    cut = True
    while cut:
        cut = False
        for s in suffixes:
            if s and text.endswith(s):
                text = text[: -len(s)]
                cut = True
    return text


class OpenRlhfReward:
    """OpenRLHF's ``reward_func(queries, prompts, labels)``: ``queries`` the decoded prompt +
    response (special tokens kept), ``prompts`` the prompts as given to the model (chat
    template applied), ``labels`` the ground truths (``--data.label_key``).  The response is
    the query after its prompt, with trailing ``eos_tokens`` cut; a query that does not hold
    its prompt raises ValueError (a setup error).  Returns OpenRLHF's dict: ``rewards`` (for
    the advantages), ``scores`` (the reward scaled into [0, 1], for dynamic filtering) and
    ``extra_logs`` (``mathif_hard``, ``mathif_soft``, ``mathif_correct`` when graded), each
    a float32 torch tensor of one value per query (plain lists where torch is missing)."""

    def __init__(self, config: RewardConfig = DEFAULT_CONFIG, eos_tokens: Sequence[str] = DEFAULT_EOS_TOKENS):
        self.config = config
        self.eos_tokens = tuple(eos_tokens)
        self.__name__ = "reward_func"

    def response_of(self, query: str, prompt: str) -> str:
        if query.startswith(prompt):
            rest = query[len(prompt) :]
        else:
            at = query.find(prompt) if prompt else -1
            if at < 0:
                raise ValueError(
                    f"reward_func: the query does not hold its prompt (prompt {_snippet(prompt)}, query "
                    f"{_snippet(query)}); OpenRLHF passes queries = prompt + response"
                )
            rest = query[at + len(prompt) :]
        return _strip_suffixes(rest, self.eos_tokens)

    def __call__(
        self, queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any
    ) -> dict[str, Any]:
        if not (len(queries) == len(prompts) == len(labels)):
            raise ValueError(
                f"reward_func: {len(queries)} queries, {len(prompts)} prompts and {len(labels)} labels"
            )
        results = [
            reward(self.response_of(q, p), label, self.config)
            for q, p, label in zip(queries, prompts, labels, strict=True)
        ]
        top = self.config.max_score
        logs = {
            "mathif_hard": [r.hard for r in results],
            "mathif_soft": [r.soft for r in results],
        }
        if self.config.grades:
            logs["mathif_correct"] = [r.correct or 0.0 for r in results]
        tensor = _tensor_maker()
        return {
            "rewards": tensor([r.score for r in results]),
            "scores": tensor([r.score / top for r in results]),
            "extra_logs": {k: tensor(v) for k, v in logs.items()},
        }

    def __repr__(self) -> str:
        return f"OpenRlhfReward({self.config!r})"


def _tensor_maker() -> Callable[[list[float]], Any]:
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        return list
    return lambda values: torch.tensor(values, dtype=torch.float32)


def openrlhf_reward(
    config: RewardConfig = DEFAULT_CONFIG, eos_tokens: Sequence[str] = DEFAULT_EOS_TOKENS
) -> OpenRlhfReward:
    """OpenRLHF's reward function with this configuration.  OpenRLHF loads ``reward_func``
    from a file: put ``reward_func = openrlhf_reward(RewardConfig(...))`` in a file of your
    own and pass its path to ``--reward.remote_url`` (or pass this module's path for the
    default configuration)."""
    return OpenRlhfReward(config, eos_tokens)


_DEFAULT_OPENRLHF = OpenRlhfReward()


def reward_func(
    queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any
) -> dict[str, Any]:
    """OpenRLHF's reward function (``--reward.remote_url <this file>``) with
    :data:`DEFAULT_CONFIG` (see :class:`OpenRlhfReward`)."""
    return _DEFAULT_OPENRLHF(queries, prompts, labels, **kwargs)
