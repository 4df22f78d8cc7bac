"""A toy recipe and synthetic problems for build tests (no raw sources needed)."""

from __future__ import annotations

import random

from curation.core.problems import Problem

WORDS = "apple river stone cloud lamp tiger violin garden pencil rocket mirror candle ocean forest".split()

RECIPE = """
version = "0.1.0"
seed = 7
families = "mathif"
[overrides."length_constraint_checkers:number_words"]
num_words = { min = 100, max = 300 }

[[splits]]
name = "alpha"
sources = ["toy_a"]
quota = { single = 6, double = 6, triple = 6 }
stratify = ["level"]

[[splits]]
name = "beta"
sources = ["toy_b", "toy_c"]
quota = { single = 4, triple = 4 }
"""


def toy_problems():
    rng = random.Random(0)
    out = []
    for source, n in (("toy_a", 40), ("toy_b", 12), ("toy_c", 12)):
        for i in range(n):
            words = " ".join(rng.choice(WORDS) for _ in range(12))
            q = f"A {words} has {i + 3} parts, and each part weighs {2 * i + 1} grams. What is the total weight?"
            out.append(
                Problem(f"{source}/{i}", source, q, str((i + 3) * (2 * i + 1)), True, {"level": i % 3})
            )
    # a near duplicate of toy_a/0 in toy_b, and an ungradable problem
    out.append(Problem("toy_b/dup", "toy_b", out[0].question + " ", out[0].answer, True, {}))
    out.append(Problem("toy_a/bad", "toy_a", "What?", "", False, {"level": 0}))
    return out
