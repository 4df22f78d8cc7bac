"""A third-party constraint family, packaged as one outside mathif would ship it.

It is registered only through the entry point group ``mathif.constraints``, in
``../pyproject.toml``: once ``pip install`` has installed the package, every
command of the tool sees the family ``demo:therefore_sign``.
"""

from __future__ import annotations

import random

from constraints import Family
from constraints.base import PHASE_ADD, Args

SIGN = "∴"


def _compose(text: str, args: Args, rng: random.Random) -> str:
    return text if SIGN in text else text + f" {SIGN}"


FAMILY = Family(
    id="demo:therefore_sign",
    category="format",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: f"Write the therefore sign {SIGN} before your final answer.",
    check=lambda r, a: SIGN in r,
    witness=lambda a, rng: f"7 + 5 = 12 {SIGN} the result is 12.",
    counterexample=lambda a, rng: "7 + 5 = 12 so the result is 12.",
    compose=_compose,
    phase=PHASE_ADD,
    source="a demonstration plugin (tests/support/plugin_pkg)",
    doc=f"The response contains the sign {SIGN}.",
)
