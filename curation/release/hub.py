"""Publishing a release tree to a Hugging Face Hub dataset repository, atomically.

``create_repo(exist_ok=True)``; if the version's tag exists, record it when its commit
holds exactly this tree and refuse otherwise; if the head of ``main`` already holds
exactly this tree (an earlier run's commit whose reply was lost), tag it; else one
``create_commit`` on ``main`` with every file of the tree and the deletion of every
stale file, with ``parent_commit`` set to the head it was computed from; then
``create_tag`` on that commit.  The caller writes ``published.json`` only when this
returns.  The token goes to :class:`~huggingface_hub.HfApi` and nowhere else, and is
registered as a secret (:func:`curation.core.register_secret`) as soon as it is read,
so that no message can show it even when a server echoes the request back.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from curation.core import InputError, Note, ServiceFailure, no_note, redact, register_secret, sha256_bytes
from curation.release.tree import PublishRecord, ReleaseTree

REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
BRANCH = "main"
KEEP = frozenset({".gitattributes"})  # the Hub's own file in every new repository
WHY_LENGTH = 300  # the most characters of a server's message an error line quotes


class HubError(ServiceFailure):
    """The Hub refused or failed a request (not the user's input): one line, exit code 1.

    The message is redacted when the error is made, so no registered secret (the token)
    survives in it whoever prints it."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


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
    """``HF_TOKEN``, else the huggingface_hub login (registered as a secret at once); a
    missing token is one clear error."""
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
    register_secret(token)
    return token


def _why(err: Exception) -> str:
    """One line about a failed request (status and the server's message; never headers),
    secrets masked before it is cut short so no part of one is left."""
    response = getattr(err, "response", None)
    status = getattr(response, "status_code", None)
    lines = str(err).strip().splitlines()
    message = getattr(err, "server_message", None) or (lines[0] if lines else type(err).__name__)
    text = re.sub(r"\s+", " ", redact(f"{status} {message}" if status else message)).strip()
    return text if len(text) <= WHY_LENGTH else text[: WHY_LENGTH - 3] + "..."


def git_blob_id(data: bytes) -> str:
    """The git object id of a file's bytes (what the Hub lists as a regular file's ``oid``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _same_file(entry: Any, data: bytes) -> bool:
    """Whether a listed file (a :class:`~huggingface_hub.hf_api.RepoFile`) holds ``data``:
    by its LFS sha256 when the Hub stores it in LFS, else by its git blob id."""
    lfs = getattr(entry, "lfs", None)
    if lfs is not None:
        return bool(lfs.size == len(data) and lfs.sha256 == sha256_bytes(data))
    return bool(entry.size == len(data) and entry.blob_id == git_blob_id(data))


def tree_differences(listed: Mapping[str, Any], files: Mapping[str, bytes]) -> list[str]:
    """The paths where the files of a commit (path -> listed file) and a tree differ:
    missing, other bytes, or there and not in the tree (the Hub's own files aside)."""
    differ = [
        path for path, data in files.items() if path not in listed or not _same_file(listed[path], data)
    ]
    differ += [path for path in listed if path not in files and path not in KEEP]
    return sorted(differ)


def _some(paths: list[str], shown: int = 3) -> str:
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return ", ".join(paths[:shown]) + more


@dataclass(frozen=True)
class Hub:
    """A Hub endpoint with its client (``HfApi(endpoint=..., token=...)``)."""

    endpoint: str
    api: Any

    @classmethod
    def connect(cls, endpoint: str, token: str) -> Hub:
        from huggingface_hub import HfApi

        register_secret(token)
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
        except (httpx2.HTTPError, OSError, ValueError) as err:
            raise HubError(f"{self.endpoint}: checking the token failed: {_why(err)}") from None

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        import httpx2
        from huggingface_hub.errors import HfHubHTTPError

        try:
            return fn(*args, **kwargs)
        except (HfHubHTTPError, httpx2.HTTPError, OSError, ValueError) as err:
            raise HubError(f"{self.endpoint}: {what} failed: {_why(err)}") from None

    def files_at(self, repo: str, commit: str) -> dict[str, Any]:
        """path -> listed file (size, git blob id, LFS sha256) of every file in ``commit``."""
        from huggingface_hub.hf_api import RepoFile

        def listing() -> dict[str, Any]:
            entries = self.api.list_repo_tree(repo, repo_type="dataset", revision=commit, recursive=True)
            return {e.path: e for e in entries if isinstance(e, RepoFile)}

        return dict(self.call(f"listing the files of commit {commit}", listing))


def publish_tree(
    hub: Hub, repo: str, tree: ReleaseTree, private: bool, note: Note = no_note
) -> PublishRecord:
    """The commit and the tag of the tree (made, or found from an earlier run whose reply was
    lost); returns what ``published.json`` records."""
    api, tag, where = hub.api, tree.ref.tag, f"{hub.endpoint}/datasets/{repo}"
    hub.call(f"creating {repo}", api.create_repo, repo, repo_type="dataset", private=private, exist_ok=True)
    info = hub.call(f"reading {repo}", api.repo_info, repo, repo_type="dataset")
    if private and not info.private:
        raise InputError(where, None, "exists and is public: --private would not make this version private")

    def record(commit: str) -> PublishRecord:
        return PublishRecord(
            version=tree.ref.version,
            repo=repo,
            endpoint=hub.endpoint,
            commit=commit,
            tag=tag,
            private=bool(info.private),
        )

    refs = hub.call(f"listing the refs of {repo}", api.list_repo_refs, repo, repo_type="dataset")
    existing = next((t for t in refs.tags if t.name == tag), None)
    if existing is not None:
        tagged = existing.target_commit
        differing = tree_differences(hub.files_at(repo, tagged), tree.files)
        if differing:
            raise InputError(
                where,
                None,
                f"tag {tag} already exists (commit {tagged}) and holds another tree "
                f"({_some(differing)} {'differs' if len(differing) == 1 else 'differ'}); "
                "a published version is never replaced: publish a new version",
            )
        note(f"tag {tag} already names commit {tagged}, which holds exactly this tree: recording it")
        return record(tagged)
    head = next((b.target_commit for b in refs.branches if b.name == BRANCH), None)
    present = hub.files_at(repo, head) if head else {}
    if head and not tree_differences(present, tree.files):
        note(
            f"{BRANCH} is at commit {head}, which holds exactly this tree already: tagging it, no new commit"
        )
        commit = head
    else:
        commit = _commit(hub, repo, tree, head, sorted(set(present) - set(tree.files) - KEEP))
    try:
        hub.call(
            f"tagging commit {commit} as {tag}",
            api.create_tag,
            repo,
            tag=tag,
            revision=commit,
            repo_type="dataset",
            tag_message=f"mathif {tag}",
        )
    except HubError as err:
        raise HubError(
            f"{err}; commit {commit} is on {BRANCH}, perhaps untagged, and published.json was not "
            "written: run the publish again to tag it and record it"
        ) from None
    return record(commit)


def _commit(hub: Hub, repo: str, tree: ReleaseTree, head: str | None, stale: list[str]) -> str:
    """One commit on ``main`` (on top of ``head``) with every file of the tree and the
    deletion of every stale file; its id."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    operations: list[Any] = [CommitOperationAdd(path, data) for path, data in tree.files.items()]
    operations += [CommitOperationDelete(path) for path in stale]
    s = tree.changelog.summary
    description = f"{tree.items} items in {len(tree.configs)} configs; " + (
        f"since {tree.changelog.previous}: {s['added']} added, {s['removed']} removed, {s['changed']} changed"
        if tree.changelog.previous
        else "first release"
    )
    tag = tree.ref.tag
    commit = hub.call(
        f"committing {tag}",
        hub.api.create_commit,
        repo,
        operations,
        commit_message=f"mathif {tag}",
        commit_description=description,
        repo_type="dataset",
        revision=BRANCH,
        parent_commit=head,
    )
    return str(commit.oid)
