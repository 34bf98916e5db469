"""Forges: the hosts repositories live on. A forge owns its URLs — how a path names a repository, the
repository's key, deps.dev's project id and the URL ecosyste.ms is asked with (design §2).

Two kinds, each with its own path rule:
- GitHub: exactly `owner/name`; anything after (`/tree/main/src`) is a page of the repository.
- GitLab: a namespace of nested groups, then the project (`group/sub/project`); a `-` segment starts a
  page's tail (`/-/tree/main`, `/-/releases`).

github.com and gitlab.com are always known; a self-hosted GitLab is named by its base URL, path prefix and
all (`https://git.example.com/gitlab`): its repositories' host is `git.example.com/gitlab`, so their keys
stay apart from any other instance's. deps.dev indexes github.com, gitlab.com and bitbucket.org only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from distscout.repos import RepoRef

GITHUB = "github"
GITLAB = "gitlab"
GITHUB_HOST = "github.com"
KINDS = (GITHUB, GITLAB)
_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
GITLAB_MAX_DEPTH = 20  # GitLab nests groups 20 deep at most
OWNER_MAX = 100  # the store's owner column: a namespace path longer than this is refused, not cut
HOST_MAX = 100  # the store's host column, a self-hosted instance's path prefix included


class ForgePathError(ValueError):
    """The path does not name a repository on this forge; the message says why."""


@dataclass(frozen=True, slots=True)
class Forge:
    kind: str  # GITHUB or GITLAB: the sources that apply to a forge name its kind
    host: str  # "github.com", "gitlab.com", or a self-hosted base without scheme: "git.example.com/gitlab"
    api_url: str  # its REST API's base
    depsdev: bool = False  # deps.dev indexes this host's projects

    @property
    def netloc(self) -> str:
        return self.host.partition("/")[0]

    @property
    def prefix(self) -> tuple[str, ...]:
        """The path a self-hosted instance lives under (empty for the public forges)."""
        return tuple(s for s in self.host.partition("/")[2].split("/") if s)

    def split(self, segments: Sequence[str]) -> tuple[str, str]:
        """(owner or namespace, name) from a URL's path below the forge's prefix."""
        if self.kind == GITLAB:
            tail = segments.index("-") if "-" in segments else len(segments)
            segments = segments[:tail]
            if len(segments) > GITLAB_MAX_DEPTH + 1:
                raise ForgePathError(f"more than {GITLAB_MAX_DEPTH} nested groups")
        else:
            segments = segments[:2]
        if len(segments) < 2:
            raise ForgePathError("expected owner/name" if self.kind == GITHUB else "expected group/project")
        *namespace, name = segments
        name = name.removesuffix(".git")
        if not all(_SEGMENT.match(s) and s not in (".", "..") for s in (*namespace, name)):
            raise ForgePathError("not a valid owner/name")
        owner = "/".join(namespace)
        if len(owner) > OWNER_MAX:
            raise ForgePathError(f"a namespace longer than {OWNER_MAX} characters")
        return owner, name

    def depsdev_project_id(self, ref: RepoRef) -> str | None:
        """deps.dev's project key: it lower-cases GitHub's two segments and every one of GitLab's."""
        return ref.key if self.depsdev else None

    def repository_url(self, ref: RepoRef) -> str:
        """The URL registries and ecosyste.ms record for the repository (GitLab keeps its subgroups)."""
        return ref.url


def github(api_url: str = "https://api.github.com") -> Forge:
    return Forge(GITHUB, "github.com", api_url.rstrip("/"), depsdev=True)


def gitlab(api_url: str = "https://gitlab.com/api/v4") -> Forge:
    return Forge(GITLAB, "gitlab.com", api_url.rstrip("/"), depsdev=True)


def self_hosted_gitlab(base_url: str) -> Forge:
    """A GitLab instance at `base_url` (its API at `{base_url}/api/v4`); raises ValueError when unusable."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.query:
        raise ValueError(f"expected a GitLab base URL such as https://git.example.com, got {base_url!r}")
    netloc = parts.netloc.lower().removeprefix("www.")
    path = "/".join(s for s in parts.path.split("/") if s)
    host = f"{netloc}/{path}" if path else netloc
    if host in ("github.com", "gitlab.com"):
        raise ValueError(f"{base_url!r} is a public forge, known without configuration")
    if len(host) > HOST_MAX:
        raise ValueError(
            f"a GitLab base URL of at most {HOST_MAX} characters without its scheme, got {len(host)}"
        )
    return Forge(GITLAB, host, f"{parts.scheme}://{host}/api/v4")


DEFAULT_FORGES: tuple[Forge, ...] = (github(), gitlab())


def forge_for(forges: Iterable[Forge], netloc: str, segments: Sequence[str]) -> Forge | None:
    """The forge a URL's host and path belong to: the longest matching self-hosted prefix wins."""
    matching = [
        forge
        for forge in forges
        if forge.netloc == netloc and tuple(segments[: len(forge.prefix)]) == forge.prefix
    ]
    return max(matching, key=lambda forge: len(forge.prefix), default=None)


def forge_of(forges: Iterable[Forge], host: str) -> Forge | None:
    """The forge of a stored repository, by its host (prefix included)."""
    return next((forge for forge in forges if forge.host == host), None)
