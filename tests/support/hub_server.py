"""A small local stand-in for the Hugging Face Hub, for round-trip tests of publishing.

It speaks the part of the Hub's HTTP API that huggingface_hub 2.x calls to create a
repository, commit, tag and download (routes, JSON shapes and headers as in
``hf_api.py``, ``_commit_api.py``, ``file_download.py`` and ``utils/_http.py``):

    GET  /api/whoami-v2                                  the token's account (401 if unknown)
    POST /api/repos/create                               create (409 if it exists)
    GET  /api/{type}s/{repo}[/revision/{rev}]            repo info (sha, private, siblings)
    POST /api/validate-yaml                              README front matter check
    POST /api/{type}s/{repo}/preupload/{rev}             every file "regular" (no LFS)
    POST /api/{type}s/{repo}/commit/{rev}                NDJSON: header, file (base64), deletedFile/Folder
    POST /api/{type}s/{repo}/tag/{rev}                   create a tag (409 if it exists)
    GET  /api/{type}s/{repo}/refs                        branches and tags
    GET  /api/{type}s/{repo}/tree/{rev}[/{path}]         listing (recursive or not)
    POST /api/{type}s/{repo}/paths-info/{rev}            info on some paths
    HEAD|GET /{type}s/{repo}/resolve/{rev}/{path}        file, with X-Repo-Commit and ETag

404s carry ``X-Error-Code`` (RepoNotFound, RevisionNotFound, EntryNotFound) as the
Hub's do, which is how the client tells them apart.  Repositories, commits and refs
live in memory; a commit is applied whole or not at all.  Writes need a known token
(``Authorization: Bearer``); the server keeps no token, only whether a request was
authorised.  ``state.fail_commits`` makes the next commit requests fail with a 500
after their whole body was read (nothing is applied); ``state.fail_tags`` does the
same to tag requests.  Faults (:class:`Fault`) go further, for any request:
``state.lose_reply("POST", "/tag/")`` performs the next matching request and then
closes the connection without a reply (``how="500"``: answers 500 instead), as when
a reply is lost on the way; ``state.echo_request("GET", "/api/whoami-v2")`` answers
the next matching request with an error that echoes its headers (the Authorization
header with the token) and body back, as a careless server or proxy does.
``lfs_listing=True`` lists ``*.parquet`` files as the Hub lists files stored in LFS
(``oid`` of the pointer, ``lfs.oid`` the sha256 of the bytes).  The server listens on
127.0.0.1 only, bounds request bodies, and shuts itself down after ``lifetime``
seconds whatever happens.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

MAX_BODY = 64 * 1024 * 1024
GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"
TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(data: bytes) -> bytes:
    """The git LFS pointer file of ``data`` (what git holds for a file stored in LFS)."""
    oid = hashlib.sha256(data).hexdigest()
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(data)}\n".encode()


@dataclass
class Commit:
    oid: str
    parent: str | None
    files: dict[str, bytes]
    summary: str
    description: str = ""
    parent_sent: str | None = None  # the parentCommit the client sent, if any


@dataclass
class Repo:
    repo_id: str
    repo_type: str
    private: bool
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def resolve(self, rev: str) -> Commit | None:
        oid = self.branches.get(rev) or self.tags.get(rev)
        if oid is None and re.fullmatch(r"[0-9a-f]{40}", rev):
            oid = rev
        return self.commits.get(oid) if oid else None


@dataclass
class Seen:
    """One request as the server saw it (never the token itself)."""

    method: str
    path: str
    authorized: bool
    status: int = 0
    fault: str | None = None  # the fault applied to it: "drop", "500" or "echo"


@dataclass
class Fault:
    """What the server does to the next ``times`` requests whose method is ``method`` and
    whose URL path matches ``path`` (a regular expression, searched)."""

    method: str
    path: str
    how: str  # "drop": act, then close without a reply; "500": act, then answer 500; "echo": see below
    times: int = 1
    status: int = 500  # the status of an echo (which does not act)

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method == method and re.search(self.path, path) is not None


@dataclass
class HubState:
    tokens: frozenset[str]
    initial_commit: bool = True  # the Hub makes one (.gitattributes) when it creates a repository
    repos: dict[tuple[str, str], Repo] = field(default_factory=dict)
    fail_commits: int = 0
    fail_tags: int = 0
    lfs_listing: bool = False  # list *.parquet as files stored in LFS, as the Hub does
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    unhandled: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0

    def repo(self, repo_type: str, repo_id: str) -> Repo | None:
        return self.repos.get((repo_type, repo_id))

    def lose_reply(self, method: str, path: str, how: str = "drop", times: int = 1) -> None:
        """Perform the next ``times`` matching requests, then lose their replies: close the
        connection without a byte (``drop``) or answer 500 (``500``)."""
        assert how in ("drop", "500")
        with self.lock:
            self.faults.append(Fault(method, path, how, times))

    def echo_request(self, method: str, path: str, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` matching requests, without acting on them, with
        ``status`` and an error message that repeats the request's headers and body."""
        with self.lock:
            self.faults.append(Fault(method, path, "echo", times, status))

    def _fault(self, method: str, path: str) -> Fault | None:
        fault = next((f for f in self.faults if f.matches(method, path)), None)
        if fault is not None:
            fault.times -= 1
        return fault

    def new_commit(
        self, repo: Repo, parent: str | None, files: dict[str, bytes], summary: str, description: str
    ):
        self.counter += 1
        h = hashlib.sha1(f"{repo.repo_id}:{parent}:{self.counter}:{summary}".encode())
        for path in sorted(files):
            h.update(path.encode() + b"\0" + git_sha1(files[path]).encode())
        commit = Commit(h.hexdigest(), parent, files, summary, description)
        repo.commits[commit.oid] = commit
        return commit

    def commits_of(self, repo_type: str, repo_id: str) -> list[Commit]:
        repo = self.repo(repo_type, repo_id)
        return list(repo.commits.values()) if repo else []


class HubError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, extra: dict | None = None):
        self.status, self.message, self.code, self.extra = status, message, code, extra or {}


def _tree_entries(
    files: dict[str, bytes], base: str, recursive: bool, lfs: bool = False
) -> list[dict[str, Any]]:
    prefix = base.rstrip("/") + "/" if base else ""
    if base and base not in files and not any(p.startswith(prefix) for p in files):
        raise HubError(404, f"{base} does not exist", "EntryNotFound")
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(files):
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix) :].split("/")
        for depth in range(1, len(rest)):
            folder = prefix + "/".join(rest[:depth])
            if recursive or depth == 1:
                entries.setdefault(folder, _folder(folder))
        if recursive or len(rest) == 1:
            entries[path] = _file(path, files[path], lfs)
    return [entries[k] for k in sorted(entries)]


def _file(path: str, data: bytes, lfs: bool = False) -> dict[str, Any]:
    if lfs and path.endswith(".parquet"):
        pointer = lfs_pointer(data)
        return {
            "type": "file",
            "oid": git_sha1(pointer),
            "size": len(data),
            "path": path,
            "lfs": {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": len(pointer)},
        }
    return {"type": "file", "oid": git_sha1(data), "size": len(data), "path": path}


def _folder(path: str) -> dict[str, Any]:
    return {"type": "directory", "oid": hashlib.sha1(path.encode()).hexdigest(), "size": 0, "path": path}


class Handler(BaseHTTPRequestHandler):
    server: HubServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silent
        pass

    # ------------------------------------------------------------------ plumbing

    @property
    def state(self) -> HubState:
        return self.server.state

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and auth[len("Bearer ") :] in self.state.tokens

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise HubError(413, "request body too large")
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, head=False):
        self._seen.status = status
        if self._lose == "drop":  # the action is done; its reply is lost on the way
            self.close_connection = True
            return
        if self._lose == "500":
            self._lose = None
            message = "Internal Error - the reply was lost"
            body = json.dumps({"error": message}).encode()
            status, headers, head = (
                500,
                {"Content-Type": "application/json", "X-Error-Message": message},
                False,
            )
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        segments = [unquote(s) for s in url.path.split("/")[1:]]
        query = parse_qs(url.query)
        self._seen = Seen(method, url.path, self._authorized())
        self._lose: str | None = None
        with self.state.lock:
            self.state.seen.append(self._seen)
        try:
            body = self._body() if method == "POST" else b""
            with self.state.lock:
                fault = self.state._fault(method, url.path)
                if fault is not None:
                    self._seen.fault = fault.how
                    if fault.how == "echo":
                        self._echo(fault.status, method, body)
                        return
                    self._lose = fault.how
                self._route(method, segments, query, body)
        except HubError as err:
            headers = dict(err.extra)
            if err.code:
                headers["X-Error-Code"] = err.code
            headers["X-Error-Message"] = err.message
            self._json(err.status, {"error": err.message}, headers)

    def _echo(self, status: int, method: str, body: bytes) -> None:
        """An error that repeats the request, its headers (the token among them) and body."""
        first = sorted(self.headers.items(), key=lambda kv: kv[0].lower() != "authorization")
        request = f"{method} {self.path}; " + "; ".join(f"{k}: {v}" for k, v in first)
        content = body[:2048].decode("utf-8", "replace")
        message = f"echo of the request: {request}; body: {content}"
        header = re.sub(r"[^\x20-\x7e]", "?", message)[:4096]
        self._json(status, {"error": message}, {"X-Error-Message": header})

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # ------------------------------------------------------------------ routes

    def _need_auth(self) -> None:
        if not self._authorized():
            raise HubError(401, "Invalid credentials in Authorization header")

    def _repo(self, kind: str, ns: str, name: str) -> Repo:
        repo = self.state.repo(TYPES.get(kind, kind), f"{ns}/{name}")
        if repo is None or (repo.private and not self._authorized()):
            raise HubError(404, "Repository not found", "RepoNotFound")
        return repo

    def _commit(self, repo: Repo, rev: str) -> Commit:
        commit = repo.resolve(rev)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        return commit

    def _route(self, method: str, s: list[str], query: dict[str, list[str]], body: bytes) -> None:
        base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        match (method, s):
            case ("POST", ["api", "repos", "create"]):
                self._create_repo(json.loads(body or b"{}"), base)
            case ("GET", ["api", "whoami-v2"]):
                self._need_auth()
                self._json(200, {"type": "user", "name": "me", "orgs": [], "auth": {"type": "access_token"}})
            case ("POST", ["api", "validate-yaml"]):
                self._validate_yaml(json.loads(body or b"{}"))
            case ("GET", ["api", kind, ns, name]) if kind in TYPES:
                self._info(self._repo(kind, ns, name), None)
            case ("GET", ["api", kind, ns, name, "revision", rev]) if kind in TYPES:
                self._info(self._repo(kind, ns, name), rev)
            case ("GET", ["api", kind, ns, name, "refs"]) if kind in TYPES:
                self._refs(self._repo(kind, ns, name))
            case ("GET", ["api", kind, ns, name, "tree", rev, *path]) if kind in TYPES:
                recursive = query.get("recursive", ["false"])[0].lower() in ("1", "true")
                commit = self._commit(self._repo(kind, ns, name), rev)
                entries = _tree_entries(commit.files, "/".join(path), recursive, self.state.lfs_listing)
                self._json(200, entries)
            case ("POST", ["api", kind, ns, name, "paths-info", rev]) if kind in TYPES:
                self._paths_info(self._repo(kind, ns, name), rev, body)
            case ("POST", ["api", kind, ns, name, "preupload", rev]) if kind in TYPES:
                self._need_auth()
                self._preupload(self._repo(kind, ns, name), rev, json.loads(body))
            case ("POST", ["api", kind, ns, name, "commit", rev]) if kind in TYPES:
                self._need_auth()
                self._commit_ndjson(self._repo(kind, ns, name), rev, body, base, kind)
            case ("POST", ["api", kind, ns, name, "tag", rev]) if kind in TYPES:
                self._need_auth()
                self._tag(self._repo(kind, ns, name), rev, json.loads(body))
            case ("GET" | "HEAD", [kind, ns, name, "resolve", rev, *path]) if kind in TYPES and path:
                self._resolve(self._repo(kind, ns, name), rev, "/".join(path), head=method == "HEAD")
            case ("GET" | "HEAD", [ns, name, "resolve", rev, *path]) if path:
                self._resolve(self._repo("models", ns, name), rev, "/".join(path), head=method == "HEAD")
            case _:
                self.state.unhandled.append(f"{method} {self.path}")
                raise HubError(404, f"no route {method} /{'/'.join(s)}")

    def _create_repo(self, payload: dict[str, Any], base: str) -> None:
        self._need_auth()
        repo_type = payload.get("type") or "model"
        repo_id = f"{payload.get('organization')}/{payload['name']}"
        url = f"{base}/{repo_type}s/{repo_id}" if repo_type != "model" else f"{base}/{repo_id}"
        if self.state.repo(repo_type, repo_id):
            self._json(409, {"error": "You already created this repo", "url": url})
            return
        repo = Repo(repo_id, repo_type, private=payload.get("visibility") == "private")
        self.state.repos[(repo_type, repo_id)] = repo
        if self.state.initial_commit:
            first = self.state.new_commit(repo, None, {".gitattributes": GITATTRIBUTES}, "initial commit", "")
            repo.branches["main"] = first.oid
        self._json(200, {"url": url, "name": repo_id, "id": repo_id})

    def _validate_yaml(self, payload: dict[str, Any]) -> None:
        import yaml

        content = payload.get("content", "")
        m = re.match(r"---\n(.*?)\n---\n", content, re.S)
        try:
            data = yaml.safe_load(m.group(1)) if m else {}
        except yaml.YAMLError as exc:
            self._json(400, {"errors": [{"message": f"invalid YAML: {exc}"}], "warnings": []})
            return
        if not isinstance(data, dict):
            self._json(400, {"errors": [{"message": "metadata must be a mapping"}], "warnings": []})
            return
        self._json(200, {"errors": [], "warnings": []})

    def _info(self, repo: Repo, rev: str | None) -> None:
        commit = self._commit(repo, rev) if rev else repo.resolve("main")
        self._json(
            200,
            {
                "id": repo.repo_id,
                "author": repo.repo_id.split("/")[0],
                "sha": commit.oid if commit else None,
                "private": repo.private,
                "lastModified": "2025-01-01T00:00:00.000Z",
                "siblings": [{"rfilename": p} for p in sorted(commit.files)] if commit else [],
                "tags": [],
            },
        )

    def _refs(self, repo: Repo) -> None:
        def ref(kind: str, name: str, oid: str) -> dict[str, str]:
            return {"name": name, "ref": f"refs/{kind}/{name}", "targetCommit": oid}

        self._json(
            200,
            {
                "branches": [ref("heads", n, o) for n, o in sorted(repo.branches.items())],
                "tags": [ref("tags", n, o) for n, o in sorted(repo.tags.items())],
                "converts": [],
                "pullRequests": [],
            },
        )

    def _paths_info(self, repo: Repo, rev: str, body: bytes) -> None:
        commit = self._commit(repo, rev)
        if self.headers.get("Content-Type", "").startswith("application/json"):
            paths = json.loads(body).get("paths", [])
        else:
            paths = parse_qs(body.decode()).get("paths", [])
        out = []
        for p in paths:
            if p in commit.files:
                out.append(_file(p, commit.files[p], self.state.lfs_listing))
            elif any(f.startswith(p.rstrip("/") + "/") for f in commit.files):
                out.append(_folder(p))
        self._json(200, out)

    def _preupload(self, repo: Repo, rev: str, payload: dict[str, Any]) -> None:
        commit = repo.resolve(rev)
        files = commit.files if commit else {}
        self._json(
            200,
            {
                "files": [
                    {
                        "path": f["path"],
                        "uploadMode": "regular",
                        "shouldIgnore": False,
                        "oid": git_sha1(files[f["path"]]) if f["path"] in files else None,
                    }
                    for f in payload["files"]
                ],
                "commitOid": commit.oid if commit else None,
            },
        )

    def _commit_ndjson(self, repo: Repo, rev: str, body: bytes, base: str, kind: str) -> None:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise HubError(400, "the first NDJSON line must be the header")
        header = lines[0]["value"]
        if rev in repo.tags or (rev not in repo.branches and repo.branches):
            raise HubError(400, f"cannot commit to {rev}: not a branch")
        head = repo.branches.get(rev)
        parent = header.get("parentCommit")
        if parent is not None and parent != head:
            raise HubError(412, "A commit has happened since. Please refresh and try again.")
        files = dict(repo.commits[head].files) if head else {}
        for line in lines[1:]:
            key, value = line.get("key"), line.get("value", {})
            if key == "file":
                if value.get("encoding") != "base64":
                    raise HubError(400, "only base64 file content is supported")
                files[value["path"]] = base64.b64decode(value["content"])
            elif key == "deletedFile":
                if value["path"] not in files:
                    raise HubError(404, "A file with this name doesn't exist", "EntryNotFound")
                del files[value["path"]]
            elif key == "deletedFolder":
                prefix = value["path"].rstrip("/") + "/"
                files = {p: d for p, d in files.items() if not p.startswith(prefix)}
            else:
                raise HubError(400, f"unsupported commit operation {key!r} (no LFS on this server)")
        if self.state.fail_commits > 0:
            self.state.fail_commits -= 1
            raise HubError(500, "Internal Error - simulated failure in the middle of the commit")
        commit = self.state.new_commit(
            repo, head, files, header.get("summary", ""), header.get("description", "")
        )
        commit.parent_sent = parent
        repo.branches[rev] = commit.oid
        self._json(
            200,
            {
                "success": True,
                "commitOid": commit.oid,
                "commitUrl": f"{base}/{kind}/{repo.repo_id}/commit/{commit.oid}",
                "hookOutput": "",
                "pullRequestUrl": None,
            },
        )

    def _tag(self, repo: Repo, rev: str, payload: dict[str, Any]) -> None:
        commit = self._commit(repo, rev)
        tag = payload["tag"]
        if tag in repo.tags:
            raise HubError(409, f"Tag {tag} already exists")
        if self.state.fail_tags > 0:
            self.state.fail_tags -= 1
            raise HubError(500, "Internal Error - simulated failure while tagging")
        repo.tags[tag] = commit.oid
        self._json(200, {})

    def _resolve(self, repo: Repo, rev: str, path: str, head: bool) -> None:
        commit = self._commit(repo, rev)
        if path not in commit.files:
            raise HubError(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": commit.oid})
        data = commit.files[path]
        headers = {
            "Content-Type": "application/octet-stream",
            "X-Repo-Commit": commit.oid,
            "ETag": f'"{git_sha1(data)}"',
        }
        self._send(200, data, headers, head=head)


class HubServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: HubState):
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = state

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


@contextmanager
def running_hub(tokens: tuple[str, ...] = (), lifetime: float = 300.0, **options: Any) -> Iterator[HubServer]:
    """A server on 127.0.0.1 (free port) for the duration of the block, ``lifetime`` seconds at most."""
    server = HubServer(HubState(tokens=frozenset(tokens), **options))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    watchdog = threading.Timer(lifetime, server.shutdown)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield server
    finally:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
