"""One sticky pull-request comment per project, stack and kind: posted once, edited ever after.

pulumi/actions' ``comment-on-pr`` finds its earlier comment by a heading prefix, so stack ``dev``
edits ``dev-tokyo``'s comment (pulumi/actions issue 1165), and it reads only the first page of
comments. Here the comment carries an HTML marker naming project, stack and kind exactly, as its
first line; every page of the PR's comments is read (``Link: rel="next"``); the first comment
whose body starts with the marker (and, with ``author``, was written by that login) is edited, and
any other is left alone. Bodies longer than GitHub's limit are cut with a note.

GitHub REST (docs.github.com/rest/issues/comments): list ``GET /repos/{owner}/{repo}/issues/{n}/
comments?per_page=100``, create ``POST`` the same path, update ``PATCH /repos/{owner}/{repo}/issues/
comments/{id}``, each ``{"body": ...}``. ``GITHUB_API_URL`` (set by GitHub Actions; GitHub Enterprise
Server has its own) is the base, ``GITHUB_REPOSITORY`` the ``owner/repo``, ``GITHUB_TOKEN`` the token.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import requests

from trials.rules import TrialError
from verify.outputs import is_loopback

# "body is too long (maximum is 65536 characters)": GitHub's answer to a longer comment.
MAX_BODY: Final = 65536
_SAFE: Final = re.compile(r"[A-Za-z0-9._/-]+\Z")
_REPO: Final = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z")
_ANSI: Final = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def marker(project: str, stack: str, kind: str) -> str:
    for what, value in (("project", project), ("stack", stack), ("kind", kind)):
        if not _SAFE.match(value):
            raise TrialError(f"the {what} {value!r} may hold only letters, digits and . _ / -")
    return f"<!-- b2c-apigw:sticky project={project} stack={stack} kind={kind} -->"


def render(mark: str, title: str, text: str, *, code: bool, limit: int = MAX_BODY) -> str:
    """The comment body, at most ``limit`` characters; a cut keeps the head and the tail (the summary)."""
    text = _ANSI.sub("", text).replace("```", "` ` `")
    head = f"{mark}\n#### {title}\n\n"
    fence_open, fence_close = (
        ("<details open><summary>diff</summary>\n\n```diff\n", "\n```\n</details>\n") if code else ("", "\n")
    )

    def body(inner: str, note: str = "") -> str:
        return head + note + fence_open + inner + fence_close

    full = body(text)
    if len(full) <= limit:
        return full
    lines = text.splitlines()
    note = (
        f"> The output was cut to fit GitHub's {MAX_BODY}-character comment limit: "
        "lines are left out in the middle. The job log has it all.\n\n"
    )
    budget = limit - len(body("", note)) - 80
    keep_tail = [*lines]
    tail: list[str] = []
    used = 0
    while keep_tail and used + len(keep_tail[-1]) + 1 <= budget // 3:
        line = keep_tail.pop()
        tail.insert(0, line)
        used += len(line) + 1
    headl: list[str] = []
    for line in keep_tail:
        if used + len(line) + 1 > budget:
            break
        headl.append(line)
        used += len(line) + 1
    omitted = len(lines) - len(headl) - len(tail)
    inner = "\n".join([*headl, f"... {omitted} line(s) left out ...", *tail])
    return body(inner[: max(0, budget)], note)


@dataclass(frozen=True)
class Posted:
    action: str
    """``created`` or ``updated``."""
    comment_id: int
    url: str


class GitHub:
    def __init__(self, env: Mapping[str, str], session: requests.Session | None = None) -> None:
        base = (env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
        if not base.startswith("https://") and not _loopback(base):
            raise TrialError("GITHUB_API_URL must be an https:// URL (plain http only on loopback)")
        repo = env.get("GITHUB_REPOSITORY", "")
        if not _REPO.match(repo):
            raise TrialError("GITHUB_REPOSITORY must be owner/repo (GitHub Actions sets it)")
        token = env.get("GITHUB_TOKEN", "")
        if not token:
            raise TrialError("GITHUB_TOKEN is not set: the job passes it with `env: GITHUB_TOKEN: ${{ github.token }}`")
        self._base, self._repo = base, repo
        self._session = session or requests.Session()
        self._session.trust_env = False
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    def _request(self, method: str, url: str, body: Any = None) -> requests.Response:
        try:
            r = self._session.request(method, url, headers=self._headers, json=body, timeout=30)
        except requests.RequestException as e:
            raise TrialError(f"GitHub {method} failed: {type(e).__name__}") from None
        if r.status_code >= 300:
            hint = ""
            if r.status_code in (403, 404):
                hint = (
                    " (the job needs `permissions: pull-requests: write`; a fork's pull request gets a read-only token)"
                )
            message = ""
            with contextlib.suppress(ValueError, AttributeError):
                message = str(r.json().get("message", ""))[:200]
            raise TrialError(f"GitHub answered {r.status_code} to {method} {_path(url)}: {message}{hint}")
        return r

    def comments(self, pr: int) -> list[dict[str, Any]]:
        url: str | None = f"{self._base}/repos/{self._repo}/issues/{pr}/comments?per_page=100"
        found: list[dict[str, Any]] = []
        pages = 0
        while url and pages < 100:  # 10,000 comments: far beyond any PR
            r = self._request("GET", url)
            data = r.json()
            if isinstance(data, list):
                found += [c for c in data if isinstance(c, dict)]
            url = r.links.get("next", {}).get("url")
            pages += 1
        return found

    def upsert(self, pr: int, mark: str, body: str, author: str | None = None) -> Posted:
        for c in self.comments(pr):
            text = c.get("body") or ""
            login = (c.get("user") or {}).get("login")
            # A body edited in the browser comes back with CRLF line ends: the marker line still counts.
            first = text.split("\n", 1)[0].rstrip("\r") if isinstance(text, str) else ""
            if first == mark and "\n" in text and (author is None or login == author):
                r = self._request("PATCH", f"{self._base}/repos/{self._repo}/issues/comments/{c['id']}", {"body": body})
                return Posted("updated", int(c["id"]), str(r.json().get("html_url", "")))
        r = self._request("POST", f"{self._base}/repos/{self._repo}/issues/{pr}/comments", {"body": body})
        data = r.json()
        return Posted("created", int(data["id"]), str(data.get("html_url", "")))


def _loopback(url: str) -> bool:
    m = re.match(r"http://(\[[^\]]+\]|[^/:]+)", url)
    return m is not None and is_loopback(m.group(1).strip("[]"))


def _path(url: str) -> str:
    return re.sub(r"^[a-z]+://[^/]+", "", url)
