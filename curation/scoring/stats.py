"""The uncertainty of a score: 95% intervals, pass@k, majority vote and the paired test.

Pure and deterministic: every random draw comes from a generator seeded with
:data:`SEED`, so the same scores give the same intervals, run after run.

Which interval (the rule :func:`interval` applies, named in every record):

* ``wilson``: every item scores 0 or 1 (one sample per prompt: HAcc, correctness, a
  constraint followed or not).  The Wilson score interval of a binomial proportion; it
  stays inside [0, 1] and does not shrink to a point at 0% or 100%, as the bootstrap would.
* ``bootstrap``: items score shares (SAcc, means over several samples).  The percentile
  bootstrap over items: :data:`RESAMPLES` resamples of the items with replacement, the
  2.5th and 97.5th percentiles of their means.

The paired comparison of two runs on the same items (:func:`paired_difference`) resamples
the items' differences the same way, and tests "no difference" with a sign-flip
permutation test (each item's difference negated at random, :data:`PERMUTATIONS` times);
on 0/1 scores it is McNemar's exact test, by simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from curation.core import typed

LEVEL = 0.95
Z = 1.959963984540054  # the standard normal's 97.5th percentile
RESAMPLES = 2000
PERMUTATIONS = 10000
SEED = 0
SMALL = 30  # a cell with fewer items is marked small: its interval is wide, its rate rough
_CHUNK = 1 << 20  # draws held at once (flat memory whatever the item count)
_NUM = (int, float)
METHODS = ("wilson", "bootstrap")

INTERVALS_NOTE = (
    "95% intervals: Wilson score interval where every item scores 0 or 1, else a percentile "
    f"bootstrap over items ({RESAMPLES:,} resamples, seed {SEED})"
)


@dataclass(frozen=True)
class Interval:
    """A 95% interval of a rate, and how it was computed (one of :data:`METHODS`)."""

    low: float
    high: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "method": self.method}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Interval:
        method = typed(doc["method"], str, "method")
        if method not in METHODS:
            raise ValueError(f"interval method must be one of {', '.join(METHODS)}, got {method!r}")
        return cls(typed(doc["low"], _NUM, "low"), typed(doc["high"], _NUM, "high"), method)


def wilson(successes: int, n: int, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval of ``successes`` out of ``n`` (n > 0)."""
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact ends, no rounding dust
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def _resample_means(values: Any, resamples: int, seed: int) -> Any:
    """The means of ``resamples`` resamples (with replacement) of ``values``."""
    import numpy as np

    data = np.asarray(values, dtype=np.float64)
    n = len(data)
    rng = np.random.default_rng(seed)
    step = max(1, _CHUNK // n)
    means = [
        data[rng.integers(0, n, size=(min(step, resamples - start), n))].mean(axis=1)
        for start in range(0, resamples, step)
    ]
    return np.concatenate(means)


def _percentiles(draws: Any, level: float) -> tuple[float, float]:
    import numpy as np

    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return float(low), float(high)


def bootstrap(
    values: Sequence[float], resamples: int = RESAMPLES, seed: int = SEED, level: float = LEVEL
) -> tuple[float, float]:
    """The percentile bootstrap interval of the mean of ``values`` (not empty)."""
    return _percentiles(_resample_means(values, resamples, seed), level)


def interval(values: Sequence[float]) -> Interval | None:
    """The 95% interval of the mean of the items' ``values`` (None: no item); see the module."""
    n = len(values)
    if n == 0:
        return None
    if all(v in (0, 1) for v in values):
        low, high = wilson(int(sum(values)), n)
        return Interval(low, high, "wilson")
    low, high = bootstrap(values)
    return Interval(low, high, "bootstrap")


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimate of pass@k from ``n`` samples of which ``c`` pass (Chen et al.,
    2021): 1 - C(n-c, k) / C(n, k), as a product (no huge binomials)."""
    if not 0 < k <= n or not 0 <= c <= n:
        raise ValueError(f"pass@k needs 0 < k <= n and 0 <= c <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    fail = 1.0
    for i in range(n - c + 1, n + 1):
        fail *= 1 - k / i
    return 1.0 - fail


def ks_for(n: int) -> list[int]:
    """The k of pass@k reported for ``n`` samples per prompt: 1, 2, 4, ... and n."""
    ks, k = [], 1
    while k < n:
        ks.append(k)
        k *= 2
    return [*ks, n]


def majority_index(answers: Sequence[str | None]) -> int | None:
    """The sample whose answer most samples gave (answers compared with their whitespace
    collapsed; a tie goes to the answer given first); None when no sample gave one."""
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for pos, answer in enumerate(answers):
        if answer is None:
            continue
        key = " ".join(answer.split())
        if not key:
            continue
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, pos)
    if not counts:
        return None
    best = max(counts, key=lambda a: (counts[a], -first[a]))
    return first[best]


@dataclass(frozen=True)
class PairedDifference:
    """Run A minus run B over the same items: the mean difference, its 95% interval (paired
    bootstrap over items) and the two-sided p-value of the sign-flip permutation test."""

    n: int
    difference: float
    low: float
    high: float
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "difference": self.difference,
            "low": self.low,
            "high": self.high,
            "p_value": self.p_value,
        }


def paired_difference(
    a: Sequence[float],
    b: Sequence[float],
    resamples: int = RESAMPLES,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
) -> PairedDifference | None:
    """A minus B item by item (the same items, in the same order); None when there is none."""
    import numpy as np

    if len(a) != len(b):
        raise ValueError(f"paired scores need the same items, got {len(a)} and {len(b)}")
    n = len(a)
    if n == 0:
        return None
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    mean = float(d.mean())
    low, high = _percentiles(_resample_means(d, resamples, seed), LEVEL)
    return PairedDifference(n, mean, low, high, sign_flip_p(d, permutations, seed))


def sign_flip_p(d: Any, permutations: int = PERMUTATIONS, seed: int = SEED) -> float:
    """Two-sided p-value of "the mean difference is 0": the share of random sign flips of
    the differences whose mean is at least as far from 0 as the observed one (counting the
    observed one, so never 0)."""
    import numpy as np

    d = np.asarray(d, dtype=np.float64)
    nonzero = d[d != 0]
    if len(nonzero) == 0:
        return 1.0
    observed = abs(float(nonzero.sum()))
    rng = np.random.default_rng(seed + 1)
    step = max(1, _CHUNK // len(nonzero))
    extreme = 0
    for start in range(0, permutations, step):
        rows = min(step, permutations - start)
        signs = rng.integers(0, 2, size=(rows, len(nonzero))) * 2 - 1
        sums = np.abs((signs * nonzero).sum(axis=1))
        extreme += int((sums >= observed - 1e-9).sum())
    return (1 + extreme) / (1 + permutations)
