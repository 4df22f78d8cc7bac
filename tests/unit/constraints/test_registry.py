"""The registry and the entry-point group third-party packages use."""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from constraints import UnknownConstraintError, default_registry
from constraints.registry import (
    BUILTIN,
    ENTRY_POINT_GROUP,
    PLUGINS_ENV,
    Registry,
    _plugin_families,
    load_plugins,
)


def test_builtin_ids_are_mathif_ids():
    assert len(BUILTIN) == 15
    assert {f.category for f in BUILTIN} == {"length", "lexical", "format", "affix"}


def test_unknown_id_is_a_clear_error():
    with pytest.raises(UnknownConstraintError) as err:
        default_registry().get("keywords:nope")
    assert "keywords:nope" in str(err.value)


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="registered twice"):
        Registry([BUILTIN[0], BUILTIN[0]])


@pytest.fixture
def plugin_on_path(tmp_path, monkeypatch):
    pkg = tmp_path / "mathif_test_plugin"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            """
            from constraints import Family, Param

            FAMILY = Family(
                id="test_plugin:ends_with_period",
                category="format",
                params=(),
                sample=lambda rng, ctx: {},
                describe=lambda a: "End your response with a period.",
                check=lambda r, a: r.rstrip().endswith("."),
                witness=lambda a, rng: "Done.",
                counterexample=lambda a, rng: "Done",
                conflicts=frozenset({"startend:quotation"}),
                source="a test plugin",
            )
            """
        )
    )
    dist = tmp_path / "mathif_test_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mathif-test-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nends = mathif_test_plugin:FAMILY\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield
    sys.modules.pop("mathif_test_plugin", None)


def test_entry_point_family_is_registered(plugin_on_path, monkeypatch):
    assert _plugin_families() == []  # the tests allow no plugin unless they name it
    monkeypatch.setenv(PLUGINS_ENV, "ends")
    found = _plugin_families()
    assert [f.id for f in found] == ["test_plugin:ends_with_period"]
    reg = Registry([*BUILTIN, *found])
    fam = reg.get("test_plugin:ends_with_period")
    assert fam.check("ok.", {}) and not fam.check("ok", {})
    # declared conflicts become symmetric
    assert reg.type_conflict("startend:quotation", "test_plugin:ends_with_period")


def test_a_broken_installed_plugin_is_named_and_can_be_left_out(tmp_path, monkeypatch):
    (tmp_path / "mathif_broken_plugin.py").write_text("raise ImportError('no such thing')\n")
    dist = tmp_path / "mathif_broken_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mathif-broken-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nbroken = mathif_broken_plugin:FAMILY\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.delenv(PLUGINS_ENV)  # as outside the tests: every installed plugin
    load = load_plugins()  # never raises: the plugin is left out and named (issue 12)
    broken = [b for b in load.broken if b.entry_point == "broken"]
    assert [str(b) for b in broken] == [
        "plugin 'broken' from mathif-broken-plugin 0.1 failed to load: ImportError: no such thing"
    ]
    monkeypatch.setenv(PLUGINS_ENV, "")  # none
    assert _plugin_families() == [] and load_plugins().broken == ()
    monkeypatch.setenv(PLUGINS_ENV, "other, names")
    assert _plugin_families() == [] and load_plugins().broken == ()
    sys.modules.pop("mathif_broken_plugin", None)
