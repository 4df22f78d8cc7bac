"""Publishing a release tree to a Hugging Face Hub dataset repository, atomically.

``create_repo(exist_ok=True)``; refuse if the version's tag exists; one
``create_commit`` on ``main`` with every file of the tree and the deletion of every
stale file, with ``parent_commit`` set to the head it was computed from; then
``create_tag`` on that commit.  The caller writes ``published.json`` only when this
returns.  The token goes to :class:`~huggingface_hub.HfApi` and nowhere else.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from curation.core import InputError, ServiceFailure
from curation.release.tree import PublishRecord, ReleaseTree

REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
BRANCH = "main"
KEEP = frozenset({".gitattributes"})  # the Hub's own file in every new repository


class HubError(ServiceFailure):
    """The Hub refused or failed a request (not the user's input): one line, exit code 1."""


def check_repo_id(repo: str) -> str:
    if not REPO_ID.fullmatch(repo) or ".." in repo or repo.endswith((".git", ".")):
        raise InputError("--repo", None, f"expected ORG/NAME (letters, digits, '-', '_', '.'), got {repo!r}")
    return repo


def default_endpoint() -> str:
    from huggingface_hub import constants

    return constants.ENDPOINT.rstrip("/")


def resolve_token(
    env: Mapping[str, str] = os.environ,
    stored: Callable[[], str | None] | None = None,
) -> str:
    """``HF_TOKEN``, else the huggingface_hub login; a missing token is one clear error."""
    token = env.get("HF_TOKEN")
    if not token:
        if stored is None:
            from huggingface_hub import get_token

            stored = get_token
        token = stored()
    if not token:
        raise InputError(
            "HF_TOKEN",
            None,
            "no Hugging Face token: set HF_TOKEN or run `hf auth login` (or use --dry-run DIR)",
        )
    return token


def _why(err: Exception) -> str:
    """One line about a failed request (status and the server's message; never headers)."""
    response = getattr(err, "response", None)
    status = getattr(response, "status_code", None)
    message = getattr(err, "server_message", None) or str(err).strip().splitlines()[0]
    text = re.sub(r"\s+", " ", f"{status} {message}" if status else message).strip()
    return text[:300]


@dataclass(frozen=True)
class Hub:
    """A Hub endpoint with its client (``HfApi(endpoint=..., token=...)``)."""

    endpoint: str
    api: Any

    @classmethod
    def connect(cls, endpoint: str, token: str) -> Hub:
        from huggingface_hub import HfApi

        return cls(endpoint=endpoint.rstrip("/"), api=HfApi(endpoint=endpoint.rstrip("/"), token=token))

    def check_token(self) -> str:
        """The account the token belongs to; a refused token is bad input, found before any build."""
        import httpx2
        from huggingface_hub.errors import HfHubHTTPError

        try:
            return str(self.api.whoami().get("name", "?"))
        except HfHubHTTPError as err:
            if getattr(err.response, "status_code", None) in (401, 403):
                raise InputError("HF_TOKEN", None, f"refused by {self.endpoint} ({_why(err)})") from None
            raise HubError(f"{self.endpoint}: checking the token failed: {_why(err)}") from None
        except (httpx2.HTTPError, OSError) as err:
            raise HubError(f"{self.endpoint}: checking the token failed: {_why(err)}") from None

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        import httpx2
        from huggingface_hub.errors import HfHubHTTPError

        try:
            return fn(*args, **kwargs)
        except (HfHubHTTPError, httpx2.HTTPError, OSError, ValueError) as err:
            raise HubError(f"{self.endpoint}: {what} failed: {_why(err)}") from None


def publish_tree(hub: Hub, repo: str, tree: ReleaseTree, private: bool) -> PublishRecord:
    """One commit with the whole tree, then the tag; returns what ``published.json`` records."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    api, tag, where = hub.api, tree.ref.tag, f"{hub.endpoint}/datasets/{repo}"
    hub.call(f"creating {repo}", api.create_repo, repo, repo_type="dataset", private=private, exist_ok=True)
    info = hub.call(f"reading {repo}", api.repo_info, repo, repo_type="dataset")
    if private and not info.private:
        raise InputError(where, None, "exists and is public: --private would not make this version private")
    refs = hub.call(f"listing the refs of {repo}", api.list_repo_refs, repo, repo_type="dataset")
    existing = next((t for t in refs.tags if t.name == tag), None)
    if existing is not None:
        raise InputError(
            where,
            None,
            f"tag {tag} already exists (commit {existing.target_commit}); a published version is "
            "never replaced: publish a new version",
        )
    head = next((b.target_commit for b in refs.branches if b.name == BRANCH), None)
    present = (
        set(hub.call("listing files", api.list_repo_files, repo, repo_type="dataset", revision=head))
        if head
        else set()
    )
    stale = sorted(present - set(tree.files) - KEEP)
    operations: list[Any] = [CommitOperationAdd(path, data) for path, data in tree.files.items()]
    operations += [CommitOperationDelete(path) for path in stale]
    s = tree.changelog.summary
    description = f"{tree.items} items in {len(tree.configs)} configs; " + (
        f"since {tree.changelog.previous}: {s['added']} added, {s['removed']} removed, {s['changed']} changed"
        if tree.changelog.previous
        else "first release"
    )
    commit = hub.call(
        f"committing {tag}",
        api.create_commit,
        repo,
        operations,
        commit_message=f"mathif {tag}",
        commit_description=description,
        repo_type="dataset",
        revision=BRANCH,
        parent_commit=head,
    )
    try:
        hub.call(
            f"tagging commit {commit.oid} as {tag}",
            api.create_tag,
            repo,
            tag=tag,
            revision=commit.oid,
            repo_type="dataset",
            tag_message=f"mathif {tag}",
        )
    except HubError as err:
        raise HubError(
            f"{err}; the commit is on {BRANCH} but untagged and published.json was not written: "
            "run the publish again to tag it"
        ) from None
    return PublishRecord(
        version=tree.ref.version,
        repo=repo,
        endpoint=hub.endpoint,
        commit=commit.oid,
        tag=tag,
        private=bool(info.private),
    )
