"""Repository references: what a user types (a URL, `owner/name`) turned into one canonical identity."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from distscout.forges import DEFAULT_FORGES, GITHUB_HOST, Forge, ForgePathError, forge_for


class RepoRefError(ValueError):
    """The text does not name a repository; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class RepoRef:
    host: str  # the forge's host, a self-hosted instance's path prefix included (distscout.forges)
    owner: str  # GitLab: the whole namespace, `group/subgroup`
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def key(self) -> str:
        """Case-insensitive identity (GitHub's and GitLab's paths are both matched whatever the case)."""
        return f"{self.host}/{self.owner}/{self.name}".lower()

    @property
    def display(self) -> str:
        """How reports name it: `owner/name` on GitHub, the host first elsewhere (`gitlab.com/group/sub/p`),
        so that a name never reads as another forge's repository and always parses back."""
        return display_name(self.host, self.owner, self.name)

    @property
    def url(self) -> str:
        return f"https://{self.host}/{self.owner}/{self.name}"


def display_name(host: str, owner: str, name: str) -> str:
    return f"{owner}/{name}" if host == GITHUB_HOST else f"{host}/{owner}/{name}"


def parse_repo_ref(text: str, forges: Iterable[Forge] = DEFAULT_FORGES) -> RepoRef:
    """Accept `https://github.com/o/r`, `git+https://…/r.git`, `github.com/o/r`, `www.` forms or `o/r`
    (GitHub), `https://gitlab.com/group/sub/project/-/tree/main`, or a URL under a configured self-hosted
    GitLab's base (`forges`)."""
    raw = text.strip()
    if not raw:
        raise RepoRefError("empty repository reference")
    forges = tuple(forges)
    netloc, segments = url_parts(raw)
    forge = forge_for(forges, netloc, segments)
    if forge is None:
        known = ", ".join(f.host for f in forges)
        raise RepoRefError(f"{_shown(raw)}: host {netloc!r} is not a known forge (known: {known})")
    try:
        owner, name = forge.split(segments[len(forge.prefix) :])
    except ForgePathError as exc:
        raise RepoRefError(f"{_shown(raw)}: {exc}") from None
    return RepoRef(host=forge.host, owner=owner, name=name)


def url_parts(raw: str, default_host: str = GITHUB_HOST) -> tuple[str, list[str]]:
    """(host, path segments) of a forge URL as people type it — with or without scheme, `git+`, `www.`, or
    a bare path on `default_host`; refuses credentials and schemes that name no forge."""
    candidate = raw.removeprefix("git+")
    if "://" not in candidate:
        has_host = "." in candidate.split("/", 1)[0]
        candidate = "https://" + (candidate if has_host else f"{default_host}/" + candidate)
    parts = urlsplit(candidate)
    if parts.username or parts.password or "@" in parts.netloc:
        raise RepoRefError(f"{_shown(raw)}: a repository URL must not carry credentials")
    if parts.scheme not in ("https", "http", "ssh", "git"):
        raise RepoRefError(f"{_shown(raw)}: unsupported scheme {parts.scheme!r}")
    return parts.netloc.lower().removeprefix("www."), [s for s in parts.path.split("/") if s]


def _shown(text: str) -> str:
    """The user's input for an error message, with any credentials masked."""
    return re.sub(r"//[^/@]*@", "//***@", text)[:200]
