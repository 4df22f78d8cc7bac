"""Recipe parsing and the prompt template."""

from __future__ import annotations

import pytest

from curation.core.errors import InputError
from curation.core.prompts import DEFAULT_TEMPLATE, render_prompt
from curation.dataset.recipe import load_recipe
from tests.support.paths import ROOT

MINIMAL = """
version = "0.0.1"
seed = 1
[[splits]]
name = "toy"
sources = ["toy"]
quota = { single = 2, double = 1 }
"""


def write(tmp_path, text):
    p = tmp_path / "recipe.toml"
    p.write_text(text)
    return p


def test_shipped_v1_recipe_has_mathifs_shape():
    r = load_recipe(ROOT / "release" / "v1.0.0" / "recipe.toml")
    assert r.version == "1.0.0"
    totals = {t: sum(s.quota.get(t, 0) for s in r.splits) for t in (1, 2, 3)}
    assert totals == {1: 140, 2: 140, 3: 140}
    assert {s.name: s.sources for s in r.splits}["aime"] == ("aime24", "aime25")
    assert len(r.families) == 15
    gsm = next(s for s in r.splits if s.name == "gsm8k")
    assert r.overrides_for(gsm, "length_constraint_checkers:number_words")["num_words"].maximum == 512
    math = next(s for s in r.splits if s.name == "math500")
    assert r.overrides_for(math, "length_constraint_checkers:number_words")["num_words"].maximum == 1024


def test_minimal_recipe_defaults(tmp_path):
    r = load_recipe(write(tmp_path, MINIMAL))
    assert r.prompt_template == DEFAULT_TEMPLATE
    assert r.splits[0].quota == {1: 2, 2: 1}
    assert len(r.sha256) == 64


@pytest.mark.parametrize(
    "text,needle",
    [
        (MINIMAL.replace("seed = 1", 'seed = "x"'), "seed"),
        (MINIMAL.replace("single", "quadruple"), "quota.quadruple"),
        ('families = ["keywords:nope"]\n' + MINIMAL, "unknown constraint id"),
        (MINIMAL.replace('version = "0.0.1"', 'version = "0.0.1"\ncolour = 1'), "colour"),
        (MINIMAL + '[overrides."keywords:frequency"]\nbogus = 1\n', "bogus"),
        (MINIMAL + '[overrides."keywords:frequency"]\nfrequency = { min = 5, max = 1 }\n', "min <= max"),
        ("version = ", "not valid TOML"),
        ('prompt_template = "no placeholders"\n' + MINIMAL, "prompt_template"),
    ],
)
def test_bad_recipes_name_file_and_key(tmp_path, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_recipe(path)
    assert str(path) in str(err.value) and needle in str(err.value)


def test_prompt_spacing():
    descs = [
        "Your answer should be in Thai language, no other language is allowed. ",
        "Wrap your entire response with double quotation marks. ",
    ]
    prompt = render_prompt(DEFAULT_TEMPLATE, "What is $\\frac{1}{2}+{x}$? ", descs)
    assert prompt == (
        "What is $\\frac{1}{2}+{x}$? Let's think step by step and output the final answer within \\boxed{}. "
        "Your answer should be in Thai language, no other language is allowed. "
        "Wrap your entire response with double quotation marks."
    )
    assert "  " not in prompt
