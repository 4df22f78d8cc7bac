"""The inspect_ai task ``mathif/mathif``: a version's items, ``generate()``, and a scorer with
mathif's verdicts (README: "Harnesses and trainers", "inspect_ai")::

    inspect eval mathif/mathif -T version=build/1.0.0 --model vllm/Qwen/Qwen3-8B

The ``inspect_ai`` entry point (pyproject.toml) names this module; inspect imports it the first
time a ``mathif/...`` name is looked up.  It is the only module of mathif that imports inspect_ai,
and nothing of mathif imports it (``import mathif`` needs no inspect_ai).

The dataset is :func:`curation.integrations.load` of ``version`` (every dataset form), one
Sample per item: ``id`` the item key (``gsm8k_single.jsonl:3``), ``input`` the item's prompt (the
prompt without its constraints when ``constraints`` is false), ``target`` the gold answer,
``metadata`` the item row (:meth:`BenchItem.to_dict`).  The scorer gives one dict per sample,
``{"hacc": 1.0|0.0, "sacc": share followed, "correctness": 1.0|0.0}``, each with mean and
stderr, from :func:`curation.integrations.score` (the same code as ``mathif score``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from inspect_ai import Task, task
from inspect_ai._util.error import PrerequisiteError
from inspect_ai._util.registry import registry_name
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ContentReasoning, GenerateConfig, ModelOutput
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState, generate

import mathif as _mathif_package  # noqa: F401  (inspect must find it in sys.modules: _as_mathif)
from constraints.base import SCOPES
from curation.core import InputError, home_dir, version_tag
from curation.integrations import BenchItem, Verdict, as_item, load, score
from curation.scoring import THINK_MODES

DEFAULT_VERSION = "v1.0.0"
METRICS = ("hacc", "sacc", "correctness")

F = TypeVar("F", bound=Callable[..., Any])


def _as_mathif(register: Callable[..., Callable[[F], F]], **options: Any) -> Callable[[F], F]:
    """Register with ``register`` (inspect's ``task`` or ``scorer``) as ``mathif/<function name>``.

    inspect names a task ``<package>/<task>``, <package> being the top-level import package of
    the module that defines it when inspect sees that package installed (from a wheel, or
    editable when a distribution has its name), and finds ``mathif/...`` through the entry point
    named ``mathif``.  This module is in ``curation``, which is no distribution's name: its task
    would be ``curation/mathif`` from a wheel and a bare ``mathif`` from an editable install,
    neither of which ``inspect eval mathif/mathif`` finds.  So the function is put in the package
    ``mathif`` (the distribution's own, imported above so that inspect finds it), and given the
    whole name where inspect does not see that package installed (a ``mathif.egg-info`` in the
    current directory hides the editable install's metadata)."""

    def wrap(fn: F) -> F:
        fn.__module__ = "mathif"
        whole = f"mathif/{fn.__name__}"
        name = fn.__name__ if registry_name(fn, fn.__name__) == whole else whole
        return register(name=name, **options)(fn)

    return wrap


def dataset_spec(version: str) -> str:
    """What ``version`` names: an existing path as is; a version (``v1.0.0`` or ``1.0.0``) its
    build under the home (``mathif build v1.0.0`` writes ``<home>/build/1.0.0``); anything else
    (``ORG/NAME@v1.0.0``) as given to :func:`curation.integrations.load`."""
    if Path(version).exists():
        return version
    tag = version_tag(version)
    if tag is None:
        return version
    build = home_dir() / "build" / tag.removeprefix("v")
    if not (build / "manifest.json").is_file():
        raise InputError(
            None,
            None,
            f"version {version}: no build at {build} (run `mathif build {tag}`), "
            f"or pass -T version=PATH or -T version=ORG/NAME@{tag}",
        )
    return str(build)


def sample_of(item: BenchItem, constraints: bool = True) -> Sample:
    """The inspect Sample of one item."""
    return Sample(
        input=item.prompt if constraints else item.plain_prompt,
        target=item.answer,
        id=item.key,
        metadata=item.to_dict(),
    )


def response_text(output: ModelOutput) -> str:
    """The text scored for a model output: its completion, with the reasoning put back in front
    as ``<think>REASONING</think>`` when the provider gave it apart (inspect's reasoning blocks,
    ``ContentReasoning``; several are joined by newlines; a redacted one counts by its summary),
    unless the completion already holds a ``</think>``: what ``mathif eval``'s openai backend
    does with ``reasoning_content``, so MathIF's split applies identically."""
    text = output.completion
    if output.empty or isinstance(output.message.content, str):
        return text
    parts = [
        (c.summary or "") if c.redacted else c.reasoning
        for c in output.message.content
        if isinstance(c, ContentReasoning)
    ]
    reasoning = "\n".join(p for p in parts if p)
    return f"<think>{reasoning}</think>{text}" if reasoning and "</think>" not in text else text


def _explain(verdict: Verdict, with_constraints: bool) -> str:
    lines = [
        f"{c.id} ({c.scope}): {'followed' if c.followed else 'not followed'}"
        + ("" if with_constraints else ", not asked")
        for c in verdict.follow
    ]
    lines.append(f"correct: {verdict.correct} (extracted {verdict.extracted!r})")
    return "\n".join(lines)


def _check(think_mode: str, scope: str | None) -> None:
    if think_mode not in THINK_MODES:
        raise ValueError(f"think_mode must be one of {', '.join(THINK_MODES)}, got {think_mode!r}")
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)} or None, got {scope!r}")


@_as_mathif(scorer, metrics={name: [mean(), stderr()] for name in METRICS})
def mathif_scorer(
    think_mode: str = "mathif",
    fix_quirks: bool = False,
    scope: str | None = None,
    constraints: bool = True,
) -> Scorer:
    """mathif's verdicts on ``response_text(state.output)`` against the item in the sample's
    metadata: ``hacc`` (every constraint followed), ``sacc`` (the share followed) and
    ``correctness`` (math-verify's grade).  ``constraints`` false (the prompt without them):
    ``hacc`` and ``sacc`` are NaN, which inspect counts as unscored, and only correctness counts."""
    _check(think_mode, scope)

    async def score_sample(state: TaskState, target: Target) -> Score:
        item = as_item(state.metadata)
        text = response_text(state.output)
        verdict = score(item, text, think_mode=think_mode, fix_quirks=fix_quirks, scope=scope)
        nan = math.nan
        value: dict[str, Any] = {
            "hacc": float(verdict.hard) if constraints else nan,
            "sacc": float(verdict.soft) if constraints else nan,
            "correctness": nan if verdict.correct is None else float(verdict.correct),
        }
        meta = verdict.to_dict()
        meta.pop("answer")
        meta |= {"key": state.metadata.get("key", state.sample_id), "scored_chars": len(text)}
        if text != state.output.completion:
            meta["reasoning_from_blocks"] = True
        return Score(
            value=value, answer=verdict.answer, explanation=_explain(verdict, constraints), metadata=meta
        )

    return score_sample


@_as_mathif(task)
def mathif(
    version: str = DEFAULT_VERSION,
    limit: int | None = None,
    think_mode: str = "mathif",
    fix_quirks: bool = False,
    scope: str | None = None,
    max_tokens: int = 16384,
    temperature: float = 1.0,
    top_p: float = 0.95,
    constraints: bool = True,
) -> Task:
    """MathIF on ``version`` (a build folder, ``ORG/NAME@v1.0.0``, a published tree, one file,
    MathIF's folder; a version name such as ``v1.0.0``, the default, is its build under mathif's
    home).  ``limit``: the first N items of each split (inspect's ``--limit`` counts samples
    overall).  ``think_mode``, ``fix_quirks``, ``scope``: as :func:`curation.integrations.score`.
    ``max_tokens``, ``temperature``, ``top_p``: MathIF's sampling defaults.  ``constraints``:
    false for the prompt without its constraints (correctness only).  A missing build or bad
    data raises inspect's PrerequisiteError (one line on its command line)."""
    _check(think_mode, scope)
    try:
        bench = load(dataset_spec(str(version)), limit=limit)
    except InputError as exc:  # inspect prints a PrerequisiteError as its message, no traceback
        raise PrerequisiteError(f"mathif: {exc}") from exc
    samples = [sample_of(item, constraints) for item in bench.items]
    return Task(
        dataset=MemoryDataset(samples, name=f"mathif:{bench.spec}", location=bench.spec),
        solver=generate(),
        scorer=mathif_scorer(think_mode, fix_quirks, scope, constraints),
        config=GenerateConfig(temperature=temperature, top_p=top_p, max_tokens=max_tokens),
        metadata={"mathif_dataset": bench.spec, "form": bench.form, "revision": bench.revision},
    )
