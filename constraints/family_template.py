"""The starting point ``mathif constraints new NAME`` writes: a working family and its
tests, to be edited into the family one has in mind.

Two layouts: loose files (the module and its tests, to drop into a package of one's
own), or a pip-installable package that registers the family through the entry point
group ``mathif.constraints``.  Two shapes: a family with an argument, or without any.
The example family of the template checks a "Check:" line; every text it writes says
so, and marks ``doc`` and ``source`` TODO until they are rewritten.

Names, for NAME ``check_line``: family ``custom:check_line``, module
``constraint_check_line.py``; as a package: distribution ``mathif-check-line``, import
package ``mathif_check_line``, entry point ``check_line =
"mathif_check_line.constraint_check_line:FAMILY"``, version 0.1.0.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import PurePosixPath

# Lower-case words of letters and digits joined by single "_": a module name, an entry point
# name, and (with "_" as "-") a valid distribution name.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
NAME_MAX = 40
NAME_RULE = (
    "use lower-case letters and digits, words joined by single _, starting with a letter "
    f"(at most {NAME_MAX} characters), e.g. check_line"
)
PACKAGE_VERSION = "0.1.0"


def valid_name(name: str) -> bool:
    return len(name) <= NAME_MAX and NAME_PATTERN.fullmatch(name) is not None


def family_id(name: str) -> str:
    return f"custom:{name}"


def module_name(name: str) -> str:
    return f"constraint_{name}"


def module_filename(name: str) -> str:
    return f"{module_name(name)}.py"


def tests_filename(name: str) -> str:
    return f"test_{module_name(name)}.py"


def distribution_name(name: str) -> str:
    """``mathif-check-line``: what ``pip`` and a build's manifest call the package."""
    return "mathif-" + name.replace("_", "-")


def package_name(name: str) -> str:
    """``mathif_check_line``: what Python imports."""
    return f"mathif_{name}"


def entry_point_value(name: str) -> str:
    return f"{package_name(name)}.{module_name(name)}:FAMILY"


@dataclass(frozen=True)
class NewFile:
    """A file to write: its path relative to the folder written into, and its text."""

    path: PurePosixPath
    text: str


def loose_files(name: str, *, with_args: bool = True) -> tuple[NewFile, ...]:
    """The module and its tests, side by side (the tests import the module beside them)."""
    return (
        NewFile(PurePosixPath(module_filename(name)), render_module(name, with_args=with_args)),
        NewFile(PurePosixPath(tests_filename(name)), render_tests(name, with_args=with_args)),
    )


def package_files(name: str, *, with_args: bool = True, mathif_version: str = "") -> tuple[NewFile, ...]:
    """A package to ``pip install``: pyproject.toml, README.md, the import package holding
    the family, and tests/ (they also check that the installed entry point gives it)."""
    package = PurePosixPath(package_name(name))
    return (
        NewFile(PurePosixPath("pyproject.toml"), _fill(_PYPROJECT, name, mathif=_dependency(mathif_version))),
        NewFile(
            PurePosixPath("README.md"),
            _fill(_README, name, example=_wrapped(_fill(_README_INTRO, name, example=_example(with_args)))),
        ),
        NewFile(package / "__init__.py", _fill(_INIT, name)),
        NewFile(package / module_filename(name), render_module(name, with_args=with_args, packaged=True)),
        NewFile(
            PurePosixPath("tests") / tests_filename(name),
            render_tests(name, with_args=with_args, packaged=True),
        ),
    )


def render_module(name: str, *, with_args: bool = True, packaged: bool = False) -> str:
    return _fill(
        _MODULE_DOC + (_BODY_ARGS if with_args else _BODY_NO_ARGS),
        name,
        placeholder=_wrapped(_fill(_PLACEHOLDER, name, example=_example(with_args))),
        register=_REGISTERED if packaged else _REGISTER,
    )


def render_tests(name: str, *, with_args: bool = True, packaged: bool = False) -> str:
    return _fill(
        _TESTS_HEAD
        + (_IMPORT_PACKAGED if packaged else _IMPORT_LOOSE)
        + _TESTS
        + (_BAD_ARGS if with_args else _BAD_NO_ARGS)
        + (_ENTRY_POINT_TEST if packaged else ""),
        name,
    )


def _wrapped(text: str) -> str:
    return textwrap.fill(text, width=80, break_on_hyphens=False, break_long_words=False)


def _example(with_args: bool) -> str:
    return (
        'that some line starts with a label ("Check" or "Verification", its one argument) '
        "and a colon, followed by text"
        if with_args
        else 'that some line starts with "Check:" followed by text; it takes no arguments'
    )


def _dependency(version: str) -> str:
    """``mathif>=0.2`` for mathif 0.2.x (the family API it was written against); plain
    ``mathif`` when the version is not a release number."""
    parts = version.split(".")
    if len(parts) >= 2 and all(p.isdigit() for p in parts[:2]):
        return f"mathif>={parts[0]}.{parts[1]}"
    return "mathif"


def _fill(template: str, name: str, **parts: str) -> str:
    for key, text in parts.items():
        template = template.replace(f"__{key.upper()}__", text)
    return (
        template.replace("__DIST__", distribution_name(name))
        .replace("__PACKAGE__", package_name(name))
        .replace("__MODULE__", module_name(name))
        .replace("__VERSION__", PACKAGE_VERSION)
        .replace("__ENTRY__", entry_point_value(name))
        .replace("__NAME__", name)
    )


_PLACEHOLDER = (
    "Written by ``mathif constraints new __NAME__``, this is not your family yet: it is the "
    "template's example, which checks __EXAMPLE__.  It meets the family contract and its tests "
    "pass; change it into your family, keeping them passing.  Say in ``doc`` what it checks and "
    "in ``source`` where the idea comes from (a benchmark, a paper, a style guide): ``mathif "
    "constraints list`` and ``show`` print both, and they say TODO until you do."
)


_MODULE_DOC = '''"""custom:__NAME__ -- a placeholder, to be replaced by the family you have in mind.

__PLACEHOLDER__

A family is immutable data plus pure functions (see constraints/base.py):
- params -> its arguments (none: every instance is the same);
- sample(rng, context) -> args: seeded; context has the question and answer;
- describe(args) -> the instruction shown to the model;
- check(response, args) -> bool, total: never raises, on any string;
- witness / counterexample -> a response that meets / breaks the instance;
- compose(text, args, rng) -> text changed to also meet the instance: its
  step in an item's joint witness, run at ``phase`` (constraints/joint.py);
- conflicts -> ids of families it can never be combined with.
Model output is untrusted: never eval, exec or sympify it, and keep ``check``
linear in its length (no pattern that backtracks, no re-reading it in a loop;
``benchmarks/hostile_bench.py`` times checkers on hostile 5 MB texts).  Data
files are untrusted too: give an "int" parameter a ``maximum`` (and a string a
``max_length``) so that absurd arguments are refused, not built into a witness.

__REGISTER__
"""
'''

_REGISTER = """Register it from your package's pyproject.toml (``mathif constraints new
__NAME__ --package DIR`` writes such a package):

    [project.entry-points."mathif.constraints"]
    __NAME__ = "your_package.__MODULE__:FAMILY"
"""

_REGISTERED = """The package registers it in ../pyproject.toml, through the entry point
``__NAME__`` of the group ``mathif.constraints``: once the package is installed
(``pip install -e .``), every mathif command sees the family."""

_BODY_ARGS = """
from __future__ import annotations

import random
import re

from constraints import Context, Family, Param
from constraints.base import PHASE_ADD, Args

LABELS = ("Check", "Verification")


def follows(response: str, args: Args) -> bool:
    pattern = rf"^[ \\t]*{re.escape(args['label'])}:[ \\t]*\\S"
    return re.search(pattern, response, flags=re.MULTILINE | re.IGNORECASE) is not None


def sample(rng: random.Random, ctx: Context) -> Args:
    return {"label": LABELS[rng.randrange(len(LABELS))]}


def describe(args: Args) -> str:
    return f'Add a line that starts with "{args["label"]}:" and checks your result.'


def witness(args: Args, rng: random.Random) -> str:
    return f"7 + 5 = 12.\\n{args['label']}: 12 - 5 = 7."


def counterexample(args: Args, rng: random.Random) -> str:
    return f"7 + 5 = 12. {args['label']} done."


def compose(text: str, args: Args, rng: random.Random) -> str:
    return text + f"\\n{args['label']}: it holds."


FAMILY = Family(
    id="custom:__NAME__",
    category="format",
    params=(Param("label", "choice", choices=LABELS, doc="how the check line starts"),),
    sample=sample,
    describe=describe,
    check=follows,
    witness=witness,
    counterexample=counterexample,
    compose=compose,
    phase=PHASE_ADD,
    conflicts=frozenset(),
    source="TODO: where the idea comes from",
    doc="TODO: what it checks (the template's example: some line starts with the "
    "label and a colon, followed by text, case-insensitive)",
)
"""

_BODY_NO_ARGS = """
from __future__ import annotations

import random
import re

from constraints import Context, Family
from constraints.base import PHASE_ADD, Args

LABEL = "Check"
LINE = re.compile(rf"^[ \\t]*{LABEL}:[ \\t]*\\S", flags=re.MULTILINE | re.IGNORECASE)


def follows(response: str, args: Args) -> bool:
    return LINE.search(response) is not None


def sample(rng: random.Random, ctx: Context) -> Args:
    return {}  # no arguments


def describe(args: Args) -> str:
    return f'Add a line that starts with "{LABEL}:" and checks your result.'


def witness(args: Args, rng: random.Random) -> str:
    return f"7 + 5 = 12.\\n{LABEL}: 12 - 5 = 7."


def counterexample(args: Args, rng: random.Random) -> str:
    return f"7 + 5 = 12. {LABEL} done."


def compose(text: str, args: Args, rng: random.Random) -> str:
    return text + f"\\n{LABEL}: it holds."


FAMILY = Family(
    id="custom:__NAME__",
    category="format",
    params=(),
    sample=sample,
    describe=describe,
    check=follows,
    witness=witness,
    counterexample=counterexample,
    compose=compose,
    phase=PHASE_ADD,
    conflicts=frozenset(),
    source="TODO: where the idea comes from",
    doc="TODO: what it checks (the template's example: some line starts with "
    "Check and a colon, followed by text, case-insensitive)",
)
"""

_TESTS_HEAD = '''"""Tests of custom:__NAME__: the family contract, on the family alone and
beside the shipped families."""

from __future__ import annotations

import json
import random
'''

_IMPORT_LOOSE = """import sys
from pathlib import Path

import pytest

from constraints import ConstraintArgError, Context, Instance, Registry, make_instance
from constraints.joint import joint_witness, meets_all
from constraints.registry import SHIPPED

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the module beside this file
from __MODULE__ import FAMILY  # noqa: E402
"""

_IMPORT_PACKAGED = """
import pytest

from constraints import ConstraintArgError, Context, Instance, Registry, make_instance
from constraints.joint import joint_witness, meets_all
from constraints.registry import PLUGINS_ENV, SHIPPED, load_plugins

from __PACKAGE__.__MODULE__ import FAMILY
"""

_TESTS = """
QUESTION = "Natalia sold 48 clips in April and half as many in May. How many?"
CTX = Context(question=QUESTION, answer="72")
SEEDS = range(20)
HOSTILE = ["", " ", "\\x00", "\\ud800", "🙂" * 500, "a" * 200_000, "Check:", ":\\n" * 500]


def sampled(seed: int) -> dict:
    return FAMILY.validate(FAMILY.sample(random.Random(seed), CTX))


def test_registers_beside_the_shipped_families():
    registry = Registry([*SHIPPED, FAMILY])
    assert registry.get(FAMILY.id) is FAMILY
    assert ":" in FAMILY.id and FAMILY.source and FAMILY.category


def test_sampling_is_seeded():
    assert [sampled(s) for s in SEEDS] == [sampled(s) for s in SEEDS]


def test_args_round_trip_through_json():
    for seed in SEEDS:
        args = sampled(seed)
        assert FAMILY.validate(json.loads(json.dumps(args))) == args


def test_witness_passes_and_counterexample_fails():
    for seed in SEEDS:
        args = sampled(seed)
        good = FAMILY.witness(args, random.Random(seed))
        bad = FAMILY.counterexample(args, random.Random(seed))
        assert FAMILY.check(good, args) is True and FAMILY.check(bad, args) is False
        assert FAMILY.describe(args).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_check_is_total(text):
    for seed in SEEDS:
        assert FAMILY.check(text, sampled(seed)) in (True, False)


def test_joint_witness_with_mathif_families():
    for seed in SEEDS:
        instances = [
            Instance(FAMILY, sampled(seed)),
            make_instance("punctuation:no_comma", None),
            make_instance("change_case:english_lowercase", None),
        ]
        witness = joint_witness(instances, seed=seed)
        assert witness is not None and meets_all(witness, instances)
"""

_BAD_ARGS = '''

def test_bad_arguments_are_refused():
    """Data files are untrusted: missing, unknown or malformed arguments are refused."""
    args = sampled(0)
    for bad in ({}, args | {"not_an_argument": 1}, ["not", "an", "object"]):
        with pytest.raises(ConstraintArgError):
            FAMILY.validate(bad)
    # and values an argument must not take: edit these to your family's arguments
    for label in ("Nope", "", 3, None):
        with pytest.raises(ConstraintArgError):
            FAMILY.validate(args | {"label": label})
'''

_BAD_NO_ARGS = '''

def test_bad_arguments_are_refused():
    """It takes no arguments: None (or {}, as MathIF stores them) is its only
    instance, and a data file that gives it any is refused."""
    assert FAMILY.validate(None) == {} and FAMILY.validate({}) == {}
    for bad in ({"not_an_argument": 1}, ["not", "an", "object"], "text"):
        with pytest.raises(ConstraintArgError):
            FAMILY.validate(bad)
'''

_ENTRY_POINT_TEST = '''

def test_mathif_loads_it_from_the_installed_package(monkeypatch):
    """As every mathif command loads it: through the installed package's entry point."""
    monkeypatch.setenv(PLUGINS_ENV, "__NAME__")  # this plugin only
    load = load_plugins()
    assert not load.broken, [str(b) for b in load.broken]
    assert load.origins, "entry point __NAME__ not installed (pip install -e .)"
    (origin,) = load.origins
    assert origin.value == "__ENTRY__"
    assert origin.distribution == "__DIST__"
    assert origin.families == (FAMILY.id,)
    assert load.families == (FAMILY,)
'''

_INIT = '''"""__DIST__: the constraint family custom:__NAME__ for mathif."""

from .__MODULE__ import FAMILY

__all__ = ["FAMILY"]
'''

_PYPROJECT = """# Written by `mathif constraints new __NAME__ --package`: the constraint family custom:__NAME__
# as a package; mathif finds it through the entry point below once it is installed.
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "__DIST__"
version = "__VERSION__"
description = "The constraint family custom:__NAME__ for mathif."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["__MATHIF__"]

[project.optional-dependencies]
test = ["pytest>=8"]

# name = "module:object": mathif loads every installed entry point of this group
# (MATHIF_PLUGINS, when set, names the ones it may load)
[project.entry-points."mathif.constraints"]
__NAME__ = "__ENTRY__"

[tool.setuptools]
packages = ["__PACKAGE__"]

[tool.pytest.ini_options]
testpaths = ["tests"]
"""

_README_INTRO = (
    "It was written by `mathif constraints new __NAME__ --package`, and the family in "
    "`__PACKAGE__/__MODULE__.py` is still the template's example, which checks __EXAMPLE__.  "
    "Change it into your family, keeping the tests passing, and say what it checks (`doc`) and "
    "where the idea comes from (`source`)."
)

_README = """# __DIST__

The constraint family `custom:__NAME__` for mathif, as a package that registers it
through the entry point group `mathif.constraints`.

__EXAMPLE__

```sh
pip install -e .                         # from now on mathif sees custom:__NAME__
pytest tests                             # the family contract, and that mathif loads it
mathif constraints show custom:__NAME__
```

Use it in a recipe, beside MathIF's 15 families:

```toml
families = ["mathif", "custom:__NAME__"]
```

| what | name |
|---|---|
| distribution (pip) | `__DIST__` |
| import package | `__PACKAGE__` |
| entry point (`mathif.constraints`) | `__NAME__ = "__ENTRY__"` |
| family id | `custom:__NAME__` |

If `MATHIF_PLUGINS` is set, mathif loads only the entry points it names: add `__NAME__`.
A build records the plugin (distribution and version) in its manifest; verifying or
scoring that version needs the package installed too.
"""
