"""Making a dataset version: the recipe, sampling, composition with conflict filtering, the build and its manifest, verification and diffs. Imports core, scoring and raw."""

from curation.dataset.build import BuildResult, build
from curation.dataset.check import RecipeCheck, check_recipe, source_error
from curation.dataset.diff import diff_versions
from curation.dataset.recipe import TIERS, Recipe, load_recipe
from curation.dataset.verify import (
    STATUS_LABELS,
    STATUSES,
    Verdict,
    verify_dataset,
    verify_file,
    verify_object,
    verify_split,
)

__all__ = [
    "build",
    "check_recipe",
    "RecipeCheck",
    "source_error",
    "BuildResult",
    "diff_versions",
    "load_recipe",
    "Recipe",
    "TIERS",
    "STATUSES",
    "STATUS_LABELS",
    "Verdict",
    "verify_dataset",
    "verify_file",
    "verify_split",
    "verify_object",
]
