"""lighteval: a version (any dataset form) as a custom-task file for
``lighteval ... "mathif_<version>|0" --custom-tasks DIR/mathif_<version>.py``.

Pure generators: a loaded version in, the files (relative path -> text) out, the same bytes
for the same version and options.  Written against lighteval 0.13's API:

- ``mathif_<version>.py``: the prompt function (a ``Doc`` whose query is the item's prompt
  with its constraints, the item's key and row kept in ``specific``), one
  ``SampleLevelMetricGrouping`` (hacc, sacc, correctness, each a mean with lighteval's
  standard error) whose sample function calls :func:`mathif.score` on the model's raw text
  (``ModelResponse.text``, before lighteval strips reasoning tags), and a
  ``LightevalTaskConfig`` per split, ``mathif_<version>:<split>`` (so ``mathif_<version>``
  runs every split), plus ``mathif_<version>_all`` (every item in one task: its means are
  over the items, as ``mathif score`` reports them; lighteval's own ``:_average`` of the
  splits is unweighted).  ``generation_size`` is MathIF's 16,384 new tokens and
  ``stop_sequence`` is empty;
- ``mathif_<version>_data_<digest>/``: the items, one JSONL file per split, and a
  ``README.md`` whose ``configs`` let ``datasets.load_dataset(folder, name=split)`` (what
  lighteval calls with ``hf_repo`` set to this folder) read them offline; the digest of the
  items in the name keeps ``datasets``' cache from serving another export's items.
"""

from __future__ import annotations

import json
from pathlib import Path

from curation.core import InputError, check_output_folder, sha256_text
from curation.integrations.lm_eval_export import (
    EXPORT_FORMAT,
    MATHIF_MAX_TOKENS,
    MATHIF_TEMPERATURE,
    MATHIF_TOP_P,
    METRICS,
    ExportVersion,
    HarnessExport,
    check_options,
    data_text,
    header,
    load_version,
    slug,
    write_export,
)

ALL = "all"  # the config and task suffix of every item together


def module_name(version: ExportVersion) -> str:
    """The custom-task file's name without ``.py`` (``mathif_1_0_0``), also the task prefix."""
    return f"mathif_{version.slug}"


def data_folder(version: ExportVersion, data: dict[str, str]) -> str:
    """The data folder's name: ``mathif_1_0_0_data_`` and 12 hex digits of the data's sha256.
    ``datasets`` caches a local folder by its name and config, not by what the files hold
    (datasets 5.2), so a folder of the same name with other items would be read from that
    cache: a name that changes with the items never is."""
    digest = sha256_text("".join(f"{name}\n{text}\n" for name, text in sorted(data.items())))
    return f"{module_name(version)}_data_{digest[:12]}"


def lighteval_task_names(version: ExportVersion) -> list[str]:
    """Every task the file defines: one per split, then the one of all items."""
    base = module_name(version)
    return [f"{base}:{slug(s)}" for s in version.splits] + [f"{base}_{ALL}"]


def lighteval_files(
    version: ExportVersion, think_mode: str = "mathif", max_tokens: int = MATHIF_MAX_TOKENS
) -> dict[str, str]:
    """The custom-task file and its data folder (relative path -> text) for ``version``."""
    check_options(think_mode, max_tokens)
    if ALL in version.splits:
        raise InputError(None, None, f"a split named {ALL!r} clashes with the config of every item")
    data = {f"{split}.jsonl": data_text(items) for split, items in version.splits.items()}
    folder = data_folder(version, data)
    files = {f"{folder}/{name}": text for name, text in data.items()}
    files[f"{folder}/README.md"] = _data_card(version)
    files[f"{module_name(version)}.py"] = _task_file(version, think_mode, max_tokens, folder)
    return dict(sorted(files.items()))


def _data_card(version: ExportVersion) -> str:
    def config(name: str, paths: list[str]) -> str:
        listed = "".join(f"      - {json.dumps(p)}\n" for p in paths)
        return (
            f"  - config_name: {json.dumps(name)}\n    data_files:\n    - split: test\n      path:\n{listed}"
        )

    configs = "".join(config(s, [f"{s}.jsonl"]) for s in version.splits)
    configs += config(ALL, [f"{s}.jsonl" for s in version.splits])
    return f"""---
configs:
{configs}---

<!-- {header("lighteval", version, "").strip().replace(chr(10), " ")} -->
# mathif {version.name}: the items of the lighteval tasks

One JSONL file per split (`key`, `id`, `prompt`, `answer`, and `item`: the item's row as
JSON text); the configs above let `datasets.load_dataset(THIS_FOLDER, name=SPLIT)` read a
split, and `name="{ALL}"` every item.  Read by `../{module_name(version)}.py`.
"""


def _task_file(version: ExportVersion, think_mode: str, max_tokens: int, folder: str) -> str:
    base = module_name(version)
    splits = "".join(f"    ({json.dumps(slug(s))}, {json.dumps(s)}),\n" for s in version.splits)
    sampling = f"temperature:{MATHIF_TEMPERATURE!r},top_p:{MATHIF_TOP_P!r},max_new_tokens:{max_tokens}"
    return f'''{header("lighteval", version)}"""mathif {version.name} for lighteval (0.13): maths problems with constraints a program checks.

    pip install mathif lighteval[vllm]
    lighteval vllm "model_name=MODEL,max_model_length=20480,generation_parameters={{{sampling}}}" \\
        "{base}|0" --custom-tasks THIS_FILE

``{base}`` runs every split (``{base}:SPLIT`` one of them); ``{base}_{ALL}`` runs every item as
one task, whose hacc, sacc and correctness are means over the items as ``mathif score``
reports them (lighteval's ``{base}:_average`` is an unweighted mean of the splits).
Sampling comes from the model's ``generation_parameters``: MathIF's is temperature
{MATHIF_TEMPERATURE!r}, top-p {MATHIF_TOP_P!r} and {max_tokens:,} new tokens (the tasks' generation_size,
used when max_new_tokens is not given).  Every response is scored by mathif's own scorer
(``mathif.score``, think mode {think_mode!r}) on the model's raw text, before lighteval removes
reasoning tags; install mathif where lighteval runs.  The items are read offline from
``{folder}/`` beside this file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import mathif
from lighteval.metrics.metrics_sample import SampleLevelComputation
from lighteval.metrics.utils.metric_utils import SampleLevelMetricGrouping
from lighteval.models.model_output import ModelResponse
from lighteval.tasks.lighteval_task import LightevalTaskConfig
from lighteval.tasks.requests import Doc, SamplingMethod

THINK_MODE = {think_mode!r}
GENERATION_SIZE = {max_tokens}
DATA = str(Path(__file__).resolve().parent / {json.dumps(folder)})
METRICS = {METRICS!r}
# (task suffix, config of the data folder)
SPLITS = (
{splits})


def mathif_prompt(line: dict[str, Any], task_name: str = "") -> Doc:
    """The item's prompt (with its constraints) as the query; its key and row in specific."""
    return Doc(
        task_name=task_name,
        query=line["prompt"],
        choices=[line["answer"]],
        gold_index=0,
        specific={{"key": line["key"], "item": line["item"]}},
    )


class MathifScore(SampleLevelComputation):
    """mathif's verdict on the raw response: hacc (every constraint followed), sacc (the share
    followed), correctness (math-verify's grade of the answer)."""

    def compute(self, doc: Doc, model_response: ModelResponse, **kwargs: Any) -> dict[str, float]:
        verdict = mathif.score(json.loads(doc.specific["item"]), model_response.text[0], think_mode=THINK_MODE)
        return {{
            "hacc": float(verdict.hard),
            "sacc": float(verdict.soft),
            "correctness": float(bool(verdict.correct)),
        }}


mathif_metrics = SampleLevelMetricGrouping(
    metric_name=list(METRICS),
    higher_is_better=dict.fromkeys(METRICS, True),
    category=SamplingMethod.GENERATIVE,
    sample_level_fn=MathifScore(),
    corpus_level_fn=dict.fromkeys(METRICS, np.mean),
)


def mathif_task(name: str, config: str) -> LightevalTaskConfig:
    return LightevalTaskConfig(
        name=name,
        prompt_function=mathif_prompt,
        hf_repo=DATA,
        hf_subset=config,
        metrics=[mathif_metrics],
        hf_avail_splits=["test"],
        evaluation_splits=["test"],
        few_shots_split=None,
        few_shots_select=None,
        generation_size=GENERATION_SIZE,
        stop_sequence=[],
        version={EXPORT_FORMAT},
    )


TASKS_TABLE = [mathif_task(f"{base}:{{suffix}}", config) for suffix, config in SPLITS]
TASKS_TABLE.append(mathif_task("{base}_{ALL}", "{ALL}"))
'''


def export_lighteval(
    spec: str | Path,
    out: str | Path,
    name: str | None = None,
    think_mode: str = "mathif",
    max_tokens: int = MATHIF_MAX_TOKENS,
    limit: int | None = None,
) -> HarnessExport:
    """Write the lighteval custom-task file of the version ``spec`` names, and its data
    folder, into ``out`` (see :func:`lighteval_files`); every option is checked first."""
    check_options(think_mode, max_tokens)
    check_output_folder(out)
    version = load_version(spec, name, limit)
    files = write_export(lighteval_files(version, think_mode, max_tokens), out)
    tasks = (module_name(version), *lighteval_task_names(version))
    return HarnessExport(Path(out), version.name, version.items, tasks, tuple(files))
