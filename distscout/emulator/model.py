"""The typed, immutable world the emulator serves, with the indexes every request needs precomputed."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from distscout.emulator.tree import RepoTree

DEPSDEV_ECOSYSTEMS = frozenset({"npm", "pypi", "cargo", "maven", "rubygems", "nuget", "go"})
ECOSYSTEMS = DEPSDEV_ECOSYSTEMS | {
    "composer", "hex", "pub", "hackage", "cran", "bioconductor", "conda", "julia", "swiftpm", "cocoapods",
    "conan", "deb", "rpm", "apk", "homebrew",
}  # fmt: skip
SOURCES = frozenset({"depsdev", "ecosystems"})
PROVENANCES = frozenset(
    {
        "SLSA_ATTESTATION",
        "GO_ORIGIN",
        "PYPI_PUBLISH_ATTESTATION",
        "RUBYGEMS_PUBLISH_ATTESTATION",
        "UNVERIFIED_METADATA",
        "UNKNOWN_PROJECT_RELATION_PROVENANCE",
    }
)
OWNER_TYPES = frozenset({"User", "Organization"})
GITLAB_OWNER_TYPES = frozenset({"Group", "User"})  # a GitLab namespace's kind, capitalised
GITHUB_PACKAGE_TYPES = frozenset({"npm", "maven", "rubygems", "docker", "nuget", "container"})
GITHUB_HOST, GITLAB_HOST = "github.com", "gitlab.com"
# GitLab's package registry, per project (its `package_type` values; ml_model and the like left out)
GITLAB_PACKAGE_TYPES = frozenset(
    {"npm", "maven", "pypi", "nuget", "composer", "conan", "golang", "helm", "terraform_module", "generic",
     "debian", "rubygems"}
)  # fmt: skip

_PEP503_SEPARATORS = re.compile(r"[-_.]+")


def registry_key(ecosystem: str, name: str) -> str:
    """The spelling under which a registry treats two names as one package (PyPI PEP 503, NuGet any case)."""
    if ecosystem == "pypi":
        return _PEP503_SEPARATORS.sub("-", name).lower()
    return name.lower() if ecosystem == "nuget" else name


@dataclass(frozen=True, slots=True)
class Release:
    tag_name: str
    published_at: datetime | None
    draft: bool
    prerelease: bool
    assets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GithubPackage:
    name: str
    package_type: str


@dataclass(frozen=True, slots=True)
class GitlabPackage:
    name: str
    package_type: str
    version: str
    created_at: datetime | None = None  # when this version was uploaded (None: the emulator's default)


@dataclass(frozen=True, slots=True)
class Repo:
    host: str
    owner: str
    name: str
    default_branch: str
    archived: bool
    owner_type: str
    renamed_from: tuple[str, ...]  # former "owner/name"s, as written
    releases: tuple[Release, ...]  # newest first
    github_packages: tuple[GithubPackage, ...]
    tree: RepoTree = field(repr=False)
    gitlab_packages: tuple[GitlabPackage, ...] = ()

    @property
    def on_gitlab(self) -> bool:
        return self.host == GITLAB_HOST

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def key(self) -> str:
        """Lower-cased path: unique per host (GitHub's and GitLab's repositories are indexed apart)."""
        return self.full_name.lower()

    @property
    def url(self) -> str:
        return f"https://{self.host}/{self.full_name}"


@dataclass(frozen=True, slots=True)
class Version:
    version: str
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class Package:
    ecosystem: str
    name: str
    repository_url: str | None  # as the registry spells it (any URL form); None: the package has no link
    sources: frozenset[str]
    provenance: str
    versions: tuple[Version, ...]  # oldest first; undated versions first, in the world's order
    reverse_indexed: bool = True  # False: index lag, the reverse lookups do not list it yet

    @property
    def in_reverse_index(self) -> bool:
        """Whether repository -> package lookups list it: it has a link and the index has caught up."""
        return self.repository_url is not None and self.reverse_indexed

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    @property
    def first_published_at(self) -> datetime | None:
        return min((v.published_at for v in self.versions if v.published_at), default=None)

    @property
    def latest_published_at(self) -> datetime | None:
        return max((v.published_at for v in self.versions if v.published_at), default=None)


@dataclass(frozen=True, slots=True)
class Owner:
    login: str
    owner_type: str
    repos: tuple[Repo, ...]  # by lower-cased full name


@dataclass(frozen=True)
class World:
    repos: tuple[Repo, ...]
    packages: tuple[Package, ...]
    repos_by_key: Mapping[str, Repo]  # GitHub's, by lower-cased "owner/name"
    renamed_from: Mapping[str, Repo]  # GitHub's, lower-cased former "owner/name" -> current repo
    owners: Mapping[str, Owner]  # GitHub's, by lower-cased login
    packages_by_name: Mapping[tuple[str, str], Package]  # (ecosystem, registry_key(name))
    # linked packages by lower-cased repository_url as spelled (reverse-indexed or not; no null links)
    packages_by_repository_url: Mapping[str, tuple[Package, ...]]
    # GitLab's projects by lower-cased full path, former paths included (GitLab follows its redirects)
    gitlab_projects: Mapping[str, Repo] = field(default_factory=dict)
    gitlab_by_id: Mapping[int, Repo] = field(default_factory=dict)

    @classmethod
    def build(cls, repos: Iterable[Repo], packages: Iterable[Package]) -> World:
        """Index validated repos and packages (uniqueness is the loader's job)."""
        repos, packages = tuple(repos), tuple(packages)
        github = [repo for repo in repos if not repo.on_gitlab]
        gitlab = [repo for repo in repos if repo.on_gitlab]
        renamed = {old.lower(): repo for repo in github for old in repo.renamed_from}
        by_owner: dict[str, list[Repo]] = defaultdict(list)
        for repo in github:
            by_owner[repo.owner.lower()].append(repo)
        owners = {
            login: Owner(group[0].owner, group[0].owner_type, tuple(sorted(group, key=lambda r: r.key)))
            for login, group in by_owner.items()
        }
        by_url: dict[str, list[Package]] = defaultdict(list)
        for package in packages:
            if package.repository_url is not None:
                by_url[package.repository_url.lower()].append(package)
        return cls(
            repos=repos,
            packages=packages,
            repos_by_key=MappingProxyType({repo.key: repo for repo in github}),
            renamed_from=MappingProxyType(renamed),
            owners=MappingProxyType(owners),
            packages_by_name=MappingProxyType(
                {(p.ecosystem, registry_key(p.ecosystem, p.name)): p for p in packages}
            ),
            packages_by_repository_url=MappingProxyType({url: tuple(group) for url, group in by_url.items()}),
            gitlab_projects=MappingProxyType(
                {old.lower(): repo for repo in gitlab for old in repo.renamed_from}
                | {repo.key: repo for repo in gitlab}
            ),
            gitlab_by_id=MappingProxyType({gitlab_project_id(repo): repo for repo in gitlab}),
        )


def gitlab_project_id(repo: Repo) -> int:
    """The numeric id GitLab gives a project (a world is static: its current path names it for good)."""
    digest = hashlib.sha1(repo.key.encode(), usedforsecurity=False).hexdigest()
    return int(digest[:7], 16) + 1
