"""Making a dataset version: the recipe, sampling, composition with conflict filtering, the build and its manifest, verification and diffs. Imports core, scoring and raw."""

from curation.dataset.build import BuildResult, build
from curation.dataset.diff import diff_versions
from curation.dataset.recipe import TIERS, Recipe, load_recipe
from curation.dataset.verify import verify_file

__all__ = [
    "build",
    "BuildResult",
    "diff_versions",
    "load_recipe",
    "Recipe",
    "TIERS",
    "verify_file",
]
