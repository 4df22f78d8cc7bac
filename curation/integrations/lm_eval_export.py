"""lm-evaluation-harness: a version (any dataset form) as a task folder for
``lm_eval --include_path DIR --tasks mathif_<version>``.

Pure generators: a loaded version in, the folder's files (relative path -> text) out; the
same version and options give the same bytes on any machine.  The folder holds

- ``data/<split>.jsonl``: the items, one file per split (pinned and offline: lm-eval reads
  them through ``utils.load_split``, relative to the folder, never from the Hub).  A row is
  ``key`` (``gsm8k_single.jsonl:3``, the key of ``mathif eval`` and ``mathif score``),
  ``id``, ``prompt`` (with the constraints), ``answer`` and ``item`` (the item's row as JSON
  text, which :func:`mathif.as_item` reads);
- ``mathif_<version>_<split>.yaml``: one task per split (``generate_until``, MathIF's
  sampling, no stop strings, the metrics hacc, sacc and correctness, each a mean with its
  standard error);
- ``_mathif_<version>.yaml``: the group ``mathif_<version>``, every metric a mean over the
  splits weighted by their sizes (so per item, as ``mathif score`` reports it);
- ``utils.py``: the data reader, the prompt and ``process_results``, which scores each
  response with :func:`mathif.score` (the generated code imports ``mathif`` at run time and
  reimplements nothing);
- ``README.md``: how to run it.

The shared pieces (the version's name, the data rows, the header line, writing a folder) are
used by the lighteval export too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.core import (
    InputError,
    __version__,
    check_output_folder,
    dumps_line,
    home_dir,
    open_dataset,
    version_tag,
    write_atomic,
)
from curation.evaluation import eval_items
from curation.integrations.api import BenchItem
from curation.scoring import THINK_MODES

EXPORT_FORMAT = 1  # the task version the harnesses record; raised when the layout changes
METRICS = ("hacc", "sacc", "correctness")
# MathIF's sampling (its harness and `mathif eval`): reasoning models need the long budget
MATHIF_TEMPERATURE = 1.0
MATHIF_TOP_P = 0.95
MATHIF_MAX_TOKENS = 16384
MAX_TOKENS_RANGE = (1, 1_000_000)
TEMPERATURE_RANGE = (0.0, 10.0)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
_VERSION_TAG = re.compile(r"v?\d+(?:\.\d+)*(?:[.+-][A-Za-z0-9.]+)?")
_CARD_HEADING = re.compile(r"^# mathif (v?\d[A-Za-z0-9._+-]*):", re.MULTILINE)


@dataclass(frozen=True)
class ExportVersion:
    """A version ready to export: its name (``1.0.0``), the name in task names (``1_0_0``)
    and its items by split, in the dataset's split and line order."""

    name: str
    splits: Mapping[str, Sequence[BenchItem]]

    @property
    def slug(self) -> str:
        return slug(self.name)

    @property
    def items(self) -> int:
        return sum(len(v) for v in self.splits.values())


def slug(name: str) -> str:
    """A name as task names use it: lower case, every run of other characters than letters
    and digits one ``_`` (``1.0.0`` -> ``1_0_0``)."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def version_name(name: str) -> str:
    """A version's name as given (``--name``): ``v1.0.0`` and ``1.0.0`` are the same."""
    if not _NAME.fullmatch(name):
        raise InputError(
            None,
            None,
            f"--name: a version name is 1-64 letters, digits, '.', '_', '+' or '-' (starting with a "
            f"letter or digit), got {name!r}",
        )
    return name[1:] if re.fullmatch(r"v\d.*", name) else name


def dataset_spec(spec: str | Path) -> str:
    """What ``spec`` names: an existing path or a Hub id as given; a bare version (``v1.0.0``
    or ``1.0.0``) that is no path is its build under mathif's home (``mathif build v1.0.0``
    writes ``<home>/build/1.0.0``)."""
    text = str(spec)
    try:
        exists = Path(text).exists()
    except (OSError, ValueError):
        exists = False
    tag = None if exists else version_tag(text)
    if tag is None:
        return text
    build = home_dir() / "build" / tag.removeprefix("v")
    if not (build / "manifest.json").is_file():
        raise InputError(
            text,
            None,
            f"no such file or folder, and no build of {tag} at {build} (run `mathif build {tag}`, "
            f"or give a path or ORG/NAME@{tag})",
        )
    return str(build)


def load_version(
    spec: str | Path,
    name: str | None = None,
    limit: int | None = None,
    endpoint: str | None = None,
    cache_dir: str | Path | None = None,
) -> ExportVersion:
    """The version ``spec`` names, in any dataset form (see :func:`mathif.load`; a bare
    ``v1.0.0`` is its build under mathif's home), with its name: ``name`` if given, else the
    build manifest's version, the ``version`` field every item carries (built and published
    items do), the Hub revision if it is a version tag (``ORG/NAME@v1.0.0``), or the version
    the dataset card of a published tree names; a dataset that says none of these (MathIF's
    files) needs ``name``.  ``limit``: the first N items of each split."""
    if name is not None:
        name = version_name(name)
    if limit is not None and limit < 1:
        raise InputError(None, None, f"--limit: must be at least 1, got {limit}")
    dataset = open_dataset(dataset_spec(spec), endpoint=endpoint, cache_dir=cache_dir)
    entries = eval_items(dataset, limit)
    if name is None:
        name = _dataset_version(dataset, [e.item.extra.get("version") for e in entries])
    if name is None:
        raise InputError(
            str(spec),
            None,
            "cannot tell which version this is (no build manifest, no version field in the items, "
            "no Hub tag such as @v1.0.0, no dataset card naming it): give it a name with --name",
        )
    if not slug(name):
        raise InputError(None, None, f"--name: {name!r} has no letter or digit to name tasks by")
    splits: dict[str, list[BenchItem]] = {}
    for e in entries:
        b = BenchItem(e.key, e.item, e.prompt, e.plain_prompt)
        splits.setdefault(b.split, []).append(b)
    seen: dict[str, str] = {}
    for split in splits:
        if not slug(split):
            raise InputError(str(spec), None, f"split {split!r} has no letter or digit to name a task by")
        other = seen.setdefault(slug(split), split)
        if other != split:
            raise InputError(
                str(spec),
                None,
                f"splits {other!r} and {split!r} would get the same task name {slug(split)!r}",
            )
    return ExportVersion(name, splits)


def _dataset_version(dataset: Any, fields: list[Any]) -> str | None:
    """The version the dataset names (see :func:`load_version`), or None."""
    candidates: list[Any] = []
    if dataset.manifest is not None:
        candidates.append(dataset.manifest.version)
    if len(set(fields)) == 1:
        candidates.append(fields[0])
    if dataset.form == "hub" and "@" in dataset.spec:
        rev = dataset.spec.rsplit("@", 1)[1]
        if _VERSION_TAG.fullmatch(rev):
            candidates.append(rev)
    if dataset.form in ("hub", "published"):
        try:
            text = (Path(dataset.root) / "README.md").read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        m = _CARD_HEADING.search(text[:100_000])
        if m:
            candidates.append(m.group(1))
    for c in candidates:
        if isinstance(c, str) and _NAME.fullmatch(c) and slug(c):
            return version_name(c)
    return None


def data_row(b: BenchItem) -> dict[str, Any]:
    """One line of ``data/<split>.jsonl``: what the harness shows and logs, and the item's
    row as JSON text (a column of one type whatever the constraints' arguments are)."""
    row = b.item.to_mathif() | dict(b.item.extra)
    return {
        "key": b.key,
        "id": b.id,
        "prompt": b.prompt,
        "answer": b.answer,
        "item": json.dumps(row, ensure_ascii=False, allow_nan=False),
    }


def data_text(items: Sequence[BenchItem]) -> str:
    return "".join(dumps_line(data_row(b)) for b in items)


def header(target: str, version: ExportVersion, comment: str = "#") -> str:
    """The first lines of every generated file: who made it, from what, and not to edit it."""
    return (
        f"{comment} Generated by mathif {__version__} (`mathif export {target}`) from version "
        f"{version.name} ({version.items} items, {len(version.splits)} splits).\n"
        f"{comment} Do not edit: export the version again instead.\n"
    )


def check_options(think_mode: str, max_tokens: int, temperature: float = 1.0, top_p: float = 0.95) -> None:
    def bad(flag: str, problem: str) -> InputError:
        return InputError(None, None, f"--{flag}: {problem}")

    if think_mode not in THINK_MODES:
        raise bad("think-mode", f"must be one of {', '.join(THINK_MODES)}, got {think_mode!r}")
    lo, hi = MAX_TOKENS_RANGE
    if not lo <= max_tokens <= hi:
        raise bad("max-tokens", f"must be between {lo:,} and {hi:,}, got {max_tokens}")
    tlo, thi = TEMPERATURE_RANGE
    if not tlo <= temperature <= thi:  # a NaN is never within
        raise bad("temperature", f"must be between {tlo:g} and {thi:g}, got {temperature}")
    if not 0.0 < top_p <= 1.0:
        raise bad("top-p", f"must be in (0, 1], got {top_p}")


# ---- lm-evaluation-harness -------------------------------------------------------------------


def task_name(version: ExportVersion, split: str) -> str:
    return f"mathif_{version.slug}_{slug(split)}"


def group_name(version: ExportVersion) -> str:
    return f"mathif_{version.slug}"


def lm_eval_files(
    version: ExportVersion,
    think_mode: str = "mathif",
    max_tokens: int = MATHIF_MAX_TOKENS,
    temperature: float = MATHIF_TEMPERATURE,
    top_p: float = MATHIF_TOP_P,
) -> dict[str, str]:
    """The task folder's files (relative path -> text) for ``version``: deterministic."""
    check_options(think_mode, max_tokens, temperature, top_p)
    files: dict[str, str] = {}
    for split, items in version.splits.items():
        files[f"data/{split}.jsonl"] = data_text(items)
        files[f"{task_name(version, split)}.yaml"] = _task_yaml(
            version, split, len(items), max_tokens, temperature, top_p
        )
    files[f"_{group_name(version)}.yaml"] = _group_yaml(version)
    files["utils.py"] = _utils_py(version, think_mode)
    files["README.md"] = _readme(version, think_mode, max_tokens, temperature, top_p)
    return dict(sorted(files.items()))


def _task_yaml(
    version: ExportVersion, split: str, n: int, max_tokens: int, temperature: float, top_p: float
) -> str:
    metrics = "".join(
        f"  - metric: {m}\n    aggregation: mean\n    higher_is_better: true\n" for m in METRICS
    )
    sampling = (
        f"  do_sample: true\n  temperature: {temperature!r}\n  top_p: {top_p!r}\n"
        if temperature > 0
        else "  do_sample: false\n  temperature: 0.0\n"
    )
    return f"""{header("lm-eval", version)}#
# mathif {version.name}, split {split}: {n} maths problems with constraints a program checks.
# The items are read from data/{split}.jsonl in this folder (pinned, offline; no download).
# Run with --apply_chat_template: the prompt is the only (user) message, as in MathIF.
# Each response is scored by mathif's scorer (utils.process_results -> mathif.score), which
# splits the answer from the reasoning itself: do not pass think_end_token in --model_args.
# Sampling is MathIF's; --gen_kwargs max_gen_toks=N (or temperature=..., top_p=...) overrides it.
task: {task_name(version, split)}
dataset_path: json
custom_dataset: !function utils.load_split
dataset_kwargs:
  data_file: data/{split}.jsonl
test_split: test
output_type: generate_until
doc_to_text: !function utils.doc_to_text
doc_to_target: answer
process_results: !function utils.process_results
generation_kwargs:
  until: []
{sampling}  max_gen_toks: {max_tokens}
metric_list:
{metrics}metadata:
  version: {EXPORT_FORMAT}
  mathif_version: "{version.name}"
  split: {split}
"""


def _group_yaml(version: ExportVersion) -> str:
    tasks = "".join(f"  - {task_name(version, s)}\n" for s in version.splits)
    aggregates = "".join(
        f"  - metric: {m}\n    aggregation: mean\n    weight_by_size: true\n" for m in METRICS
    )
    return f"""{header("lm-eval", version)}#
# The group of every split of mathif {version.name}: each metric is the mean over the splits
# weighted by their sizes, that is over the items, as `mathif score` reports it.
group: {group_name(version)}
task:
{tasks}aggregate_metric_list:
{aggregates}metadata:
  version: {EXPORT_FORMAT}
  mathif_version: "{version.name}"
"""


def _utils_py(version: ExportVersion, think_mode: str) -> str:
    return f'''{header("lm-eval", version)}"""The data reader, the prompt and the scoring of the mathif {version.name} tasks.

Every response is scored by mathif's own scorer (``mathif.score``, the code of ``mathif
score``): install mathif where lm-eval runs.  The answer is split from the reasoning with
think mode {think_mode!r}, on the whole generated text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mathif

THINK_MODE = {think_mode!r}
HERE = Path(__file__).resolve().parent


def load_split(data_file: str, **_: Any) -> Any:
    """The split's items from the file beside this one (lm-eval's custom_dataset)."""
    import datasets

    text = (HERE / data_file).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.split("\\n") if line.strip()]
    return datasets.DatasetDict({{"test": datasets.Dataset.from_list(rows)}})


def doc_to_text(doc: dict[str, Any]) -> str:
    """The item's prompt with its constraints (the user message under --apply_chat_template)."""
    return doc["prompt"]


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    """mathif's verdict on the response: hacc (every constraint followed), sacc (the share
    followed) and correctness (math-verify's grade of the answer)."""
    verdict = mathif.score(json.loads(doc["item"]), results[0], think_mode=THINK_MODE)
    return {{
        "hacc": float(verdict.hard),
        "sacc": float(verdict.soft),
        "correctness": float(bool(verdict.correct)),
    }}
'''


def _readme(
    version: ExportVersion, think_mode: str, max_tokens: int, temperature: float, top_p: float
) -> str:
    lines = "".join(f"| `{task_name(version, s)}` | {len(items)} |\n" for s, items in version.splits.items())
    return f"""<!-- {header("lm-eval", version, "").strip().replace(chr(10), " ")} -->
# mathif {version.name} for lm-evaluation-harness

```sh
pip install mathif lm-eval
lm_eval --model vllm --model_args pretrained=MODEL,max_model_len=20480 \\
    --include_path THIS_FOLDER --tasks {group_name(version)} --apply_chat_template \\
    --log_samples --output_path results/
```

- `{group_name(version)}` runs every split; the group's hacc, sacc and correctness are means over
  all items (each split weighted by its size).  One split: its task name below.
- Sampling: temperature {temperature!r}, top-p {top_p!r}, at most {max_tokens:,} new tokens, no
  stop strings (MathIF's settings); `--gen_kwargs max_gen_toks=N` changes the budget (the
  model's context must hold the prompt and N).
- Scoring: `utils.process_results` calls `mathif.score` on the whole response (think mode
  `{think_mode}`); do not pass `think_end_token` in `--model_args`, and serve a model without a
  reasoning parser, or the reasoning never reaches the scorer.
- The items are in `data/` (one JSONL file per split), read offline.

| task | items |
|---|---|
{lines}"""


# ---- writing an export -----------------------------------------------------------------------


def write_export(files: Mapping[str, str], out: str | Path) -> list[Path]:
    """Write ``files`` into ``out``: a new or empty folder, or one holding only files of
    these names (an earlier export of the same splits, overwritten).  Anything else in it is
    refused before a file is written (a stray task there would run too)."""
    root = Path(out)
    check_output_folder(root)
    if root.is_dir():
        stray = sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.relative_to(root).as_posix() not in files
        )
        if stray:
            shown = ", ".join(stray[:3]) + (f" and {len(stray) - 3} more" if len(stray) > 3 else "")
            raise InputError(
                root,
                None,
                f"holds files this export does not write ({shown}): give a new or empty folder",
            )
    written = []
    for rel, text in files.items():
        path = root / rel
        write_atomic(path, text)
        written.append(path)
    return written


@dataclass(frozen=True)
class HarnessExport:
    """What an export wrote: the folder, the version's name, the tasks to run (the first is
    the one that runs everything), and every file written."""

    out: Path
    version: str
    items: int
    tasks: tuple[str, ...]
    files: tuple[Path, ...]


def export_lm_eval(
    spec: str | Path,
    out: str | Path,
    name: str | None = None,
    think_mode: str = "mathif",
    max_tokens: int = MATHIF_MAX_TOKENS,
    temperature: float = MATHIF_TEMPERATURE,
    top_p: float = MATHIF_TOP_P,
    limit: int | None = None,
) -> HarnessExport:
    """Write the lm-evaluation-harness task folder of the version ``spec`` names into ``out``
    (see :func:`lm_eval_files` and :func:`write_export`); every option is checked first."""
    check_options(think_mode, max_tokens, temperature, top_p)
    check_output_folder(out)
    version = load_version(spec, name, limit)
    files = write_export(lm_eval_files(version, think_mode, max_tokens, temperature, top_p), out)
    tasks = (group_name(version), *(task_name(version, s) for s in version.splits))
    return HarnessExport(Path(out), version.name, version.items, tasks, tuple(files))
