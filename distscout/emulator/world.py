"""Load and validate an emulator world (format 1, /work/shared/spec/world-format.md).

A world is `world.json` plus optional repository files on disk under `repos/<host>/<owner>/<name>/`. A
repository's tree is the union of its `paths`, its `files` keys and its on-disk files (inline `files` win on a
clash). Anything off-format raises `WorldError` naming the file and the field, e.g.
`world.json: repos[3].releases[0].assets: expected a list of strings, got 'x.whl'`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from distscout.emulator.checks import (
    Where,
    as_bool,
    as_choice,
    as_datetime,
    as_list,
    as_object,
    as_str,
    as_str_list,
    describe,
)
from distscout.emulator.model import (
    DEPSDEV_ECOSYSTEMS,
    ECOSYSTEMS,
    GITHUB_HOST,
    GITHUB_PACKAGE_TYPES,
    GITLAB_HOST,
    GITLAB_OWNER_TYPES,
    GITLAB_PACKAGE_TYPES,
    OWNER_TYPES,
    PROVENANCES,
    SOURCES,
    GithubPackage,
    GitlabPackage,
    Package,
    Release,
    Repo,
    Version,
    World,
    registry_key,
)
from distscout.emulator.repo_links import split_link
from distscout.emulator.tree import RepoTree
from distscout.emulator.world_disk import HOST, WorldError, disk_files, gitlab_disk_files

__all__ = ["WORLD_FILE", "WorldError", "load_world", "parse_github_url", "parse_repo_url", "world_from_dict"]

WORLD_FILE = "world.json"
FORMAT = 1
_GITHUB_URL = re.compile(r"https://github\.com/([A-Za-z0-9][A-Za-z0-9-]{0,38})/([A-Za-z0-9._-]{1,100})")
# GitLab: up to 20 nested groups, then the project; a path segment is letters, digits, _ . -
_GITLAB_URL = re.compile(
    r"https://gitlab\.com/((?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}/){1,20})([A-Za-z0-9._-]{1,100})"
)
_REPO_FIELDS = (
    "default_branch",
    "archived",
    "owner_type",
    "renamed_from",
    "paths",
    "files",
    "releases",
    "github_packages",
    "gitlab_packages",
)
_PACKAGE_FIELDS = ("sources", "provenance", "versions", "reverse_indexed")
_UNDATED = datetime.min.replace(tzinfo=UTC)


def load_world(directory: str | os.PathLike[str]) -> World:
    """Read and validate the world in `directory` (its world.json and its repos/ files)."""
    root = Path(directory)
    if not root.is_dir():
        raise WorldError(f"{root}: not a directory (a world is a folder holding {WORLD_FILE})")
    try:
        data = json.loads((root / WORLD_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorldError(f"{WORLD_FILE}: missing in {root}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise WorldError(f"{WORLD_FILE}: not readable JSON: {exc}") from None
    return world_from_dict(data, root=root)


def world_from_dict(data: Any, root: Path | None = None) -> World:
    """Validate a parsed world.json; `root` (the world folder) supplies on-disk repository files."""
    where = Where(WORLD_FILE, error=WorldError)
    top = as_object(data, where, required=("format",), optional=("repos", "packages"))
    if top["format"] != FORMAT or isinstance(top["format"], bool):
        where.key("format").fail(
            f"unsupported format {describe(top['format'])} (this emulator reads {FORMAT})"
        )
    disk = disk_files(root) if root is not None else {}
    repos = _parse_repos(as_list(top.get("repos", []), where.key("repos")), where.key("repos"), disk, root)
    if disk:
        stray = sorted(disk)[0]
        raise WorldError(f"repos/{HOST}/{stray}: no repo in {WORLD_FILE} has the url https://{HOST}/{stray}")
    packages = _parse_packages(as_list(top.get("packages", []), where.key("packages")), where.key("packages"))
    return World.build(repos, packages)


def parse_github_url(value: Any, where: Where) -> tuple[str, str]:
    """(owner, name) of a canonical `https://github.com/<owner>/<name>` URL."""
    text = as_str(value, where)
    if "@" in urlsplit(text).netloc:
        where.fail("credentials in a URL are refused")
    match = _GITHUB_URL.fullmatch(text)
    if match is None or match[2].endswith(".git") or match[2] in (".", ".."):
        where.fail(
            f"expected https://github.com/<owner>/<name> (no .git, no trailing /), got {describe(text)}"
        )
    return match[1], match[2]


def parse_repo_url(value: Any, where: Where) -> tuple[str, str, str]:
    """(host, owner or namespace, name) of a canonical `https://github.com/<owner>/<name>` or
    `https://gitlab.com/<group>[/<subgroup>…]/<project>` URL."""
    text = as_str(value, where)
    match = _GITLAB_URL.fullmatch(text)
    if match is None:
        return (GITHUB_HOST, *parse_github_url(text, where))
    if match[2].endswith(".git") or match[2] in (".", "..") or "/./" in f"/{match[1]}":
        where.fail(
            f"expected https://gitlab.com/<group>/<project> (no .git, no trailing /), got {describe(text)}"
        )
    return GITLAB_HOST, match[1].rstrip("/"), match[2]


def _parse_repos(
    items: list[Any], where: Where, disk: dict[str, dict[str, bytes]], root: Path | None
) -> list[Repo]:
    repos: list[Repo] = []
    claimed: dict[str, str] = {}  # lower-cased host/owner/name -> where it was declared
    owner_types: dict[str, tuple[str, str]] = {}  # lower-cased host/owner -> (type, where it was declared)
    for position, item in enumerate(items):
        at = where.index(position)
        repo, explicit_owner_type = _parse_repo(item, at, disk, root)
        for index, name in [(None, repo.full_name), *enumerate(repo.renamed_from)]:
            field_at = at.key("url") if index is None else at.key("renamed_from").index(index)
            key = f"{repo.host}/{name}".lower()
            if key in claimed:
                field_at.fail(f"duplicate repo https://{repo.host}/{name} (already at {claimed[key]})")
            claimed[key] = field_at.path
        owner_key = f"{repo.host}/{repo.owner}".lower()
        if explicit_owner_type:
            known = owner_types.setdefault(owner_key, (repo.owner_type, at.path))
            if known[0] != repo.owner_type:
                at.key("owner_type").fail(
                    f"conflicts with {known[1]}, where owner {repo.owner!r} is {known[0]}"
                )
        repos.append(repo)
    return [
        replace(repo, owner_type=owner_types.get(f"{repo.host}/{repo.owner}".lower(), (repo.owner_type,))[0])
        for repo in repos
    ]


def _parse_repo(
    raw: Any, where: Where, disk: dict[str, dict[str, bytes]], root: Path | None
) -> tuple[Repo, bool]:
    repo = as_object(raw, where, required=("url",), optional=_REPO_FIELDS)
    host, owner, name = parse_repo_url(repo["url"], where.key("url"))
    on_gitlab = host == GITLAB_HOST
    renamed = []
    for i, url in enumerate(as_list(repo.get("renamed_from", []), where.key("renamed_from"))):
        old_host, old_owner, old_name = parse_repo_url(url, where.key("renamed_from").index(i))
        if old_host != host:
            where.key("renamed_from").index(i).fail(
                f"expected a former https://{host}/ URL, got {describe(url)}"
            )
        renamed.append(f"{old_owner}/{old_name}")
    releases_at = where.key("releases")
    wrong = "github_packages" if on_gitlab else "gitlab_packages"
    if wrong in repo:
        where.key(wrong).fail(f"not for a repository on {host}")
    owner_types = GITLAB_OWNER_TYPES if on_gitlab else OWNER_TYPES
    files = gitlab_disk_files(root, owner, name) if on_gitlab and root is not None else None
    return Repo(
        host=host,
        owner=owner,
        name=name,
        default_branch=as_str(repo.get("default_branch", "main"), where.key("default_branch")),
        archived=as_bool(repo.get("archived", False), where.key("archived")),
        owner_type=as_choice(
            repo.get("owner_type", "Group" if on_gitlab else "Organization"),
            where.key("owner_type"),
            owner_types,
        ),
        renamed_from=tuple(renamed),
        releases=tuple(
            _parse_release(item, releases_at.index(i))
            for i, item in enumerate(as_list(repo.get("releases", []), releases_at))
        ),
        github_packages=_listed(repo, where, "github_packages", _parse_github_package),
        gitlab_packages=_listed(repo, where, "gitlab_packages", _parse_gitlab_package),
        tree=_build_tree(
            repo, where, files if files is not None else disk.pop(f"{owner}/{name}".lower(), {})
        ),
    ), "owner_type" in repo


def _listed(repo: Mapping[str, Any], where: Where, field: str, parse: Any) -> tuple[Any, ...]:
    at = where.key(field)
    return tuple(parse(item, at.index(i)) for i, item in enumerate(as_list(repo.get(field, []), at)))


def _parse_release(raw: Any, where: Where) -> Release:
    release = as_object(
        raw, where, required=("tag_name",), optional=("published_at", "draft", "prerelease", "assets")
    )
    published = release.get("published_at")
    return Release(
        tag_name=as_str(release["tag_name"], where.key("tag_name")),
        published_at=None if published is None else as_datetime(published, where.key("published_at")),
        draft=as_bool(release.get("draft", False), where.key("draft")),
        prerelease=as_bool(release.get("prerelease", False), where.key("prerelease")),
        assets=as_str_list(release.get("assets", []), where.key("assets")),
    )


def _parse_github_package(raw: Any, where: Where) -> GithubPackage:
    package = as_object(raw, where, required=("name", "package_type"), optional=())
    return GithubPackage(
        name=as_str(package["name"], where.key("name")),
        package_type=as_choice(package["package_type"], where.key("package_type"), GITHUB_PACKAGE_TYPES),
    )


def _parse_gitlab_package(raw: Any, where: Where) -> GitlabPackage:
    package = as_object(raw, where, required=("name", "package_type"), optional=("version", "created_at"))
    created = package.get("created_at")
    return GitlabPackage(
        name=as_str(package["name"], where.key("name")),
        package_type=as_choice(package["package_type"], where.key("package_type"), GITLAB_PACKAGE_TYPES),
        version=as_str(package.get("version", "1.0.0"), where.key("version")),
        created_at=None if created is None else as_datetime(created, where.key("created_at")),
    )


def _build_tree(repo: Mapping[str, Any], where: Where, on_disk: dict[str, bytes]) -> RepoTree:
    files = dict(on_disk)
    paths_at, files_at = where.key("paths"), where.key("files")
    for i, path in enumerate(as_str_list(repo.get("paths", []), paths_at)):
        files.setdefault(_check_path(path, paths_at.index(i)), b"")
    inline = repo.get("files", {})
    if not isinstance(inline, Mapping):
        files_at.fail(f"expected an object of path -> text, got {describe(inline)}")
    for path, text in inline.items():
        if not isinstance(text, str):
            files_at.key(path).fail(f"expected the file's text, got {describe(text)}")
        files[_check_path(path, files_at.key(path))] = text.encode("utf-8", "surrogatepass")
    for path in files:
        parent = path.rpartition("/")[0]
        while parent:
            if parent in files:
                where.fail(f"{parent!r} is both a file and a directory (it holds {path!r})")
            parent = parent.rpartition("/")[0]
    return RepoTree(files)


def _check_path(path: str, where: Where) -> str:
    segments = path.split("/")
    if "\x00" in path or any(segment in ("", ".", "..") for segment in segments):
        where.fail(f"expected a relative file path like 'src/a.py', got {describe(path)}")
    return path


def _parse_packages(items: list[Any], where: Where) -> list[Package]:
    packages: list[Package] = []
    seen: dict[tuple[str, str], str] = {}
    for position, item in enumerate(items):
        at = where.index(position)
        package = _parse_package(item, at)
        key = (package.ecosystem, registry_key(package.ecosystem, package.name))
        if key in seen:
            at.key("name").fail(
                f"duplicate {package.ecosystem} package {package.name!r} (already at {seen[key]})"
            )
        seen[key] = at.path
        packages.append(package)
    return packages


def _parse_package(raw: Any, where: Where) -> Package:
    package = as_object(
        raw, where, required=("ecosystem", "name", "repository_url"), optional=_PACKAGE_FIELDS
    )
    ecosystem = as_choice(package["ecosystem"], where.key("ecosystem"), ECOSYSTEMS)
    default_sources = ["depsdev", "ecosystems"] if ecosystem in DEPSDEV_ECOSYSTEMS else ["ecosystems"]
    sources_at = where.key("sources")
    sources = as_list(package.get("sources", default_sources), sources_at, "a list of sources")
    for i, source in enumerate(sources):
        as_choice(source, sources_at.index(i), SOURCES)
        if source == "depsdev" and ecosystem not in DEPSDEV_ECOSYSTEMS:
            supported = ", ".join(sorted(DEPSDEV_ECOSYSTEMS))
            sources_at.index(i).fail(f"deps.dev serves only {supported}, not {ecosystem}")
    return Package(
        ecosystem=ecosystem,
        name=as_str(package["name"], where.key("name")),
        repository_url=_parse_link(package["repository_url"], where.key("repository_url")),
        sources=frozenset(sources),
        provenance=as_choice(
            package.get("provenance", "UNVERIFIED_METADATA"), where.key("provenance"), PROVENANCES
        ),
        versions=_parse_versions(package.get("versions", []), where.key("versions")),
        reverse_indexed=as_bool(package.get("reverse_indexed", True), where.key("reverse_indexed")),
    )


def _parse_link(value: Any, where: Where) -> str | None:
    """A package's repository link, kept as spelled: registries hold every spelling of a URL, and the
    upstreams differ in how they read one (deps.dev canonicalizes, ecosyste.ms matches the string). null: the
    registry has the package with no link. Only what is no URL at all is refused."""
    if value is None:
        return None
    text = as_str(value, where)
    link = split_link(text)
    if link is None:
        where.fail(
            "expected a repository URL such as https://github.com/<owner>/<name> (or a registry's "
            "spelling of one: http://…, git+https://….git, git@github.com:<owner>/<name>.git) or null, "
            f"got {describe(text)}"
        )
    if link.has_credentials:
        where.fail("credentials in a URL are refused")
    return text


def _parse_versions(raw: Any, where: Where) -> tuple[Version, ...]:
    versions: dict[str, Version] = {}
    for i, item in enumerate(as_list(raw, where)):
        at = where.index(i)
        version = as_object(item, at, required=("version",), optional=("published_at",))
        number = as_str(version["version"], at.key("version"))
        if number in versions:
            at.key("version").fail(f"duplicate version {number!r}")
        published = version.get("published_at")
        date = None if published is None else as_datetime(published, at.key("published_at"))
        versions[number] = Version(number, date)
    # Oldest first; undated versions keep their order, ahead of the dated ones.
    return tuple(sorted(versions.values(), key=lambda v: v.published_at or _UNDATED))
