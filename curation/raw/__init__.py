"""The raw sources: the registry, answer rules, pulling (Hub or mirror) into typed problems, the lock, the cache a build reads, near duplicates. Imports core and scoring (gradability)."""

from curation.raw.cache import load_problems, lock_sha256, source_labels
from curation.raw.near_dups import (
    DEFAULT_DUP_THRESHOLD,
    DEFAULT_MATCH_CUTOFF,
    NearDuplicates,
    find_near_duplicates,
    match_questions,
)
from curation.raw.pull import GRADABLE_BAR, MIRROR_ENV, PullOutcome, RawPaths, pull
from curation.raw.sources import SourceSpec, load_registry, select_sources

__all__ = [
    "DEFAULT_DUP_THRESHOLD",
    "DEFAULT_MATCH_CUTOFF",
    "find_near_duplicates",
    "GRADABLE_BAR",
    "load_problems",
    "load_registry",
    "lock_sha256",
    "match_questions",
    "MIRROR_ENV",
    "NearDuplicates",
    "pull",
    "PullOutcome",
    "RawPaths",
    "select_sources",
    "source_labels",
    "SourceSpec",
]
