"""The dataset card (``README.md``) of a published version: pure, inputs in, text out.

Front matter from huggingface_hub's :class:`DatasetCardData`: configs with their
data files, ``license: other`` (the items keep their sources' licences, which
differ) with a name, a link and a one-line summary, the sources' Hub ids
(``source_datasets``), who made the labels and the text (``annotations_creators``,
``language_creators``), task categories, language, size, name and tags.  The body
says what the benchmark measures, its uses and out-of-scope uses, the configs, a
licence table per config (commercial use or not) with a plain non-commercial
notice where a source forbids it, the columns, how to evaluate with the tool and
how to score without it (the scopes, the reasoning/answer split, the checkers'
semantics and the version of them the items were built under), the constraint
families (and the plugins that check some of them), how the items are built, bias,
risks and limitations, the changelog and the citation.  The card does not depend on
the endpoint or the machine, so a dry run and a publish write the same bytes; what it
says about the tool (its version and the URLs of its distribution) is an input with a
default read from the installed tool when the inputs are made, never while rendering.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from constraints import Context, Family
from constraints.base import SCOPE_SUFFIX, SCOPES
from constraints.catalog import origin
from constraints.registry import MATHIF_IDS
from curation.core import Manifest, __version__, schema_lines
from curation.core import markdown_table as md_table
from curation.dataset import TIERS, Recipe
from curation.raw import SourceSpec

HUB_URL = "https://huggingface.co"
PAPER_URL = "https://arxiv.org/abs/2505.14810"
MATHIF_CODE_URL = "https://github.com/TingchenFu/MathIF"
IFEVAL_URL = "https://arxiv.org/abs/2311.07911"
DATA_FILE = "data/{config}/test-00000-of-00001.parquet"
ALL_CONFIG = "all"
TAGS = ("math", "instruction-following", "constraints", "reasoning", "benchmark", "mathif")
TASK_CATEGORIES = ("text-generation", "question-answering")
# Gold answers come from the sources (written by people who set the problems); the
# constraints, their descriptions and the prompts are drawn and written by the tool.
ANNOTATIONS_CREATORS = ("expert-generated", "machine-generated")
# Questions are taken as the sources have them; descriptions and prompts are generated.
LANGUAGE_CREATORS = ("found", "machine-generated")
LICENSE_NAME = "per-source"
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
# Of those, the ones that permit commercial use (with attribution where they ask for it).
COMMERCIAL_LICENSES = frozenset({"mit", "apache-2.0", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "bsd-3-clause"})
ADDITIONS_LICENSE = "Apache-2.0"  # the tool's licence, which covers what it adds to each item
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

# MathIF's rule for splitting a model output (``curation.scoring.split``, mode "mathif"),
# as plain Python a reader can copy; a test holds it to the tool's own function.
SPLIT_SNIPPET = '''def split_output(text):
    """(reasoning, answer) of a model output, exactly as MathIF's harness splits it."""
    reasoning = text.split("</think>")[0] if "</think>" in text else text
    if "<think>" in reasoning:
        reasoning = reasoning.split("<think>")[1]
    answer = text
    for tag, keep in (("<think>", 1), ("</think>", 1), ("<answer>", 1), ("</answer>", 0)):
        if tag in answer:
            answer = answer.split(tag)[keep]
    return reasoning, answer'''

# A published row back as the built JSONL item (``curation.core.decode_record``), without
# the tool; a test holds it to decode_record.
DECODE_SNIPPET = '''import json

def to_item(row):
    """A row of this dataset as the line of mathif's JSONL file it was published from."""
    item = {}
    for name, value in row.items():
        if name == "constraint_scope":
            continue
        item["split" if name == "subset" else name] = value
        if name == "constraint_args" and row.get("constraint_scope") is not None:
            item["constraint_scope"] = row["constraint_scope"]
    item["constraint_args"] = [json.loads(a) for a in item["constraint_args"]]
    item["metadata"] = json.loads(item["metadata"])
    return item'''


def installed_project_urls() -> tuple[tuple[str, str], ...]:
    """(label, URL) of every ``Project-URL`` of the installed ``mathif`` distribution (none if
    it sets none or is not installed)."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        entries = metadata("mathif").get_all("Project-URL") or []
    except PackageNotFoundError:
        return ()
    urls = []
    for entry in entries:
        label, _, url = entry.partition(",")
        if url.strip().startswith(("https://", "http://")):
            urls.append((label.strip(), url.strip()))
    return tuple(urls)


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
    # mathif diff's summary (old_items, new_items, added, removed, moved, changed, unchanged)
    # and its splits (old, new, added, removed, moved_in, moved_out, changed)
    summary: Mapping[str, int]
    splits: Mapping[str, Mapping[str, int]]
    # constraints per family id and per scope, "old" and "new" ({} = not known: not shown)
    families: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    scopes: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


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
    tool_version: str = __version__  # the mathif that writes the card
    tool_urls: tuple[tuple[str, str], ...] = field(default_factory=installed_project_urls)


@dataclass(frozen=True)
class ConfigLicence:
    """A config's sources with their licences, and whether all of them permit commercial use."""

    config: str
    sources: tuple[tuple[str, str], ...]  # (source label, licence as the registry gives it)
    commercial: bool | None  # None: the config has no items

    @property
    def restricted(self) -> tuple[tuple[str, str], ...]:
        return tuple((s, lic) for s, lic in self.sources if not commercial_license(lic))


def hub_license(text: str) -> str:
    return HUB_LICENSES.get(text.strip().lower(), "other")


def commercial_license(text: str) -> bool:
    """Whether a licence, as the source registry names it, permits commercial use."""
    return hub_license(text) in COMMERCIAL_LICENSES


UNKNOWN_LICENSE = "unknown (not in the source registry)"


def config_licences(inputs: CardInputs) -> list[ConfigLicence]:
    """Every config's licences, from the sources its items come from."""
    by_label: dict[str, list[str]] = {}
    for spec in inputs.sources:
        by_label.setdefault(spec.hub_id, []).append(spec.license)
    out = []
    for c in inputs.configs:
        pairs = tuple(
            (label, lic)
            for label in c.sources
            for lic in dict.fromkeys(by_label.get(label, [UNKNOWN_LICENSE]))
        )
        commercial = all(commercial_license(lic) for _, lic in pairs) if pairs else None
        out.append(ConfigLicence(c.name, pairs, commercial))
    return out


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


def _licence_names(inputs: CardInputs) -> list[str]:
    return list(dict.fromkeys(s.license for s in inputs.sources))


def card_data(inputs: CardInputs):
    from huggingface_hub import DatasetCardData

    licences = ", ".join(_licence_names(inputs))
    restricted = [c.config for c in config_licences(inputs) if c.commercial is False]
    use = (
        f"configs with a source that forbids commercial use (including the default `{ALL_CONFIG}`) "
        "are for non-commercial research use only"
        if restricted
        else "every source permits commercial use on its own licence's terms"
    )
    return DatasetCardData(
        pretty_name="mathif: maths problems with constraints a program can check",
        license="other",
        license_name=LICENSE_NAME,
        license_link="README.md",
        license_details=(
            f"Each item keeps the licence of its source problem ({licences}); what mathif adds "
            f"(constraints, descriptions, prompts) is {ADDITIONS_LICENSE}. {use[0].upper() + use[1:]}. "
            "See the Licences section for the licence of every config."
        ),
        language=["en"],
        annotations_creators=list(ANNOTATIONS_CREATORS),
        language_creators=list(LANGUAGE_CREATORS),
        multilinguality=["monolingual"],
        source_datasets=list(dict.fromkeys(s.hub_id for s in inputs.sources)),
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
    )


def _tiers(tiers: Sequence[int]) -> str:
    if not tiers:
        return "-"  # an empty split (quota 0)
    return str(tiers[0]) if len(tiers) == 1 else f"{min(tiers)}-{max(tiers)}"


def _scoped_splits(recipe: Recipe) -> list[str]:
    """The recipe's splits whose constraints are drawn with scopes (they carry ``constraint_scope``)."""
    return [s.name for s in recipe.splits if recipe.scopes_for(s) is not None]


def _code(names: Sequence[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _tool(i: CardInputs) -> str:
    """Which mathif built the items and wrote the card, with its links when it has any."""
    built = i.manifest.tool_version
    text = f"mathif {built}"
    if i.tool_version != built:
        text += f" (this card was written by mathif {i.tool_version})"
    links = "".join(f", [{label}]({url})" for label, url in i.tool_urls)
    return text + links


def _intro(i: CardInputs) -> str:
    return f"""# mathif {i.tag}: maths problems with constraints a program can check

{i.description}

- Paper (the benchmark this follows): [Scaling Reasoning, Losing Control: Evaluating Instruction
  Following in Large Reasoning Models]({PAPER_URL}) (MathIF; Fu et al., 2025)
- MathIF's code: {MATHIF_CODE_URL}
- Built with {_tool(i)}; its `release/{i.tag}/` folder (`recipe.toml`, `manifest.json`)
  pins every file of this version by sha256.

{_notice(i)}"""


def _notice(i: CardInputs) -> str:
    licences = config_licences(i)
    restricted = [c for c in licences if c.commercial is False]
    if not restricted:
        return (
            "**Licences.** Every source of this version permits commercial use under its own "
            "licence (attribution as each licence asks); see [Licences](#licences)."
        )
    sources = dict.fromkeys(pair for c in restricted for pair in c.restricted)
    named = "\n".join(f"> - `{label}`: {one_line(lic)}" for label, lic in sources)
    free = [c.config for c in licences if c.commercial and c.config != ALL_CONFIG]
    then = (
        f"Only the configs marked *yes* there ({_code(free)}) may be used commercially."
        if free
        else "No config of this version may be used commercially."
    )
    return f"""> **Non-commercial use only.**  The default config `{ALL_CONFIG}`, and every config
> marked *no* under [Licences](#licences), hold problems whose licence forbids
> commercial use or limits them to research:
>
{named}
>
> Use them for non-commercial research and evaluation only.  {then}"""


def _measures(i: CardInputs) -> str:
    return """## What it measures

Each item is a maths problem with one to three constraints on the form of the
answer ("answer in all lowercase", "no commas", "include the keywords …"), as in
MathIF (Fu et al., 2025).  A model is scored on two things at once: whether it
follows the instructions (hard accuracy: every constraint met; soft accuracy: the
share of constraints met) and whether its final answer is correct (graded with
math-verify against the gold answer).  It measures how well reasoning models keep
control of their output while they reason."""


def _uses(i: CardInputs) -> str:
    return f"""## Uses

- Evaluating how well language models, reasoning models above all, follow
  instructions a program can check while they solve maths problems, and what
  following them costs in correctness (`mathif eval` also runs every item without
  its constraints).
- Comparing models, decoding settings, chat templates and thinking modes on the same
  pinned items (load a tag, not `main`).
- Studying where instructions are kept: the final answer only, or also the
  reasoning trace (see [Scoring without mathif](#scoring-without-mathif)).

### Out-of-scope use

- Training or fine-tuning on these items, or on their sources' test splits: it is a
  test set, and a model that has seen it can no longer be measured with it (nor with
  the other benchmarks that share these problems: GSM8K, MATH-500, AIME, …).
- Commercial use of `{ALL_CONFIG}` or of any config marked *no* under
  [Licences](#licences).
- Taking the scores as a measure of maths ability in general (a few hundred
  problems, the final answer only, graded by a program) or of instruction following
  in general (only constraints on the form of an English answer that a program can
  check; no content, safety, style or multi-turn instructions).
- Judging text in other languages: the problems and the constraint descriptions are
  English."""


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


def _licences(i: CardInputs) -> str:
    used_in = {s.name: [sp.name for sp in i.recipe.splits if s.name in sp.sources] for s in i.sources}
    source_rows = [
        (
            f"`{s.hub_id}`" + (f" (`{s.config}`)" if s.config else ""),
            one_line(s.description) or s.name,
            one_line(s.license),
            "yes" if commercial_license(s.license) else "**no**",
            ", ".join(used_in[s.name]),
        )
        for s in i.sources
    ]
    config_rows = [
        (
            f"`{c.config}`",
            "<br>".join(f"`{label}`: {one_line(lic)}" for label, lic in c.sources) or "(no items)",
            "-" if c.commercial is None else "yes" if c.commercial else "**no**",
        )
        for c in config_licences(i)
    ]
    free = [c.config for c in config_licences(i) if c.commercial and c.config != ALL_CONFIG]
    restricted = any(c.commercial is False for c in config_licences(i))
    subset = ""
    if restricted and free:
        subset = f"""

The configs that may be used commercially, read together (the same columns as `{ALL_CONFIG}`):

```python
from datasets import concatenate_datasets, load_dataset

configs = [{", ".join(f'"{name}"' for name in free)}]
ds = concatenate_datasets(
    [load_dataset("{i.repo}", name=c, split="test", revision="{i.tag}") for c in configs]
)
```"""
    return f"""## Licences

The card's `license: other` is because the sources have different licences: every
item keeps the licence of the source its problem comes from (its `source` column
names the source's Hub dataset).  The constraints, descriptions and prompts added by
mathif are {ADDITIONS_LICENSE}.  A config may be used commercially only if every
source in it permits commercial use (and then on each licence's terms, such as
keeping its notice).

{md_table(("config", "sources and their licences", "commercial use"), config_rows)}

{md_table(("source (Hub dataset)", "what", "licence", "commercial use", "splits"), source_rows)}{subset}"""


def _columns(i: CardInputs) -> str:
    rows = [(f"`{name}`", kind) for name, kind in schema_lines()]
    return f"""## Columns

Every config has the same columns, so `{ALL_CONFIG}` reads all split files together.
`source`, `id`, `question`, `answer`, `constraint_desc`, `constraint_name` and
`constraint_args` are MathIF's fields with MathIF's meanings; `prompt` is the
question with the step-by-step instruction and the constraint descriptions, as a
model is asked.  `subset` is the split of the recipe the item was drawn for (its
config is `<subset>_<single|double|triple>` by `num_constraints`); it is called
`split` in mathif's JSONL files and is named `subset` here so as not to clash with
the Hub's split (`test`).  `constraint_scope` says where each constraint is checked
(see [Scoring without mathif](#scoring-without-mathif)).  Two columns hold JSON text,
because their shape differs between families and sources: `constraint_args` has one
JSON text per constraint (`null` for a family without arguments) and `metadata` is a
JSON object (level, subject, contest, year, … depending on the source; `{{}}` if it
has none).

{md_table(("column", "type"), rows)}

To turn a row back into exactly the line of mathif's JSONL file (what `mathif
verify` and `mathif score` read):

```python
{DECODE_SNIPPET}

item = to_item(ds[0])
```"""


def _evaluate(i: CardInputs) -> str:
    first = i.configs[0].name
    return f"""## How to evaluate

With the `mathif` tool (the version this was built with: {i.manifest.tool_version}), which
downloads this version, generates with vLLM and scores:

```sh
mathif eval {i.repo}@{i.tag} --model MODEL --backend vllm --out runs/MODEL
```

`MODEL` is a model folder or a Hub model name; `--backend openai --base-url URL`
evaluates a model behind an OpenAI-compatible server instead.  Each item runs with
its constraints and again without them, with MathIF's sampling defaults
(temperature 1.0, top-p 0.95, 16,384 new tokens) and the `prompt` as the only user
message through the model's chat template.  `runs/MODEL` gets `summary.json` (hard
accuracy, soft accuracy, correctness, and breakdowns by constraint, source, number
of constraints and scope), `items.jsonl` (verdicts per item), `samples.jsonl` (per
sample: the response, the answer part, the extracted answer, the gold and each
constraint's verdict), `report.md` and `plots/`.

To score generations made elsewhere, write one JSON line per item, keyed by the
item as `<config>.jsonl:<row>` (the row counted from 1 within the config, e.g.
`{first}.jsonl:3` for the third row of `{first}`), with `output` the model's text
(or a list of texts, one per sample):

```json
{{"key": "{first}.jsonl:1", "output": "<think>…</think> … \\\\boxed{{42}}"}}
```

then

```sh
mathif score --data {i.repo}@{i.tag} --generations generations.jsonl --out scores/
```"""


def _scope_text(i: CardInputs) -> str:
    scoped = _scoped_splits(i.recipe)
    if not scoped:
        return """This version has no scopes: `constraint_scope` is null in every row, and every
constraint is checked on the answer, as in MathIF.  The reasoning is split off only
so that it is not checked."""
    weights = []
    for split in i.recipe.splits:
        w = i.recipe.scopes_for(split)
        if w is None:
            continue
        total = sum(w.values()) or 1.0
        shares = ", ".join(
            f"{scope} {w.get(scope, 0) / total:.0%}" for scope in SCOPES if w.get(scope, 0) > 0
        )
        weights.append((split.name, shares))
    distinct = {shares for _, shares in weights}
    if len(distinct) == 1 and len(scoped) == len(i.recipe.splits):
        drawn = f"In this version each constraint's scope was drawn with the weights {weights[0][1]}."
    else:
        drawn = "In this version each constraint's scope was drawn per split: " + "; ".join(
            f"`{name}` {shares}" for name, shares in weights
        )
        unscoped = [s.name for s in i.recipe.splits if s.name not in scoped]
        if unscoped:
            drawn += f"; the splits {_code(unscoped)} have no scopes (every constraint on the answer)"
        drawn += "."
    return f"""Some constraints of this version are checked on the **reasoning trace**, not only
on the final answer.  `constraint_scope` is a list parallel to `constraint_name`:

- `answer`: checked on the answer (MathIF's only choice);
- `reasoning`: checked on the reasoning (split off as above) only;
- `both`: checked on the reasoning and on the answer, each on its own, and followed
  only if followed on both (as ReasonIF checks reasoning traces).

A null `constraint_scope` means `answer` for every constraint.  {drawn}  The
description tells the model when the scope is not `answer`; it ends with

- `reasoning`: {_quoted(SCOPE_SUFFIX["reasoning"])}
- `both`: {_quoted(SCOPE_SUFFIX["both"])}"""


def _blank_text(i: CardInputs) -> str:
    if not _scoped_splits(i.recipe):
        return """A blank answer (`answer.strip() == ""`) follows no constraint, as in MathIF."""
    return """A part that is blank (`part.strip() == ""`) follows no constraint checked on it, so
an empty answer, or an empty reasoning for a `reasoning` or `both` constraint, fails
that constraint."""


def _quoted(text: str) -> str:
    return f'"{text}"'


def _checker_of(family: Family) -> str:
    kind = origin(family.id)
    if kind == "mathif":
        return "IFEval's, as MathIF uses it"
    if kind == "plugin":
        return "a plugin's"
    for prefix, checker in (("IFEval", "IFEval's"), ("Tülu", "IFEvalG's"), ("IFBench", "IFBench's")):
        if family.source.startswith(prefix):
            return checker
    return "mathif's"


def _scoring(i: CardInputs) -> str:
    own = [f.id for f in i.families if _checker_of(f) in ("mathif's", "a plugin's")]
    beyond = ""
    if own:
        beyond = f"""

The other families of this version ({_code(own)}) have no IFEval checker: their
checkers are mathif's own (or a plugin's), and `mathif constraints show ID` prints
what each one checks and where the idea comes from.  Scoring them without mathif
means reimplementing those checks."""
    return f"""## Scoring without mathif

Everything needed to score a generation is in the row.  Give the model `prompt` as
the only user message, then for each output:

**1. Split the reasoning from the answer** with MathIF's rule (mathif's
`--think-mode mathif`, the default):

```python
{SPLIT_SNIPPET}
```

`s.split(tag)[1]` is the text between the first and the second occurrence of `tag`
(to the end if there is only one), so with two `</think>` the answer is the text
between them.  Without `</think>` the reasoning and the answer are both the whole
output (after a `<think>`, if there is one; the answer is still cut to its
`<answer>` tags, if it has any).  No whitespace is stripped.

**2. Check each constraint where its scope says.**

{_scope_text(i)}

{_blank_text(i)}

**3. Score.**  An output follows an item *hard* when it follows every constraint and
*soft* by the share it follows; it is *correct* when math-verify grades its answer
part equal to `answer`.  Hard accuracy, soft accuracy and correctness are the means
over items (over an item's samples first, if there are several).

**The checkers.**  `constraint_name` holds each constraint's family id, for
MathIF's and IFEval's families IFEval's instruction id (e.g.
`punctuation:no_comma`), and `constraint_args` one JSON text per constraint: the
keyword arguments of that checker (`null`: it takes none).  MathIF's families are
IFEval's checkers as MathIF uses them ({MATHIF_CODE_URL}), and mathif keeps
MathIF's quirks by default:

- keywords are regular expressions matched case-insensitively as substrings
  (`re.search(keyword, text, re.I)`: "cause" is found in "because");
- any line starting with `-` is a bullet, even `-3 is negative` or `---`;
- a text whose language cannot be detected follows the language and letter-case
  constraints.

`mathif score --fix-quirks` uses the fixed checks instead (keywords literal, only
real markdown bullets, an undetectable language not followed); published scores
should say which was used.{_borrowed(i)}

{_semantics(i)}{beyond}"""


def _borrowed(i: CardInputs) -> str:
    """What the card says of the families that carry IFEvalG's or IFBench's ids."""
    ids = [f.id for f in i.families if _checker_of(f) in ("IFEvalG's", "IFBench's")]
    if not ids:
        return ""
    return f"""

The families that carry the ids of open-instruct's IFEvalG or of IFBench ({_code(ids)})
give those checkers' verdicts, quirks included (IFEvalG reads the first and last word as
whitespace-separated tokens and counts `keywords:word_once` inside other words; IFBench's
`format:sub-bullets` passes a text without any `*`); with `--fix-quirks` mathif's own
readings of them (the tool's README has the table)."""


def _semantics(i: CardInputs) -> str:
    s = i.manifest.checker_semantics
    return f"""**Checker semantics.**  This version was built, and every item proven checkable,
under mathif's checker semantics {s} (`checker_semantics` in `manifest.json`): the
version of the verdicts of mathif's shipped checkers, raised whenever a change can
change a verdict, with the default checks or with `--fix-quirks`.  `mathif score` and
`mathif eval` record the semantics they scored under, and whether `--fix-quirks` was
on, in `summary.json` (`run.checker_semantics`, `run.fix_quirks`) and in `report.md`;
scores are comparable only under the same semantics and the same setting, and the
tool's README lists what each version changed."""


def _families(i: CardInputs) -> str:
    rows = [(f"`{f.id}`", f.category, _checker_of(f), example_description(f)) for f in i.families]
    return f"""## Constraint families

The {len(i.families)} families this version draws constraints from.  MathIF's
families keep MathIF's semantics (IFEval's checkers as MathIF uses them).  The
description column shows one sampled instance of each.

{md_table(("family", "category", "checker", "example description"), rows)}{_plugins(i)}"""


def _plugins(i: CardInputs) -> str:
    plugins = i.manifest.plugins
    if not plugins:
        return ""
    rows = [
        (f"`{p.distribution}`", f"`{p.version}`", f"`{p.entry_point}`", _code(p.families)) for p in plugins
    ]
    return f"""

### Plugins

Some families of this version come from plugins, not from mathif itself.  Install
these distributions (the versions the items were built with) to check these items
with mathif; without them, `mathif verify` and `mathif score` do not know those
constraints.

{md_table(("distribution", "version", "entry point (`mathif.constraints`)", "families"), rows)}"""


def _building(i: CardInputs) -> str:
    r, m = i.recipe, i.manifest
    filtered = any(split.filters for split in r.splits)
    own = any(split.families is not None for split in r.splits)
    headers = (
        "split",
        "sources",
        *(("kept by the filter",) if filtered else ()),
        "items per number of constraints",
        "stratified by",
        *(("families",) if own else ()),
    )
    quota_rows = []
    for split in r.splits:
        quotas = ", ".join(f"{TIERS[n]} {q}" for n, q in split.quota.items())
        strat = ", ".join(split.stratify) or "-"
        kept = (" and ".join(f.describe() for f in split.filters) or "all",) if filtered else ()
        fams = (_family_count(r.families_for(split)),) if own else ()
        quota_rows.append((f"`{split.name}`", ", ".join(split.sources), *kept, quotas, strat, *fams))
    not_disc = sum(len(s.not_discriminative) for s in m.splits.values())
    return f"""## How the items are built and proven checkable

The version is built by `mathif build release/{i.tag}/recipe.toml` (recipe sha256
`{m.recipe_sha256}`, raw sources locked by `raw/lock.json` with sha256
`{m.raw_lock_sha256}`, tool version {m.tool_version}, checker semantics
{m.checker_semantics}, seed {r.seed}).  The
same recipe and raw lock give byte-identical files; the sha256 of every split file
is in `release/{i.tag}/manifest.json`.

1. **Problems** are sampled per split with a seeded, stratified draw from the raw
   sources, keeping only problems whose gold answer parses with math-verify.  A
   problem appears at most once in the version, and near duplicates (rapidfuzz
   score ≥ {r.near_duplicate_threshold:g}) never appear together.{_filter_text(filtered)}
2. **Constraints** (one to three per item) are drawn from the families above.
   Pairs that can never hold together (type-level conflicts such as lowercase and
   capitals) and arguments that contradict each other are filtered out.
3. **Proof**: every item comes with a joint witness, a response built to meet all
   of its constraints, which passes every checker; an item without one is redrawn.
   {not_disc} item(s) hold a constraint whose counterexample could not be told
   apart (listed in the manifest as `not_discriminative`).
4. `mathif verify` re-checks any file of this format (schema, arguments,
   conflicts, satisfiability, gradable gold answer).

{md_table(headers, quota_rows)}{_weights_text(r)}"""


def _filter_text(filtered: bool) -> str:
    if not filtered:
        return ""
    return "\n   A split with a filter draws only the problems whose metadata it keeps (below)."


def _family_count(ids: Sequence[str]) -> str:
    extra = [f"`{f}`" for f in ids if f not in MATHIF_IDS]
    if set(MATHIF_IDS) <= set(ids):
        return "MathIF's 15" + (" + " + ", ".join(extra) if extra else "")
    return ", ".join(f"`{f}`" for f in ids)


def _weights_text(r: Recipe) -> str:
    """A sentence on the family weights, where some split draws families unevenly."""
    lines = []
    for split in r.splits:
        weights = r.weights_for(split)
        if weights is None:
            continue
        fams = r.families_for(split)
        usual = max(set(weights), key=weights.count)
        odd = ", ".join(f"`{f}` {w:g}" for f, w in zip(fams, weights, strict=True) if w != usual)
        lines.append(f"- `{split.name}`: {odd}; every other family {usual:g}")
    if not lines:
        return ""
    return (
        "\n\nFamilies are drawn with weights (an item's families one after another, each in "
        "proportion to its weight among those not drawn yet):\n\n" + "\n".join(lines)
    )


def _sizes(i: CardInputs) -> str:
    rows = sorted(c.rows for c in i.configs if c.name != ALL_CONFIG)
    if not rows or rows[0] == rows[-1]:
        return str(rows[0] if rows else 0)
    return f"{rows[0]} to {rows[-1]}"


def _risks(i: CardInputs) -> str:
    scoped = _scoped_splits(i.recipe)
    if scoped:
        scopes = """- **Scopes.**  Constraints on the reasoning depend on how the reasoning is split
  from the answer: a model that writes no `</think>` has its whole output checked as
  both, and a model whose reasoning is hidden (an API that does not return it) has a
  blank reasoning and follows no `reasoning` or `both` constraint.  Report such
  models apart."""
    else:
        scopes = """- **Scopes.**  Every constraint is checked on the final answer only, as in MathIF:
  the scores say nothing about whether the reasoning trace follows the
  instructions."""
    return f"""## Bias, Risks and Limitations

- **Contamination.**  The problems are not new.  GSM8K and MATH (MATH-500) have been
  public since 2021 and are in many pretraining and fine-tuning corpora, and AIME
  and AMC problems and their solutions are published when the contests end; models
  may have seen the problems and their answers, which inflates correctness (most
  on GSM8K and MATH).  The constraints are drawn anew for this version, but most
  of their families and descriptions come from IFEval, which models are often
  tuned on.
- **Checker quirks.**  MathIF's checkers are kept as they are by default
  (keywords as regular expressions, any `-` line a bullet, an undetectable language
  followed), so some outputs pass or fail for reasons a reader would not expect;
  `--fix-quirks` fixes them, and the two settings give different numbers.
{scopes}
- **Grading.**  Correctness is math-verify's verdict on the answer part against the
  source's gold answer: a gold answer that is wrong upstream, or a correct answer
  written in a form math-verify cannot read, is graded wrong.
- **Size.**  A config holds {_sizes(i)} items, so per-config numbers are noisy;
  sample several outputs per item (`--samples`) and compare models on `{ALL_CONFIG}`
  ({i.manifest.items} items).
- **Language.**  English only; the descriptions use IFEval's fixed wording."""


SPLIT_COUNTS = ("old", "new", "added", "removed", "moved_in", "moved_out", "changed")
TOP_FAMILIES = 10  # rows of the changelog's table of family changes


def _share(n: int | None, total: int) -> str:
    """A count with its share of ``total``; None (not in that version) as ``-``."""
    if n is None:
        return "-"
    return f"{n} ({n / total:.1%})" if total else str(n)


def _family_mix(c: Changelog, tag: str) -> str:
    """Families new and gone, those whose share of the constraints moved most, the scopes."""
    old, new = c.families["old"], c.families["new"]
    total_old, total_new = sum(old.values()), sum(new.values())
    added, removed = sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys())
    lines = [
        f"Constraint families: {len(old)} → {len(new)} ({total_old} constraints before, {total_new} now).",
        "",
        f"- New ({len(added)}): {_code(added)}." if added else "- New: none.",
        f"- Removed ({len(removed)}): {_code(removed)}." if removed else "- Removed: none.",
    ]

    def shift(f: str) -> float:  # the change of the family's share of all constraints
        return (new.get(f, 0) / total_new if total_new else 0) - (
            old.get(f, 0) / total_old if total_old else 0
        )

    differing = [f for f in sorted(old.keys() | new.keys()) if old.get(f, 0) != new.get(f, 0)]
    top = sorted(differing, key=lambda f: -abs(shift(f)))[:TOP_FAMILIES]
    if top:
        cut = (
            ""
            if len(top) == len(differing)
            else f" (the {len(top)} of {len(differing)} whose share moved most)"
        )
        rows = [
            (
                f"`{f}`",
                _share(old.get(f), total_old),
                _share(new.get(f), total_new),
                f"{new.get(f, 0) - old.get(f, 0):+d}",
            )
            for f in top
        ]
        lines += [
            "",
            f"The families whose number of constraints changed{cut}, biggest change of their share of "
            "all constraints first (constraints and share; - = not in that version):",
            "",
            md_table(("family", c.previous or "", tag, "change"), rows),
        ]
    else:
        lines += ["", "Every family has as many constraints as before."]
    s_old, s_new = c.scopes.get("old", {}), c.scopes.get("new", {})
    scopes = list(s_old) + [k for k in s_new if k not in s_old]
    scope_rows = [
        (f"`{k}`", _share(s_old.get(k, 0), total_old), _share(s_new.get(k, 0), total_new)) for k in scopes
    ]
    lines += ["", "Constraints per scope (the part of the output a constraint is checked on):", ""]
    return "\n".join(lines) + "\n" + md_table(("scope", c.previous or "", tag), scope_rows)


def _changelog(i: CardInputs) -> str:
    c = i.changelog
    if c.previous is None:
        return f"## Changelog\n\n{i.tag} is the first release."
    s = c.summary
    rows = [(f"`{name}`", *(d[k] for k in SPLIT_COUNTS)) for name, d in c.splits.items()]
    mix = f"\n\n{_family_mix(c, i.tag)}" if c.families else ""
    return f"""## Changelog

Changes from {c.previous} to {i.tag} (`mathif diff`; items are matched by split
and problem, an item changes when its constraints or its gold answer do, and a
problem that left one tier of a split for another tier of it is moved):
{s["added"]} added, {s["removed"]} removed, {s["moved"]} moved to another tier,
{s["changed"]} changed, {s["unchanged"]} unchanged ({s["old_items"]} items before,
{s["new_items"]} now).  A moved item counts in the split it left (moved out) and in
the one it came to (moved in).

{md_table(("split", c.previous, i.tag, "added", "removed", "moved in", "moved out", "changed"), rows)}{mix}"""


def _citation(i: CardInputs) -> str:
    return f"""## Citation

This benchmark follows MathIF and uses IFEval's constraint families: please cite
the MathIF paper ({PAPER_URL}) and IFEval ({IFEVAL_URL}), and name the version you
used, {i.repo} at revision {i.tag} ({HUB_URL}/datasets/{i.repo}/tree/{i.tag}),
built with mathif {i.manifest.tool_version}.

```bibtex
{MATHIF_BIBTEX}

{IFEVAL_BIBTEX}
```"""


PARTS = (
    _intro,
    _measures,
    _uses,
    _configs,
    _licences,
    _columns,
    _evaluate,
    _scoring,
    _families,
    _building,
    _risks,
    _changelog,
    _citation,
)


def render_card(inputs: CardInputs) -> str:
    """The README.md of a version (front matter + body), as text."""
    from huggingface_hub import DatasetCard

    body = "\n\n".join(part(inputs) for part in PARTS) + "\n"
    card = DatasetCard(f"---\n{card_data(inputs).to_yaml()}\n---\n\n{body}")
    return str(card)
