"""Publishing a built version to the Hugging Face Hub: the repository tree, the dataset card, one atomic commit and a tag. Imports core, scoring, raw and dataset."""

from curation.release.hub import Hub, HubError, check_repo_id, default_endpoint, publish_tree, resolve_token
from curation.release.tree import (
    PublishRecord,
    ReleasePaths,
    ReleaseTree,
    VersionRef,
    check_destination,
    prepare_release,
    release_status,
    require_release,
    write_published,
    write_tree,
)

__all__ = [
    "check_destination",
    "check_repo_id",
    "default_endpoint",
    "Hub",
    "HubError",
    "prepare_release",
    "publish_tree",
    "PublishRecord",
    "release_status",
    "ReleasePaths",
    "ReleaseTree",
    "require_release",
    "resolve_token",
    "VersionRef",
    "write_published",
    "write_tree",
]
