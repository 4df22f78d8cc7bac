"""The dataset card (``README.md``) of a published version: pure, inputs in, text out.

Front matter from huggingface_hub's :class:`DatasetCardData` (configs with their
data files, licences, task categories, language, size, name, tags); the body says
what the benchmark measures, how items are built and proven checkable, the
constraint families, the counts per config, the columns, how to evaluate, the
changelog and the citation.  The card does not depend on the endpoint or the
machine, so a dry run and a publish write the same bytes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from constraints import Context, Family
from curation.core import Manifest, schema_lines
from curation.core import markdown_table as md_table
from curation.dataset import TIERS, Recipe
from curation.raw import SourceSpec

HUB_URL = "https://huggingface.co"
DATA_FILE = "data/{config}/test-00000-of-00001.parquet"
ALL_CONFIG = "all"
TAGS = ("math", "instruction-following", "constraints", "reasoning", "benchmark", "mathif")
TASK_CATEGORIES = ("text-generation", "question-answering")
# The Hub's licence identifiers for the licences sources are known to use; anything else is "other".
HUB_LICENSES = {
    "mit": "mit",
    "apache-2.0": "apache-2.0",
    "cc-by-4.0": "cc-by-4.0",
    "cc-by-sa-4.0": "cc-by-sa-4.0",
    "cc-by-nc-4.0": "cc-by-nc-4.0",
    "cc-by-nc-sa-4.0": "cc-by-nc-sa-4.0",
    "cc0-1.0": "cc0-1.0",
    "bsd-3-clause": "bsd-3-clause",
}
SAMPLE_QUESTION = "What is the sum of the first ten positive integers?"

MATHIF_BIBTEX = """@article{fu2025scaling,
  title   = {Scaling Reasoning, Losing Control: Evaluating Instruction Following in Large Reasoning Models},
  author  = {Fu, Tingchen and Gu, Jiawei and Li, Yafu and Qu, Xiaoye and Cheng, Yu},
  journal = {arXiv preprint arXiv:2505.14810},
  year    = {2025}
}"""
IFEVAL_BIBTEX = """@article{zhou2023instruction,
  title   = {Instruction-Following Evaluation for Large Language Models},
  author  = {Zhou, Jeffrey and Lu, Tianjian and Mishra, Swaroop and Brahma, Siddhartha and Basu, Sujoy and Luan, Yi and Zhou, Denny and Hou, Le},
  journal = {arXiv preprint arXiv:2311.07911},
  year    = {2023}
}"""


@dataclass(frozen=True)
class ConfigInfo:
    """One published config: its data files and what is in them."""

    name: str
    paths: tuple[str, ...]
    rows: int
    tiers: tuple[int, ...]  # numbers of constraints per item
    sources: tuple[str, ...]  # source labels (Hub ids) of its items


@dataclass(frozen=True)
class Changelog:
    """What changed since the previous version (``mathif diff``), or the first release."""

    previous: str | None  # tag of the previous version
    summary: Mapping[str, int]
    splits: Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class CardInputs:
    tag: str
    repo: str
    description: str
    recipe: Recipe
    manifest: Manifest
    sources: Sequence[SourceSpec]  # those the recipe uses, in recipe order
    families: Sequence[Family]  # those the recipe may draw
    configs: Sequence[ConfigInfo]  # per split, then "all"
    changelog: Changelog


def hub_license(text: str) -> str:
    return HUB_LICENSES.get(text.strip().lower(), "other")


def size_category(n: int) -> str:
    for bound, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < bound:
            return label
    return "100K<n<1M"


def one_line(text: str) -> str:
    """Whitespace collapsed and table pipes escaped, for a markdown table cell."""
    return re.sub(r"\s+", " ", text).strip().replace("|", "\\|")


def example_description(family: Family) -> str:
    """The description of one sampled instance (seeded, so the card is stable)."""
    args = family.validate(family.sample(random.Random(0), Context(question=SAMPLE_QUESTION)))
    return one_line(family.describe(args))


def card_data(inputs: CardInputs):
    from huggingface_hub import DatasetCardData

    licenses = sorted({hub_license(s.license) for s in inputs.sources})
    extra: dict[str, Any] = {}
    if "other" in licenses:
        extra["license_name"] = "per-source"
        extra["license_details"] = (
            "Items keep the licence of their source; see the Sources and licences section."
        )
    return DatasetCardData(
        pretty_name="mathif: maths problems with constraints a program can check",
        license=licenses if len(licenses) > 1 else licenses[0],
        language=["en"],
        task_categories=list(TASK_CATEGORIES),
        size_categories=[size_category(inputs.manifest.items)],
        tags=list(TAGS),
        configs=[
            {
                "config_name": c.name,
                "data_files": [{"split": "test", "path": list(c.paths) if len(c.paths) > 1 else c.paths[0]}],
                **({"default": True} if c.name == ALL_CONFIG else {}),
            }
            for c in inputs.configs
        ],
        **extra,
    )


def _tiers(tiers: Sequence[int]) -> str:
    if not tiers:
        return "-"  # an empty split (quota 0)
    return str(tiers[0]) if len(tiers) == 1 else f"{min(tiers)}-{max(tiers)}"


def _intro(i: CardInputs) -> str:
    return f"""# mathif {i.tag}: maths problems with constraints a program can check

{i.description}

## What it measures

Each item is a maths problem with one to three constraints on the form of the
answer ("answer in all lowercase", "no commas", "include the keywords …"), as in
MathIF (Fu et al., 2025).  A model is scored on two things at once: whether it
follows the instructions (hard accuracy: every constraint met; soft accuracy: the
share of constraints met) and whether its final answer is correct (graded with
math-verify against the gold answer).  It measures how well reasoning models keep
control of their output while they reason."""


def _configs(i: CardInputs) -> str:
    rows = [
        (f"`{c.name}`", c.rows, _tiers(c.tiers), ", ".join(f"`{s}`" for s in c.sources)) for c in i.configs
    ]
    first = i.configs[0].name
    return f"""## Configs

One config per split and number of constraints, each with a single `test` split
(`data/<config>/test-00000-of-00001.parquet`), and `{ALL_CONFIG}` (the default),
which reads every split file.

{md_table(("config", "items", "constraints per item", "sources"), rows)}

```python
from datasets import load_dataset

ds = load_dataset("{i.repo}", name="{first}", split="test", revision="{i.tag}")
```

Offline, `load_dataset(repo, revision=...)` ignores the revision and returns the
newest cached copy (datasets issue 7928).  To load a pinned version offline,
download its snapshot once and load that folder:

```python
from huggingface_hub import snapshot_download

path = snapshot_download("{i.repo}", repo_type="dataset", revision="{i.tag}")
ds = load_dataset(path, name="{first}", split="test")
```"""


def _columns(i: CardInputs) -> str:
    rows = [(f"`{name}`", kind) for name, kind in schema_lines()]
    return f"""## Columns

Every config has the same columns, so `{ALL_CONFIG}` reads all split files together.
`source`, `id`, `question`, `answer`, `constraint_desc`, `constraint_name` and
`constraint_args` are MathIF's fields with MathIF's meanings; `prompt` is the
question with the step-by-step instruction and the constraint descriptions, as a
model is asked.  Two columns hold JSON text, because their shape differs between
families and sources: `constraint_args` has one JSON text per constraint (`null`
for a family without arguments) and `metadata` is a JSON object (level, subject,
contest, year, … depending on the source; `{{}}` if it has none).

{md_table(("column", "type"), rows)}

```python
import json

item = dict(ds[0])
item["constraint_args"] = [json.loads(a) for a in item["constraint_args"]]
item["metadata"] = json.loads(item["metadata"])
# item is now exactly the line of mathif's JSONL file
```"""


def _building(i: CardInputs) -> str:
    r, m = i.recipe, i.manifest
    quota_rows = []
    for split in r.splits:
        quotas = ", ".join(f"{TIERS[n]} {q}" for n, q in split.quota.items())
        strat = ", ".join(split.stratify) or "-"
        quota_rows.append((f"`{split.name}`", ", ".join(split.sources), quotas, strat))
    not_disc = sum(len(s.not_discriminative) for s in m.splits.values())
    return f"""## How the items are built and proven checkable

The version is built by `mathif build release/{i.tag}/recipe.toml` (recipe sha256
`{m.recipe_sha256}`, raw sources locked by `raw/lock.json` with sha256
`{m.raw_lock_sha256}`, tool version {m.tool_version}, seed {r.seed}).  The
same recipe and raw lock give byte-identical files; the sha256 of every split file
is in `release/{i.tag}/manifest.json`.

1. **Problems** are sampled per split with a seeded, stratified draw from the raw
   sources, keeping only problems whose gold answer parses with math-verify.  A
   problem appears at most once in the version, and near duplicates (rapidfuzz
   score ≥ {r.near_duplicate_threshold:g}) never appear together.
2. **Constraints** (one to three per item) are drawn from the families below.
   Pairs that can never hold together (type-level conflicts such as lowercase and
   capitals) and arguments that contradict each other are filtered out.
3. **Proof**: every item comes with a joint witness, a response built to meet all
   of its constraints, which passes every checker; an item without one is redrawn.
   {not_disc} item(s) hold a constraint whose counterexample could not be told
   apart (listed in the manifest as `not_discriminative`).
4. `mathif verify` re-checks any file of this format (schema, arguments,
   conflicts, satisfiability, gradable gold answer).

{md_table(("split", "sources", "items per number of constraints", "stratified by"), quota_rows)}"""


def _sources(i: CardInputs) -> str:
    used_in = {s.name: [sp.name for sp in i.recipe.splits if s.name in sp.sources] for s in i.sources}
    rows = [
        (
            f"`{s.hub_id}`" + (f" (`{s.config}`)" if s.config else ""),
            one_line(s.description) or s.name,
            one_line(s.license),
            ", ".join(used_in[s.name]),
        )
        for s in i.sources
    ]
    return f"""## Sources and licences

The sources have different licences, and every item keeps the licence of the
source its problem comes from (its `source` column names the source's Hub
dataset).  The constraints, descriptions and prompts added by mathif are
Apache-2.0.

{md_table(("source (Hub dataset)", "what", "licence", "splits"), rows)}"""


def _families(i: CardInputs) -> str:
    rows = [(f"`{f.id}`", f.category, example_description(f)) for f in i.families]
    return f"""## Constraint families

The {len(i.families)} families this version draws constraints from.  MathIF's
families keep MathIF's semantics (IFEval's checkers as MathIF uses them).  The
description column shows one sampled instance of each.

{md_table(("family", "category", "example description"), rows)}"""


def _evaluate(i: CardInputs) -> str:
    return f"""## How to evaluate

With the `mathif` tool:

```sh
mathif eval {i.repo} --model MODEL --backend vllm --out results/   # or --backend openai
```

`mathif eval` generates answers and scores them; to score generations made
elsewhere, save them as JSONL aligned line by line with the items (`output` or
`response` per line) and run

```sh
mathif score --data items.jsonl --generations outputs.jsonl --out scores/
```

which reports hard accuracy, soft accuracy and correctness, overall and per
source, constraint and number of constraints."""


def _changelog(i: CardInputs) -> str:
    c = i.changelog
    if c.previous is None:
        return f"## Changelog\n\n{i.tag} is the first release."
    s = c.summary
    rows = [
        (f"`{name}`", *(d[k] for k in ("old", "new", "added", "removed", "changed")))
        for name, d in c.splits.items()
    ]
    return f"""## Changelog

Changes from {c.previous} to {i.tag} (`mathif diff`; items are matched by split
and problem, an item changes when its constraints or its gold answer do):
{s["added"]} added, {s["removed"]} removed, {s["changed"]} changed, {s["unchanged"]}
unchanged ({s["old_items"]} items before, {s["new_items"]} now).

{md_table(("split", c.previous, i.tag, "added", "removed", "changed"), rows)}"""


def _citation(i: CardInputs) -> str:
    key = re.sub(r"[^a-z0-9]", "", i.repo.split("/")[-1].lower()) or "mathif"
    return f"""## Citation

If you use this benchmark, please cite MathIF and IFEval, whose constraint
families it uses, and name the version you used ({i.tag}):

```bibtex
{MATHIF_BIBTEX}

{IFEVAL_BIBTEX}

@misc{{{key}_{i.tag.replace(".", "_")},
  title        = {{mathif {i.tag}: maths problems with constraints a program can check}},
  howpublished = {{\\url{{{HUB_URL}/datasets/{i.repo}}}}},
  note         = {{revision {i.tag}}}
}}
```"""


def render_card(inputs: CardInputs) -> str:
    """The README.md of a version (front matter + body), as text."""
    from huggingface_hub import DatasetCard

    body = "\n\n".join(
        part(inputs)
        for part in (_intro, _configs, _columns, _building, _sources, _families, _evaluate, _changelog)
    )
    body += "\n\n" + _citation(inputs) + "\n"
    card = DatasetCard(f"---\n{card_data(inputs).to_yaml()}\n---\n\n{body}")
    return str(card)
