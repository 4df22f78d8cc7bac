"""Constraint families for MathIF-style benchmarks.

Each family is immutable data plus pure functions (see ``constraints.base``);
``constraints.registry`` lists them and loads third-party families from the
``mathif.constraints`` entry-point group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import (
    CATEGORIES,
    RELATIONS,
    ConstraintArgError,
    Context,
    Family,
    Instance,
    Param,
    UnknownConstraintError,
)
from .registry import (
    BrokenPlugin,
    PluginOrigin,
    Registry,
    UnknownFamilyError,
    broken_plugins,
    default_registry,
    families,
    get,
    plugin_origin,
)
from .semantics import CHECKER_SEMANTICS, UNRECORDED_SEMANTICS
from .text import warm_up


def make_instance(
    family_id: str, args: Mapping[str, Any] | None, registry: Registry | None = None
) -> Instance:
    """Validate ``args`` for ``family_id``; raises UnknownConstraintError or ConstraintArgError."""
    family = (registry or default_registry()).get(family_id)
    return Instance(family, family.validate(args))


__all__ = [
    "warm_up",
    "CATEGORIES",
    "CHECKER_SEMANTICS",
    "RELATIONS",
    "UNRECORDED_SEMANTICS",
    "BrokenPlugin",
    "ConstraintArgError",
    "Context",
    "Family",
    "Instance",
    "Param",
    "PluginOrigin",
    "Registry",
    "UnknownConstraintError",
    "UnknownFamilyError",
    "broken_plugins",
    "default_registry",
    "families",
    "get",
    "make_instance",
    "plugin_origin",
]
