"""Repository references: what a user types (a URL, `owner/name`) turned into one canonical identity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

SUPPORTED_HOSTS = frozenset({"github.com"})
_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class RepoRefError(ValueError):
    """The text does not name a repository; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class RepoRef:
    host: str
    owner: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def key(self) -> str:
        """Case-insensitive identity (GitHub owner and repo names are case-insensitive)."""
        return f"{self.host}/{self.owner}/{self.name}".lower()

    @property
    def url(self) -> str:
        return f"https://{self.host}/{self.owner}/{self.name}"

    @property
    def depsdev_project_id(self) -> str:
        """deps.dev lower-cases the first two path segments of GitHub ids."""
        return self.key


def parse_repo_ref(text: str) -> RepoRef:
    """Accept `https://github.com/o/r`, `git+https://…/r.git`, `github.com/o/r`, `www.` forms or `o/r`."""
    raw = text.strip()
    if not raw:
        raise RepoRefError("empty repository reference")
    candidate = raw.removeprefix("git+")
    if "://" not in candidate:
        has_host = "." in candidate.split("/", 1)[0]
        candidate = "https://" + (candidate if has_host else "github.com/" + candidate)
    parts = urlsplit(candidate)
    if parts.username or parts.password or "@" in parts.netloc:
        raise RepoRefError(f"{_shown(raw)}: a repository URL must not carry credentials")
    if parts.scheme not in ("https", "http", "ssh", "git"):
        raise RepoRefError(f"{_shown(raw)}: unsupported scheme {parts.scheme!r}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        raise RepoRefError(f"{_shown(raw)}: expected owner/name")
    owner, name = segments[0], segments[1].removesuffix(".git")
    if not (_SEGMENT.match(owner) and _SEGMENT.match(name)) or name in (".", ".."):
        raise RepoRefError(f"{_shown(raw)}: not a valid owner/name")
    if host not in SUPPORTED_HOSTS:
        raise RepoRefError(f"{_shown(raw)}: host {host!r} is not supported yet (supported: github.com)")
    return RepoRef(host=host, owner=owner, name=name)


def _shown(text: str) -> str:
    """The user's input for an error message, with any credentials masked."""
    return re.sub(r"//[^/@]*@", "//***@", text)[:200]
