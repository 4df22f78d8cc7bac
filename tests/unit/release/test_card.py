"""The dataset card: Hub front matter, licences per config, uses and risks, how to evaluate
and how to score without the tool (whose code snippets are run here against the tool's own
functions), plugins, changelog and citation."""

from __future__ import annotations

import io
import re
import shlex
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constraints import default_registry
from constraints.base import SCOPE_SUFFIX
from curation.core import Manifest, PluginRecord
from curation.core.parquet import decode_record, hub_parquet_bytes
from curation.dataset import TIERS
from curation.dataset.recipe import Recipe, load_recipe
from curation.raw.sources import load_registry
from curation.release.card import (
    ALL_CONFIG,
    DATA_FILE,
    CardInputs,
    Changelog,
    ConfigInfo,
    commercial_license,
    hub_license,
    installed_project_urls,
    render_card,
    size_category,
)
from curation.scoring.split import split_response
from tests.support.paths import ROOT

REPO = "me/mathif"
FIRST = Changelog(None, {}, {})
REGISTRY = load_registry(ROOT / "raw" / "sources.toml")


def configs_of(recipe: Recipe, manifest: Manifest) -> list[ConfigInfo]:
    """The configs tree.py makes: one per split and tier (its sources' Hub ids), then ``all``."""
    configs = []
    for split in recipe.splits:
        labels = tuple(sorted(REGISTRY[s].hub_id for s in split.sources))
        for n in sorted(split.quota):
            name = f"{split.name}_{TIERS[n]}"
            configs.append(
                ConfigInfo(name, (DATA_FILE.format(config=name),), manifest.splits[name].rows, (n,), labels)
            )
    configs.append(
        ConfigInfo(
            ALL_CONFIG,
            tuple(c.paths[0] for c in configs),
            sum(c.rows for c in configs),
            tuple(sorted({t for c in configs for t in c.tiers})),
            tuple(sorted({s for c in configs for s in c.sources})),
        )
    )
    return configs


def card_inputs(
    version: str = "v1.0.0", changelog: Changelog = FIRST, splits: int | None = None
) -> CardInputs:
    """A recorded version's card inputs (``splits``: only the recipe's first N splits)."""
    recipe = load_recipe(ROOT / "release" / version / "recipe.toml")
    if splits is not None:
        recipe = replace(recipe, splits=recipe.splits[:splits])
    manifest = Manifest.read(ROOT / "release" / version / "manifest.json")
    return CardInputs(
        tag=version,
        repo=REPO,
        description="A test version.",
        recipe=recipe,
        manifest=manifest,
        sources=[REGISTRY[s] for s in recipe.sources],
        families=[default_registry().get(f) for f in recipe.families],
        configs=configs_of(recipe, manifest),
        changelog=changelog,
        tool_version=manifest.tool_version,
        tool_urls=(),
    )


def card(inputs: CardInputs):
    from huggingface_hub import DatasetCard

    return DatasetCard(render_card(inputs))


def fenced(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, flags=re.M | re.S)


def licence_rows(text: str) -> dict[str, str]:
    """config -> its "commercial use" cell in the per-config licence table."""
    section = text.split("## Licences", 1)[1].split("\n## ", 1)[0]
    table = section.split("| config | sources and their licences | commercial use |", 1)[1].split("\n\n", 1)[
        0
    ]
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    return {cells[0].strip("| `"): cells[-1].rstrip(" |") for cells in rows}


# front matter ----------------------------------------------------------------------------------


def test_front_matter_parses_as_hub_card_data_with_license_other_sources_and_creators():
    inputs = card_inputs()
    data = card(inputs).data.to_dict()
    assert data["license"] == "other"
    assert data["license_name"] and data["license_link"] == "README.md"
    assert "non-commercial" in data["license_details"]
    assert data["source_datasets"] == [
        "openai/gsm8k",
        "HuggingFaceH4/MATH-500",
        "zwhe99/simplerl-minerva-math",
        "zwhe99/simplerl-OlympiadBench",
        "HuggingFaceH4/aime_2024",
        "yentinglin/aime_2025",
    ]
    assert set(data["annotations_creators"]) == {"expert-generated", "machine-generated"}
    assert data["language_creators"] and data["multilinguality"] == ["monolingual"]
    assert data["size_categories"] == ["n<1K"] and data["language"] == ["en"]
    assert data["task_categories"] and "math" in data["tags"] and data["pretty_name"]
    configs = {c["config_name"]: c for c in data["configs"]}
    assert list(configs) == [c.name for c in inputs.configs]
    assert configs["gsm8k_single"]["data_files"] == [
        {"split": "test", "path": "data/gsm8k_single/test-00000-of-00001.parquet"}
    ]
    assert configs[ALL_CONFIG]["data_files"][0]["path"] == [c.paths[0] for c in inputs.configs[:-1]]
    assert configs[ALL_CONFIG].get("default") is True


def test_front_matter_of_a_version_of_permissive_sources_says_commercial_use_is_allowed():
    data = card(card_inputs(splits=2)).data.to_dict()  # gsm8k and math500: MIT
    assert data["license"] == "other"
    assert data["source_datasets"] == ["openai/gsm8k", "HuggingFaceH4/MATH-500"]
    assert "non-commercial" not in data["license_details"]


# licences --------------------------------------------------------------------------------------


def test_licence_table_marks_mit_only_configs_commercial_and_all_non_commercial():
    text = render_card(card_inputs())
    rows = licence_rows(text)
    assert set(rows) == {c.name for c in card_inputs().configs}
    for name in ("gsm8k_single", "math500_triple", "olympiad_double"):  # MIT, MIT, Apache-2.0
        assert rows[name] == "yes", name
    for name in ("minerva_single", "aime_double", ALL_CONFIG):  # CC-BY-NC-SA-4.0, (c) MAA
        assert rows[name] == "**no**", name
    assert "`zwhe99/simplerl-minerva-math`: CC-BY-NC-SA-4.0" in text


def test_a_non_commercial_notice_names_the_restricted_sources_and_the_usable_configs():
    text = render_card(card_inputs())
    notice = text.split("> **Non-commercial use only.**", 1)[1].split("\n\n", 1)[0]
    assert f"`{ALL_CONFIG}`" in notice
    assert "> - `zwhe99/simplerl-minerva-math`: CC-BY-NC-SA-4.0" in notice
    assert "> - `HuggingFaceH4/aime_2024`: problems (c) MAA; research use" in notice
    assert "`gsm8k_single`" in notice and "`minerva_single`" not in notice
    # the commercial configs read together, none with a restricted source
    block = next(b for b in fenced(text, "python") if "concatenate_datasets" in b)
    assert '"olympiad_triple"' in block and '"minerva' not in block and '"aime' not in block


def test_a_version_of_permissive_sources_has_no_notice_and_all_is_commercial():
    text = render_card(card_inputs(splits=2))
    assert "Non-commercial use only" not in text
    assert licence_rows(text)[ALL_CONFIG] == "yes"
    assert "concatenate_datasets" not in text


def test_a_source_the_registry_does_not_know_is_not_commercial():
    inputs = card_inputs(splits=1)
    odd = ConfigInfo("gsm8k_single", inputs.configs[0].paths, 3, (1,), ("someone/else",))
    text = render_card(replace(inputs, configs=[odd, inputs.configs[-1]]))
    assert licence_rows(text)["gsm8k_single"] == "**no**"
    assert "`someone/else`: unknown (not in the source registry)" in text


@pytest.mark.parametrize(
    "licence, commercial",
    [
        ("MIT", True),
        ("Apache-2.0", True),
        ("CC-BY-NC-SA-4.0", False),
        ("cc-by-nc-4.0", False),
        ("problems (c) MAA; research use", False),
    ],
)
def test_commercial_licences(licence, commercial):
    assert commercial_license(licence) is commercial


# sections and links ---------------------------------------------------------------------------


def test_card_has_the_hub_sections_and_links():
    text = render_card(card_inputs())
    for heading in (
        "## Uses",
        "### Out-of-scope use",
        "## Bias, Risks and Limitations",
        "## Scoring without mathif",
        "## Licences",
        "## Citation",
    ):
        assert f"\n{heading}\n" in text, heading
    risks = text.split("## Bias, Risks and Limitations", 1)[1].split("\n## ", 1)[0]
    assert "Contamination" in risks and "GSM8K" in risks and "MATH" in risks
    assert "--fix-quirks" in risks and "Scopes" in risks
    assert "https://arxiv.org/abs/2505.14810" in text
    assert "https://github.com/TingchenFu/MathIF" in text
    assert "Built with mathif 0.2.0" in text


def test_tool_links_come_from_the_inputs_and_none_are_invented():
    inputs = card_inputs()
    plain = render_card(inputs)
    assert "written by mathif" not in plain
    linked = render_card(replace(inputs, tool_urls=(("Homepage", "https://example.org/mathif"),)))
    assert "Built with mathif 0.2.0, [Homepage](https://example.org/mathif)" in linked
    newer = render_card(replace(inputs, tool_version="0.3.0"))
    assert "Built with mathif 0.2.0 (this card was written by mathif 0.3.0)" in newer


def test_project_urls_are_read_from_the_distribution_metadata(monkeypatch):
    import importlib.metadata

    class Meta:
        def get_all(self, name):
            assert name == "Project-URL"
            return ["Homepage, https://example.org/mathif", "Broken, not-a-url"]

    monkeypatch.setattr(importlib.metadata, "metadata", lambda dist: Meta())
    assert installed_project_urls() == (("Homepage", "https://example.org/mathif"),)

    class NoUrls:
        def get_all(self, name):
            return None

    monkeypatch.setattr(importlib.metadata, "metadata", lambda dist: NoUrls())
    assert installed_project_urls() == ()


def test_citation_has_authors_and_years_and_names_the_version():
    text = render_card(card_inputs())
    citation = text.split("## Citation", 1)[1]
    bib = fenced(citation, "bibtex")[0]
    assert "@article{fu2025scaling" in bib and "@article{zhou2023instruction" in bib
    assert bib.count("author  = {") == 2 and "year    = {2025}" in bib and "year    = {2023}" in bib
    assert f"{REPO} at revision v1.0.0" in citation
    assert bib.index("fu2025scaling") < bib.index("zhou2023instruction")


# evaluating ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1.0.0", "v2.0.0"])
def test_the_eval_command_is_one_well_formed_line_in_a_sh_block(version):
    text = render_card(card_inputs(version))
    expected = f"mathif eval {REPO}@{version} --model MODEL --backend vllm --out runs/MODEL"
    lines = [line for line in text.splitlines() if line.lstrip().startswith("mathif eval")]
    assert lines == [expected]
    blocks = [b for b in fenced(text, "sh") if "mathif eval" in b]
    assert blocks == [expected + "\n"]
    args = shlex.split(expected.replace("MODEL", "/models/tiny"))
    assert args[:3] == ["mathif", "eval", f"{REPO}@{version}"]
    assert args[3:] == ["--model", "/models/tiny", "--backend", "vllm", "--out", "runs//models/tiny"]
    score = f"mathif score --data {REPO}@{version} --generations generations.jsonl --out scores/"
    assert [b for b in fenced(text, "sh") if "mathif score" in b] == [score + "\n"]
    assert '{"key": "gsm8k_single.jsonl:1", "output": ' in text


def test_the_pinned_snapshot_route_is_shown():
    text = render_card(card_inputs())
    assert 'snapshot_download("me/mathif", repo_type="dataset", revision="v1.0.0")' in text
    assert 'load_dataset(path, name="gsm8k_single", split="test")' in text


# scopes and scoring without mathif ------------------------------------------------------------


def test_borrowed_families_are_said_to_give_their_sources_verdicts():
    v2 = render_card(card_inputs("v2.0.0"))
    scoring = v2.split("## Scoring without mathif", 1)[1].split("\n## ", 1)[0]
    borrowed = scoring.split("carry the ids of open-instruct's IFEvalG or of IFBench", 1)[1].split("\n\n", 1)[
        0
    ]
    for fid in ("first_word:first_word_answer", "keywords:word_once", "format:sub-bullets"):
        assert f"`{fid}`" in borrowed
    assert "`math:single_boxed`" not in borrowed and "`punctuation:no_comma`" not in borrowed
    assert "with `--fix-quirks` mathif's own" in borrowed
    table = v2.split("## Constraint families", 1)[1]
    assert "IFEvalG's" in table and "IFBench's" in table
    v1 = render_card(card_inputs("v1.0.0"))  # MathIF's 15 only: nothing borrowed to explain
    assert "IFEvalG" not in v1


def test_a_scoped_version_explains_the_reasoning_trace_scopes():
    text = render_card(card_inputs("v2.0.0"))
    scoring = text.split("## Scoring without mathif", 1)[1].split("\n## ", 1)[0]
    assert "checked on the **reasoning trace**" in scoring
    assert "answer 80%, reasoning 10%, both 10%" in scoring
    assert SCOPE_SUFFIX["reasoning"] in scoring and SCOPE_SUFFIX["both"] in scoring
    assert "A null `constraint_scope` means `answer` for every constraint" in scoring
    assert "an empty reasoning for a `reasoning` or `both` constraint" in scoring
    assert "This version has no scopes" not in text
    # the families with no IFEval checker are named
    assert "`math:single_boxed`" in scoring and "have no IFEval checker" in scoring


def test_an_unscoped_version_says_every_constraint_is_checked_on_the_answer():
    text = render_card(card_inputs("v1.0.0"))
    assert "This version has no scopes" in text
    assert "every\nconstraint is checked on the answer" in text
    assert "reasoning trace**" not in text and SCOPE_SUFFIX["both"] not in text
    assert "Every constraint is checked on the final answer only" in text
    assert "have no IFEval checker" not in text  # MathIF's 15 only


def test_the_card_keeps_mathif_quirks_described():
    scoring = render_card(card_inputs()).split("## Scoring without mathif", 1)[1]
    assert "regular expressions matched case-insensitively" in scoring
    assert "any line starting with `-` is a bullet" in scoring
    assert "cannot be detected follows the language" in scoring
    assert "`constraint_args` one JSON text per constraint" in scoring


def _snippet(text: str, start: str, **given) -> dict:
    """The names a python block of the card defines, run with ``given`` as its globals."""
    block = next(b for b in fenced(text, "python") if b.lstrip().startswith(start))
    namespace: dict = dict(given)
    exec(block, namespace)  # noqa: S102 - the card's own example code
    return namespace


SPLIT_FN = _snippet(render_card(card_inputs()), "def split_output")
PIECES = ["<think>", "</think>", "<answer>", "</answer>", "a", " ", "\n", "x y", "\\boxed{4}"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8).map("".join))
def test_the_cards_split_rule_is_mathifs(output):
    split_output = SPLIT_FN["split_output"]
    parts = split_response(output, "mathif")
    assert split_output(output) == (parts.reasoning, parts.answer)


def test_the_cards_decoder_gives_the_built_rows_in_their_order():
    import pyarrow.parquet as pq

    from tests.unit.release.test_parts import ROWS, row

    scoped = row(constraint_scope=["both"])
    scoped = {k: scoped[k] for k in (*list(row())[:7], "constraint_scope", *list(row())[7:])}
    rows = [*ROWS, scoped]
    published = pq.read_table(io.BytesIO(hub_parquet_bytes(rows))).to_pylist()
    names = _snippet(render_card(card_inputs()), "import json", ds=published)
    to_item = names["to_item"]
    assert names["item"] == rows[0]
    items = [to_item(r) for r in published]
    assert items == rows == [decode_record(r) for r in published]
    assert [list(i) for i in items] == [list(r) for r in rows]


# plugins ---------------------------------------------------------------------------------------


def test_plugins_are_listed_only_when_the_version_has_some():
    inputs = card_inputs()
    assert "### Plugins" not in render_card(inputs)
    plugin = PluginRecord("mathif-demo-plugin", "0.1.0", "demo", ("demo:shout", "demo:whisper"))
    text = render_card(replace(inputs, manifest=replace(inputs.manifest, plugins=(plugin,))))
    section = text.split("### Plugins", 1)[1].split("\n## ", 1)[0]
    assert "Install" in section
    assert "| `mathif-demo-plugin` | `0.1.0` | `demo` | `demo:shout`, `demo:whisper` |" in section


# changelog, stability, helpers -------------------------------------------------------------------


SUMMARY = {
    "old_items": 400,
    "new_items": 420,
    "added": 30,
    "removed": 10,
    "moved": 4,
    "changed": 5,
    "unchanged": 381,
}
SPLITS = {
    "gsm8k_single": {
        "old": 25,
        "new": 30,
        "added": 5,
        "removed": 0,
        "moved_in": 3,
        "moved_out": 3,
        "changed": 1,
    }
}


def changelog_of(**fields) -> str:
    """The changelog section of a card against v0.9.0, its whitespace made single spaces."""
    text = render_card(card_inputs(changelog=Changelog("v0.9.0", SUMMARY, SPLITS, **fields)))
    section = text.split("## Changelog", 1)[1].split("\n## ", 1)[0]
    return " ".join(section.split())


def test_card_changelog_gives_the_diff_against_the_previous_version():
    text = changelog_of()
    assert "Changes from v0.9.0 to v1.0.0" in text
    assert (
        "30 added, 10 removed, 4 moved to another tier, 5 changed, 381 unchanged (400 items before, 420 now)"
        in text
    )
    assert "| split | v0.9.0 | v1.0.0 | added | removed | moved in | moved out | changed |" in text
    assert "| `gsm8k_single` | 25 | 30 | 5 | 0 | 3 | 3 | 1 |" in text
    assert "first release" not in text
    assert "Constraint families" not in text  # no mix given: none shown
    assert "v1.0.0 is the first release." in render_card(card_inputs())


def test_card_changelog_summarises_the_family_and_scope_mix():
    families = {"old": {"a:x": 6, "b:y": 2}, "new": {"a:x": 2, "b:y": 2, "c:z": 4, "d:w": 2}}
    scopes = {
        "old": {"answer": 8, "reasoning": 0, "both": 0},
        "new": {"answer": 6, "reasoning": 3, "both": 1},
    }
    text = changelog_of(families=families, scopes=scopes)
    assert "Constraint families: 2 → 4 (8 constraints before, 10 now)." in text
    assert "- New (2): `c:z`, `d:w`. - Removed: none." in text
    # biggest change of share first (a:x 75% -> 20%, c:z 0 -> 40%, d:w 0 -> 20%); b:y kept its count
    table = text.split("| family | v0.9.0 | v1.0.0 | change | |---|---|---|---| ", 1)[1]
    assert table.startswith(
        "| `a:x` | 6 (75.0%) | 2 (20.0%) | -4 | | `c:z` | - | 4 (40.0%) | +4 | | `d:w` | - | 2 (20.0%) | +2 | Constraints"
    )
    assert (
        "| `answer` | 8 (100.0%) | 6 (60.0%) | | `reasoning` | 0 (0.0%) | 3 (30.0%) | | `both` | 0 (0.0%) | 1 (10.0%) |"
        in text
    )


def test_card_changelog_shows_the_ten_biggest_family_changes_and_says_when_none_changed():
    old = {f"f:{n:02d}": 10 for n in range(12)}
    new = {f"f:{n:02d}": 10 + n for n in range(12)}
    scopes = {"old": {"answer": 120}, "new": {"answer": sum(new.values())}}
    text = changelog_of(families={"old": old, "new": new}, scopes=scopes)
    assert "The families whose number of constraints changed (the 10 of 11 whose share moved most)" in text
    rows = re.findall(r"\| `(f:\d\d)` \|", text)
    assert len(rows) == 10 and "f:00" not in rows  # f:00 kept its count; the smallest shift left out
    same = changelog_of(
        families={"old": old, "new": old}, scopes={"old": {"answer": 120}, "new": {"answer": 120}}
    )
    assert "New: none. - Removed: none. Every family has as many constraints as before." in same
    assert "| `answer` | 120 (100.0%) | 120 (100.0%) |" in same


def test_card_lists_every_family_the_counts_and_the_columns():
    inputs = card_inputs()
    text = render_card(inputs)
    for family in inputs.families:
        assert f"| `{family.id}` |" in text
    assert "| `aime_single` | 20 |" in text
    assert "| `subset` | string |" in text and "| `split` |" not in text


def test_card_is_stable():
    inputs = card_inputs("v2.0.0")
    assert render_card(inputs) == render_card(inputs)


def test_an_empty_split_renders_with_no_licence_verdict():
    inputs = card_inputs()
    empty = ConfigInfo("gsm8k_triple", (DATA_FILE.format(config="gsm8k_triple"),), 0, (), ())
    text = render_card(replace(inputs, configs=[empty, inputs.configs[-1]]))
    assert "| `gsm8k_triple` | 0 | - |  |" in text
    assert "| `gsm8k_triple` | (no items) | - |" in text


@pytest.mark.parametrize(
    "n, label", [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (10_000, "10K<n<100K"), (10**6, "100K<n<1M")]
)
def test_size_category(n, label):
    assert size_category(n) == label


def test_hub_licences():
    assert hub_license("MIT") == "mit"
    assert hub_license("CC-BY-NC-SA-4.0") == "cc-by-nc-sa-4.0"
    assert hub_license("problems (c) MAA; research use") == "other"


# authoring: filters, per-split families and weights are in "How the items are built" -----------


def test_the_card_shows_filters_split_families_and_weights():
    from curation.dataset.recipe import MetadataFilter

    inputs = card_inputs("v1.0.0")
    recipe = inputs.recipe
    first, second, *rest = recipe.splits
    first = replace(
        first, filters=(MetadataFilter("level", minimum=4),), weights={"punctuation:no_comma": 3.0}
    )
    second = replace(second, families=("punctuation:no_comma", "change_case:english_lowercase"))
    text = render_card(replace(inputs, recipe=replace(recipe, splits=(first, second, *rest))))
    section = text.split("## How the items are built", 1)[1].split("\n## ", 1)[0]
    assert (
        "| split | sources | kept by the filter | items per number of constraints | stratified by | families |"
        in section
    )
    assert f"| `{first.name}` | gsm8k | level >= 4 |" in section
    assert "| `punctuation:no_comma`, `change_case:english_lowercase` |" in section
    assert f"- `{first.name}`: `punctuation:no_comma` 3; every other family 1" in section
    assert "A split with a filter draws only the problems" in section


def test_a_card_without_them_keeps_its_table():
    section = (
        render_card(card_inputs("v1.0.0")).split("## How the items are built", 1)[1].split("\n## ", 1)[0]
    )
    assert "| split | sources | items per number of constraints | stratified by |" in section
    assert "drawn with weights" not in section and "kept by the filter" not in section
