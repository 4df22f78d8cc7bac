"""Where plugin families come from, and plugins that fail to load (issue 12).

The registry knows, for each plugin family, the entry point and the installed
distribution (name, version) that provided it.  A plugin whose import raises, that
gives something other than families, or whose ids are taken is left out and
remembered as broken: loading never raises, the shipped families and the working
plugins stay, and asking for an unknown id names the broken plugins.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from constraints import (
    BrokenPlugin,
    PluginOrigin,
    UnknownConstraintError,
    UnknownFamilyError,
    broken_plugins,
    default_registry,
    plugin_origin,
)
from constraints.registry import (
    ENTRY_POINT_GROUP,
    PLUGINS_ENV,
    SHIPPED,
    SHIPPED_IDS,
    Registry,
    load_plugins,
    one_line,
)

pytest_plugins = ["tests.support.plugin_install"]  # the fixture demo_plugin: the demo package, installed

DEMO_ID = "demo:therefore_sign"

FAMILY_SOURCE = """
from constraints import Family

FAMILY = Family(
    id={fid!r},
    category="format",
    params=(),
    sample=lambda rng, ctx: {{}},
    describe=lambda a: "End with a tilde.",
    check=lambda r, a: r.rstrip().endswith("~"),
    witness=lambda a, rng: "Done ~",
    counterexample=lambda a, rng: "Done",
)
"""


def fake_plugin(root: Path, dist: str, version: str, entry_point: str, module: str, source: str) -> None:
    """An installed distribution on ``root`` (a folder on sys.path) whose entry point
    ``entry_point`` names ``module:FAMILY``."""
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry_point} = {module}:FAMILY\n")


@pytest.fixture
def plugins_on_path(demo_plugin, tmp_path, monkeypatch):
    """The demo plugin (installed by pip), and a folder to add fake plugins to; the modules are
    forgotten after."""
    monkeypatch.syspath_prepend(str(demo_plugin))
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    importlib.invalidate_caches()
    for name in set(sys.modules) - before:
        if name.startswith(("mathif_plugin_demo", "acme_")):
            sys.modules.pop(name, None)


def allow(monkeypatch, *names: str) -> None:
    monkeypatch.setenv(PLUGINS_ENV, ",".join(names))
    importlib.invalidate_caches()
    default_registry.cache_clear()


def test_a_plugin_family_knows_its_entry_point_and_distribution(plugins_on_path, monkeypatch):
    allow(monkeypatch, "therefore_sign")
    origin = plugin_origin(DEMO_ID)
    assert origin == PluginOrigin(
        entry_point="therefore_sign",
        value="mathif_plugin_demo:FAMILY",
        distribution="mathif-plugin-demo",
        version="0.1.0",
        families=(DEMO_ID,),
    )
    assert origin.label == "plugin 'therefore_sign' from mathif-plugin-demo 0.1.0"
    assert default_registry().plugins == (origin,)
    assert plugin_origin("punctuation:no_comma") is None  # shipped
    assert plugin_origin("acme:nope") is None  # unknown
    assert broken_plugins() == ()


def test_used_plugins_narrow_to_the_ids_used_sorted_by_entry_point(plugins_on_path, monkeypatch):
    fake_plugin(
        plugins_on_path,
        "acme-constraints",
        "1.2",
        "acme",
        "acme_two",
        """
        from constraints import Family
        from constraints.registry import SHIPPED

        def fam(fid):
            base = SHIPPED[0]
            return Family(**{**base.__dict__, "id": fid, "conflicts": frozenset()})

        FAMILY = [fam("acme:zeta"), fam("acme:alpha"), fam("acme:unused")]
        """,
    )
    allow(monkeypatch, "therefore_sign", "acme")
    reg = default_registry()
    assert [p.entry_point for p in reg.plugins] == ["acme", "therefore_sign"]
    used = reg.used_plugins(["acme:zeta", DEMO_ID, "acme:alpha", "punctuation:no_comma", "x:y"])
    assert [(p.entry_point, p.distribution, p.version, p.families) for p in used] == [
        ("acme", "acme-constraints", "1.2", ("acme:alpha", "acme:zeta")),
        ("therefore_sign", "mathif-plugin-demo", "0.1.0", (DEMO_ID,)),
    ]
    assert reg.used_plugins(SHIPPED_IDS) == ()
    assert reg.origin("acme:unused").families == ("acme:zeta", "acme:alpha", "acme:unused")


@pytest.mark.parametrize(
    ("source", "error"),
    [
        (
            "import acme_missing_dependency\n",
            "ModuleNotFoundError: No module named 'acme_missing_dependency'",
        ),
        ("raise RuntimeError('bad\\n  config')\n", "RuntimeError: bad config"),
        ("FAMILY = 'not a family'\n", "TypeError: entry point gave 'not a family', not a Family"),
        ("FAMILY = [1, 2]\n", "TypeError: entry point gave [1, 2], not a Family"),
        (
            "from constraints.registry import SHIPPED\nFAMILY = SHIPPED[0]\n",
            "ValueError: family id 'keywords:existence' is already registered by a shipped family",
        ),
        (
            FAMILY_SOURCE.format(fid="acme:x") + "FAMILY = [FAMILY, FAMILY]\n",
            "it gives family id 'acme:x' twice",
        ),
        ("FAMILY = None\n", "TypeError: entry point gave None"),
        (
            FAMILY_SOURCE.format(fid="acme:x")
            + "FAMILY = FAMILY.__class__(**{**FAMILY.__dict__, 'conflicts': 3})\n",
            "TypeError: acme:x: conflicts must be a set of family ids, got 3",
        ),
    ],
    ids=["import", "raises", "string", "list", "shipped-id", "twice", "none", "conflicts"],
)
def test_a_broken_plugin_is_remembered_and_the_rest_loads(plugins_on_path, monkeypatch, source, error):
    fake_plugin(plugins_on_path, "acme-constraints", "1.2", "acme", "acme_broken", source)
    allow(monkeypatch, "acme", "therefore_sign")
    reg = default_registry()  # does not raise
    assert DEMO_ID in reg and all(f.id in reg for f in SHIPPED)
    assert len(reg) == len(SHIPPED) + 1
    (broken,) = reg.broken
    assert (broken.entry_point, broken.distribution, broken.version) == ("acme", "acme-constraints", "1.2")
    assert broken.value == "acme_broken:FAMILY"
    assert error in broken.error and "\n" not in broken.error
    assert str(broken).startswith("plugin 'acme' from acme-constraints 1.2 failed to load: ")
    assert broken_plugins() == (broken,)
    assert reg.plugins == (plugin_origin(DEMO_ID),)


def test_an_unknown_id_names_the_broken_plugins(plugins_on_path, monkeypatch):
    fake_plugin(
        plugins_on_path, "acme-constraints", "1.2", "acme", "acme_rhyme", "import acme_no_such_thing\n"
    )
    allow(monkeypatch, "acme")
    with pytest.raises(UnknownConstraintError) as err:  # still the error every caller catches
        default_registry().get("acme:rhyme")
    assert isinstance(err.value, UnknownFamilyError) and err.value.family_id == "acme:rhyme"
    assert str(err.value) == (
        "unknown constraint id 'acme:rhyme' (plugin 'acme' from acme-constraints 1.2 failed to load: "
        "ModuleNotFoundError: No module named 'acme_no_such_thing')"
    )
    allow(monkeypatch)  # none allowed: nothing broken, the plain message
    with pytest.raises(UnknownConstraintError) as err:
        default_registry().get("acme:rhyme")
    assert str(err.value) == "unknown constraint id 'acme:rhyme'"
    assert "acme" in default_registry().left_out


def test_a_second_plugin_with_a_taken_id_is_the_broken_one(plugins_on_path, monkeypatch):
    fake_plugin(plugins_on_path, "acme-a", "1", "a_first", "acme_a", FAMILY_SOURCE.format(fid="acme:x"))
    fake_plugin(plugins_on_path, "acme-b", "2", "b_second", "acme_b", FAMILY_SOURCE.format(fid="acme:x"))
    allow(monkeypatch, "a_first", "b_second")
    reg = default_registry()
    assert plugin_origin("acme:x").distribution == "acme-a"
    (broken,) = reg.broken
    assert broken.entry_point == "b_second"
    assert "already registered by plugin 'a_first' from acme-a 1" in broken.error


def test_load_plugins_reports_without_registering():
    load = load_plugins()  # the tests allow no plugin
    assert load.families == () and load.origins == () and load.broken == ()


def test_a_registry_refuses_an_origin_for_a_family_it_lacks():
    ghost = PluginOrigin("ghost", "ghost:FAMILY", "ghost-dist", "1", ("ghost:family",))
    with pytest.raises(ValueError, match="not registered"):
        Registry(SHIPPED, [ghost])
    reg = Registry(SHIPPED, broken=[BrokenPlugin("b", "b:F", "b-dist", "3", "ImportError: x")])
    assert reg.origin("punctuation:no_comma") is None
    with pytest.raises(
        UnknownFamilyError, match=r"\(plugin 'b' from b-dist 3 failed to load: ImportError: x\)"
    ):
        reg.get("b:family")


def test_one_line_is_one_bounded_line():
    assert one_line(ValueError("a\nb\r\n  c")) == "ValueError: a b c"
    assert one_line(KeyError()) == "KeyError"
    assert len(one_line(ValueError("x" * 10_000))) == 300
