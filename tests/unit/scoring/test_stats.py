"""The statistics of the reports: intervals against known computations, pass@k against its
closed form and against enumeration, majority vote, and the paired test against McNemar's
exact test and an exact enumeration of sign flips."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from curation.scoring import interval, ks_for, majority_index, paired_difference, pass_at_k
from curation.scoring.stats import RESAMPLES, bootstrap, sign_flip_p, wilson


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),  # the textbook example (Wilson 1927; Newcombe 1998, table I)
        (81, 263, 0.2553, 0.3662),  # Newcombe 1998, example of 81/263
        (15, 148, 0.0624, 0.1605),  # Newcombe 1998, example of 15/148
    ],
)
def test_wilson_matches_published_values(successes, n, low, high):
    lo, hi = wilson(successes, n)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


def test_wilson_ends_are_exact_and_never_a_point():
    assert wilson(0, 29) == (0.0, pytest.approx(0.1170, abs=1e-4))  # the "rule of three"-like bound
    low, high = wilson(29, 29)
    assert high == 1.0 and low == pytest.approx(1 - 0.1170, abs=1e-4)
    assert interval([1.0, 1.0, 1.0]).low < 0.5  # three of three is far from sure


def test_interval_picks_wilson_for_0_1_items_and_bootstrap_for_shares():
    assert interval([]) is None
    assert interval([0, 1, 1, 0]).method == "wilson"
    assert interval([True, False]).method == "wilson"
    assert interval([0.5, 1, 0]).method == "bootstrap"


def test_bootstrap_matches_the_normal_approximation_on_many_items():
    rng = random.Random(7)
    values = [rng.choice((0, 0.25, 0.5, 0.75, 1.0)) for _ in range(400)]
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    low, high = bootstrap(values)
    assert low == pytest.approx(mean - 1.96 * sd / math.sqrt(n), abs=0.006)
    assert high == pytest.approx(mean + 1.96 * sd / math.sqrt(n), abs=0.006)
    assert low < mean < high


def test_bootstrap_is_seeded_and_the_seed_matters():
    values = [0.1 * (i % 7) for i in range(50)]
    assert bootstrap(values) == bootstrap(list(values))
    assert bootstrap(values, seed=1) != bootstrap(values)
    assert bootstrap([0.3] * 5) == (pytest.approx(0.3), pytest.approx(0.3))


def test_bootstrap_percentiles_are_those_of_the_resample_means():
    """A naive bootstrap with the same draws gives the same interval."""
    import numpy as np

    values = [0.0, 0.2, 0.5, 0.9, 1.0, 0.4, 0.6]
    rng = np.random.default_rng(0)
    draws = rng.integers(0, len(values), size=(RESAMPLES, len(values)))
    means = sorted(sum(values[i] for i in row) / len(values) for row in draws)
    low, high = bootstrap(values)
    assert low == pytest.approx(float(np.quantile(means, 0.025)))
    assert high == pytest.approx(float(np.quantile(means, 0.975)))


@pytest.mark.parametrize("n", range(1, 9))
def test_pass_at_k_is_the_closed_form_and_the_share_of_k_subsets_with_a_pass(n):
    for c in range(n + 1):
        outcomes = [True] * c + [False] * (n - c)
        for k in range(1, n + 1):
            closed = 1 - math.comb(n - c, k) / math.comb(n, k)
            subsets = list(itertools.combinations(outcomes, k))
            enumerated = sum(any(s) for s in subsets) / len(subsets)
            assert pass_at_k(n, c, k) == pytest.approx(closed, abs=1e-12)
            assert pass_at_k(n, c, k) == pytest.approx(enumerated, abs=1e-12)


def test_pass_at_k_stays_finite_for_many_samples_and_refuses_nonsense():
    assert pass_at_k(1000, 1, 1) == pytest.approx(0.001)
    assert pass_at_k(1000, 1, 500) == pytest.approx(0.5)
    for n, c, k in ((4, 1, 0), (4, 1, 5), (4, 5, 1), (4, -1, 1)):
        with pytest.raises(ValueError):
            pass_at_k(n, c, k)


def test_ks_are_powers_of_two_and_n():
    assert ks_for(1) == [1]
    assert ks_for(4) == [1, 2, 4]
    assert ks_for(6) == [1, 2, 4, 6]


def test_majority_vote():
    assert majority_index(["7", "8", "8", "7"]) == 0  # a tie goes to the answer given first
    assert majority_index(["7", "8", " 8 ", None]) == 1  # whitespace does not split a vote
    assert majority_index([None, "", None, "3"]) == 3  # no answer is no vote
    assert majority_index([None, None]) is None


def _mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value of b and c discordant pairs."""
    m = b + c
    tail = sum(math.comb(m, i) for i in range(min(b, c) + 1)) / 2**m
    return min(1.0, 2 * tail)


@pytest.mark.parametrize(("b", "c"), [(10, 2), (3, 3), (25, 12), (0, 6)])
def test_paired_test_on_0_1_scores_is_mcnemars_exact_test(b, c):
    # b items only run A gets right, c only run B, and 30 both, 20 neither
    a = [1] * b + [0] * c + [1] * 30 + [0] * 20
    other = [0] * b + [1] * c + [1] * 30 + [0] * 20
    d = paired_difference(a, other)
    assert d.n == len(a)
    assert d.difference == pytest.approx((b - c) / len(a))
    assert d.p_value == pytest.approx(_mcnemar_exact(b, c), abs=0.012)
    assert d.low <= d.difference <= d.high


def test_sign_flip_p_matches_exact_enumeration():
    d = [0.5, 0.25, 1.0, -0.25, 0.75, 0.5, -0.5, 0.25, 1.0, 0.25]
    observed = abs(sum(d))
    flips = list(itertools.product((1, -1), repeat=len(d)))
    exact = sum(abs(sum(s * x for s, x in zip(f, d, strict=True))) >= observed - 1e-9 for f in flips) / len(
        flips
    )
    assert sign_flip_p(d) == pytest.approx(exact, abs=0.01)


def test_paired_difference_of_identical_runs_and_bad_input():
    same = paired_difference([1, 0, 0.5], [1, 0, 0.5])
    assert (same.difference, same.low, same.high, same.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert paired_difference([], []) is None
    with pytest.raises(ValueError):
        paired_difference([1, 0], [1])
