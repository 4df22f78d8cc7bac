"""The layout is the map: the import rules of README.md's Layout section, enforced.

An AST walk over ``curation`` and ``constraints`` (every import, also those inside
functions) checks that
- each stage imports only the stages below it (``ALLOWED``), and ``core`` none;
- another stage is reached through its public face (``curation.X``, a name of its
  ``__all__``), never through its modules;
- only ``curation.cli`` imports typer and rich, and ``constraints`` imports no curation;
- the module import graph has no cycle;
- README.md's Layout table says the same as ``ALLOWED``.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import ROOT

ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "scoring": {"core"},
    "raw": {"core", "scoring"},
    "dataset": {"core", "scoring", "raw"},
    "evaluation": {"core", "scoring"},
    "release": {"core", "scoring", "raw", "dataset"},
    "integrations": {"core", "scoring", "evaluation"},
    "cli": {"core", "scoring", "raw", "dataset", "evaluation", "release", "integrations"},
}
UI_LIBRARIES = {"typer", "rich", "click"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. curation.dataset.build
    path: Path
    line: int
    target: str  # the imported module, e.g. curation.scoring
    names: tuple[str, ...]  # for ``from target import names``; () for ``import target``


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, path, node.lineno, alias.name, ())
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:  # relative: resolve against the package
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([target] if target else [])])
            yield Import(name, path, node.lineno, target, tuple(a.name for a in node.names))


def all_imports(top: str) -> list[Import]:
    return [i for p in sorted((ROOT / top).rglob("*.py")) for i in imports_of(p)]


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "curation" and len(parts) > 1 and parts[1] in ALLOWED else None


def where(i: Import) -> str:
    return f"{i.path.relative_to(ROOT)}:{i.line}: {i.module} imports {i.target}"


def test_every_stage_is_a_package_with_a_public_face():
    for stage in ALLOWED:
        init = ROOT / "curation" / stage / "__init__.py"
        assert init.is_file(), f"curation/{stage}/ is not a package"
        package = importlib.import_module(f"curation.{stage}")
        assert package.__doc__, f"curation/{stage}/__init__.py has no docstring saying what the stage does"
        if stage != "cli":
            assert package.__all__, f"curation.{stage} has no __all__"
            missing = [n for n in package.__all__ if not hasattr(package, n)]
            assert not missing, f"curation.{stage}.__all__ names what it does not have: {missing}"
    flat = sorted(p.name for p in (ROOT / "curation").glob("*.py") if p.name != "__init__.py")
    assert not flat, f"modules outside a stage: {flat}"


def test_stages_import_only_the_stages_below_them():
    bad = []
    for i in all_imports("curation"):
        mine, theirs = stage_of(i.module), stage_of(i.target)
        if mine is None or theirs is None or mine == theirs:
            continue
        if theirs not in ALLOWED[mine]:
            bad.append(where(i))
    assert not bad, "imports against the layout's rules:\n" + "\n".join(bad)


def test_other_stages_are_reached_through_their_public_face():
    bad = []
    for i in all_imports("curation"):
        mine, theirs = stage_of(i.module), stage_of(i.target)
        if mine is None or theirs is None or mine == theirs:
            continue
        face = importlib.import_module(f"curation.{theirs}")
        if i.target != f"curation.{theirs}" or not set(i.names) <= set(face.__all__):
            bad.append(where(i) + f" ({', '.join(i.names)})")
    assert not bad, "imports past another stage's public face:\n" + "\n".join(bad)


def test_only_the_cli_imports_typer_and_rich_and_constraints_imports_no_curation():
    bad = [
        where(i)
        for i in all_imports("curation")
        if i.target.split(".")[0] in UI_LIBRARIES and stage_of(i.module) != "cli"
    ]
    bad += [where(i) for i in all_imports("constraints") if i.target.split(".")[0] == "curation"]
    assert not bad, "\n".join(bad)


def test_core_imports_nothing_of_curation():
    bad = [
        where(i)
        for i in all_imports("curation")
        if stage_of(i.module) == "core" and i.target.startswith("curation") and stage_of(i.target) != "core"
    ]
    assert not bad, "\n".join(bad)


def _graph() -> dict[str, set[str]]:
    modules = {module_name(p) for top in ("curation", "constraints") for p in (ROOT / top).rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for top in ("curation", "constraints"):
        for i in all_imports(top):
            # ``from package import name`` names a submodule or something the package defines
            submodules = {f"{i.target}.{n}" for n in i.names} & modules
            targets = submodules if i.names and len(submodules) == len(i.names) else {i.target, *submodules}
            graph[i.module] |= {t for t in targets if t in modules and t != i.module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_module_graph_has_no_cycle():
    assert cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_the_readme_layout_table_states_the_rules(stage):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    row = re.search(rf"^\| `curation/{stage}/` \|(?P<what>[^|]+)\|(?P<imports>[^|]+)\|", section, re.M)
    assert row, f"README.md's Layout table has no row for curation/{stage}/"
    named = set(re.findall(r"`(\w+)`", row["imports"]))
    stated = set(ALLOWED) - {stage} if "every stage" in row["imports"] else named
    assert stated == ALLOWED[stage], f"README says curation/{stage}/ may import {sorted(stated)}"
