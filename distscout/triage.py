"""Orphan triage (issue 18): why a declared name has no registry evidence of this repository. Pure.

An orphan is a manifest that declares a package no registry maps back to the repository. The name lookup
(`distscout.sources.name_lookup`) asks the registries about the declared name itself; from its captures
each orphan gets a verdict:

- `unregistered`: no registry has a package of that name — anyone can take it (a takeover risk);
- `taken`: the name exists and links to another repository — not this repository's to publish;
- `unlinked`: the name exists with no repository link, or one that is this repository in another spelling
  (`git+….git`, `http://`, a former name, a mirror on another forge) — published from here, most likely:
  counted as published (evidence: the name), not an orphan;
- `linked`: the name exists and links to this repository exactly; the reverse lookups missed it (index
  lag) — not an orphan: registry evidence from the name lookup;
- `unknown`: no registry answers name lookups for the ecosystem, or the lookup did not answer (says which);
- `invalid-name`: the declared name is not valid in its ecosystem; nothing is asked.

An empty or failed answer is never read as "unregistered": only a registry's clean "no such package"
(a 404 from a service known to serve the ecosystem) is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any
from urllib.parse import unquote

from distscout.captures import GITHUB_REPO, GITLAB_PROJECT, Capture
from distscout.ecosystems import DEPSDEV_SYSTEMS, ECOSYSTEMS_REGISTRIES, lookup_spelling, name_source
from distscout.ecosystems import normalize_name as normalized
from distscout.interpreters import registry_sources
from distscout.interpreters.base import Interpretation, as_dict, as_list, json_of, package_row, time_of
from distscout.interpreters.name_lookup import (
    DEPSDEV_PACKAGE,
    DEPSDEV_VERSION,
    ECOSYSTEMS_PACKAGE,
    ECOSYSTEMS_REGISTRY,
    NAME_LOOKUP,
)
from distscout.manifests.declaration import Declaration, ParseStatus
from distscout.observations import RegistryObservation
from distscout.repos import RepoRef, RepoRefError, parse_repo_ref


class Verdict(StrEnum):
    UNREGISTERED = "unregistered"
    TAKEN = "taken"
    UNLINKED = "unlinked"
    LINKED = "linked"
    UNKNOWN = "unknown"
    INVALID_NAME = "invalid-name"


# Still orphans (in the orphan list, unregistered first: the takeover risk); the name-matched ones are not.
ORPHAN_VERDICTS = (Verdict.UNREGISTERED, Verdict.TAKEN, Verdict.UNKNOWN)
NAME_MATCHED = (Verdict.LINKED, Verdict.UNLINKED)
VERDICTS = tuple(Verdict)
NO_NAME_SOURCE = "no registry answers name lookups for"  # an unknown verdict no recheck can change


@dataclass(frozen=True)
class Triage:
    verdict: Verdict
    detail: str
    linked_repository: str | None = None  # taken: the repository the registry links the name to
    evidence: RegistryObservation | None = None  # linked / unlinked: the package, as registry evidence


@dataclass(frozen=True)
class Identity:
    """The repository as a registry's link may name it: its key (`github.com/acme/widget`) and former keys."""

    key: str
    former: frozenset[str] = frozenset()
    host: str = ""  # the forge's host, a self-hosted instance's path prefix included

    @property
    def path(self) -> str:
        """The repository's path on its forge (`acme/widget`, `group/sub/project`): what a mirror keeps."""
        host = self.host or self.key.partition("/")[0]
        return self.key.removeprefix(host.lower() + "/")


def subject(ecosystem: str, name: str) -> str:
    """What a name lookup's captures are about: the ecosystem and the normalized name."""
    return f"{ecosystem}/{normalized(ecosystem, name)}"


def candidates(result: Interpretation) -> list[Declaration]:
    """The orphan candidates: manifests declaring intent whose name no registry row of the repo has."""
    registries = set(registry_sources()) - {NAME_LOOKUP}
    published = {
        (row.ecosystem, normalized(row.ecosystem, row.package_name))
        for row in result.registry
        if row.source in registries
    }
    swift = any(ecosystem == "swiftpm" for ecosystem, _ in published)  # SwiftPM: one package per repository
    return [
        d
        for d in result.manifests
        if d.intent
        and d.status is ParseStatus.OK
        and d.name
        and d.normalized_name is not None
        and (d.manifest_type, d.normalized_name) not in published
        and not (swift and d.manifest_type == "swiftpm")
    ]


def identity_of(repo: RepoRef, stored: Iterable[Capture]) -> Identity:
    """The repository's key, and the names its forge metadata shows it had (a rename, the fleet's name)."""
    keys = {repo.key}
    for capture in stored:
        if capture.source not in (GITHUB_REPO, GITLAB_PROJECT):
            continue
        for name in (capture.subject, *_asked_names(capture.request)):
            if name and "/" in name:
                keys.add(f"{repo.host}/{name}".lower())
    current = next(
        (f"{repo.host}/{c.subject}".lower() for c in stored if c.source in (GITHUB_REPO, GITLAB_PROJECT)),
        repo.key,
    )
    return Identity(current, frozenset(keys - {current}), repo.host)


def _asked_names(request: str) -> list[str]:
    found = re.findall(r"repository\(([^)\s]+)\)", request)  # GraphQL: "repository(owner/name) metadata"
    for prefix in ("GET /repos/", "GET /projects/"):
        if request.startswith(prefix):
            found.append(unquote(request.removeprefix(prefix).partition("?")[0]))
    return found


def triage(result: Interpretation, stored: Sequence[Capture], identity: Identity) -> dict[str, Triage]:
    """Each manifest's verdict, by path: the orphan candidates and the invalid names; others have none."""
    answers: dict[str, list[Capture]] = defaultdict(list)
    for capture in stored:
        if capture.source == NAME_LOOKUP:
            answers[capture.subject].append(capture)
    verdicts = {
        d.path: Triage(Verdict.INVALID_NAME, d.detail or "not a valid name in its ecosystem")
        for d in result.manifests
        if d.status is ParseStatus.INVALID_NAME
    }
    for declaration in candidates(result):
        name = declaration.name or ""  # a candidate has a name
        found = answers.get(subject(declaration.manifest_type, name), [])
        verdicts[declaration.path] = judge(declaration.manifest_type, name, found, identity)
    return verdicts


def judge(ecosystem: str, name: str, found: Sequence[Capture], identity: Identity) -> Triage:
    """One orphan's verdict from the name lookup's captures about its name."""
    source = name_source(ecosystem)
    if source is None:
        return Triage(Verdict.UNKNOWN, f"{NO_NAME_SOURCE} {ecosystem}")
    if not found:
        return Triage(Verdict.UNKNOWN, "not looked up yet: the name lookup has not answered for this name")
    if source == "depsdev":
        return _depsdev(ecosystem, name, found, identity)
    return _ecosystems(ecosystem, name, found, identity)


def _last(found: Sequence[Capture], kind: str) -> Capture | None:
    return next((c for c in reversed(found) if c.kind == kind), None)


def _answer(capture: Capture | None, service: str, what: str) -> dict[str, Any] | Triage:
    """The capture's JSON object; else unknown, saying why (missing, an error status, or garbage)."""
    if capture is None:
        return Triage(Verdict.UNKNOWN, f"{service}'s {what} did not arrive")
    if capture.status == 0:
        return Triage(Verdict.UNKNOWN, f"{service} did not answer ({what})")
    if capture.status != 200:
        return Triage(Verdict.UNKNOWN, f"{service} answered HTTP {capture.status} ({what})")
    body = json_of(capture)
    if not isinstance(body, dict):
        return Triage(Verdict.UNKNOWN, f"{service} answered something that is not its JSON ({what})")
    return body


def _depsdev(ecosystem: str, name: str, found: Sequence[Capture], identity: Identity) -> Triage:
    package = _last(found, DEPSDEV_PACKAGE)
    system = DEPSDEV_SYSTEMS[ecosystem]
    if package is not None and package.status == 404:
        return Triage(
            Verdict.UNREGISTERED, f"deps.dev has no {system} package {lookup_spelling(ecosystem, name)}"
        )
    body = _answer(package, "deps.dev", "the package")
    if isinstance(body, Triage):
        return body
    if not depsdev_package_ok(body, ecosystem, name):
        return Triage(Verdict.UNKNOWN, _NOT_ASKED.format(service="deps.dev", what="package"))
    versions = [as_dict(v) for v in as_list(body.get("versions"))]
    details = _answer(_last(found, DEPSDEV_VERSION), "deps.dev", "the default version's details")
    if isinstance(details, Triage):
        return details
    if not depsdev_version_ok(details):
        return Triage(Verdict.UNKNOWN, _NOT_ASKED.format(service="deps.dev", what="version"))
    related = [
        as_dict(p)
        for p in as_list(details.get("relatedProjects"))
        if as_dict(p).get("relationType") == "SOURCE_REPO"
    ]
    links = [(str(as_dict(p.get("projectKey")).get("id") or ""), True) for p in related]
    links += [
        (str(link.get("url") or ""), False)
        for link in map(as_dict, as_list(details.get("links")))
        if link.get("label") == "SOURCE_REPO"
    ]
    dates = [t for t in (time_of(v.get("publishedAt")) for v in versions) if t is not None]
    provenance = next((str(p["relationProvenance"]) for p in related if p.get("relationProvenance")), None)
    evidence = RegistryObservation(  # under the declared name, which the answer was checked to match
        ecosystem,
        name,
        NAME_LOOKUP,
        version_count=len(versions),
        first_published_at=min(dates, default=None),
        latest_published_at=max(dates, default=None),
        provenance=provenance or "UNVERIFIED_METADATA",
    )
    return _decide("deps.dev", links, identity, evidence)


def _ecosystems(ecosystem: str, name: str, found: Sequence[Capture], identity: Identity) -> Triage:
    registry = ECOSYSTEMS_REGISTRIES[ecosystem]
    known = _last(found, ECOSYSTEMS_REGISTRY)
    if known is not None and known.status == 404:  # the service does not know that registry: no answer
        return Triage(Verdict.UNKNOWN, f"ecosyste.ms does not serve the registry {registry}")
    served_registry = _answer(known, "ecosyste.ms", f"the registry {registry}")
    if isinstance(served_registry, Triage):
        return served_registry
    if not ecosystems_registry_ok(served_registry):
        return Triage(Verdict.UNKNOWN, _NOT_ASKED.format(service="ecosyste.ms", what="registry"))
    package = _last(found, ECOSYSTEMS_PACKAGE)
    if package is not None and package.status == 404:
        return Triage(Verdict.UNREGISTERED, f"{registry} has no package {name} (ecosyste.ms)")
    record = _answer(package, "ecosyste.ms", "the package")
    if isinstance(record, Triage):
        return record
    if not ecosystems_package_ok(record, ecosystem, name):
        return Triage(Verdict.UNKNOWN, _NOT_ASKED.format(service="ecosyste.ms", what="package"))
    link = record.get("repository_url")
    links: list[tuple[str, bool]] = []
    if isinstance(link, str) and link.strip():
        # ecosyste.ms's reverse lookup matches `https://host/path` exactly, ignoring case only
        links.append((link, link.strip().lower() == f"https://{identity.key}"))
    evidence = package_row(
        ecosystem,
        name,
        NAME_LOOKUP,
        record,
        count_field="versions_count",
        date_fields=("first_release_published_at", "latest_release_published_at"),
    )
    return _decide("ecosyste.ms", links, identity, evidence)


_NOT_ASKED = "{service} answered, but not with the {what} asked about: its answer is not read"


# What an answer must hold to be read at all (the name lookup refuses to keep one that does not): a
# garbled 200 is never a verdict.
def depsdev_package_ok(data: Any, ecosystem: str, name: str) -> bool:
    body = as_dict(data)
    served = as_dict(body.get("packageKey")).get("name")
    versions = as_list(body.get("versions"))
    return (
        isinstance(served, str)
        and normalized(ecosystem, served) == normalized(ecosystem, lookup_spelling(ecosystem, name))
        and bool(versions)
        and all(isinstance(as_dict(as_dict(v).get("versionKey")).get("version"), str) for v in versions)
    )


def depsdev_version_ok(data: Any) -> bool:
    return isinstance(as_dict(as_dict(data).get("versionKey")).get("version"), str)


def ecosystems_registry_ok(data: Any) -> bool:
    return isinstance(as_dict(data).get("name"), str)


def ecosystems_package_ok(data: Any, ecosystem: str, name: str) -> bool:
    served = as_dict(data).get("name")
    return isinstance(served, str) and normalized(ecosystem, served) == normalized(ecosystem, name)


def _decide(
    service: str, links: list[tuple[str, bool]], identity: Identity, evidence: RegistryObservation
) -> Triage:
    """The verdict from a package's repository links: (as given, whether in the reverse lookups' spelling)."""
    keyed = [(raw.strip(), _key_of(raw, identity), exact) for raw, exact in links if raw.strip()]
    for _, key, exact in keyed:
        if key == identity.key and exact:
            detail = f"{service} links it to this repository; the reverse lookups missed it (index lag)"
            return Triage(Verdict.LINKED, detail, evidence=evidence)
    matched = _name_matched(keyed, identity)
    if matched is not None:
        return Triage(Verdict.UNLINKED, f"{service}: {matched}", evidence=_as_name_match(evidence))
    elsewhere = [key for _, key, _ in keyed if key is not None]
    if elsewhere:
        return Triage(
            Verdict.TAKEN, f"{service} links it to another repository: {elsewhere[0]}", elsewhere[0]
        )
    shown = f" (its link {keyed[0][0][:200]!r} names no repository)" if keyed else ""
    detail = f"{service} has the package with no repository link{shown}"
    return Triage(Verdict.UNLINKED, detail, evidence=_as_name_match(evidence))


def _key_of(link: str, identity: Identity) -> str | None:
    """The repository a link names; this one's key wherever the link is this repository or a page of it —
    on a self-hosted GitLab too, whose path prefix no general rule can tell from a group."""
    located = _host_and_path(link)
    if located is not None:
        whole = "/".join(located)
        if whole == identity.key or whole.startswith(identity.key + "/"):
            return identity.key
    return repo_key(link)


def _name_matched(keyed: list[tuple[str, str | None, bool]], identity: Identity) -> str | None:
    for raw, key, _ in keyed:
        if key == identity.key:
            return f"links to this repository as {raw[:200]!r}, a spelling its reverse lookup does not match"
    for _, key, _ in keyed:
        if key in identity.former:
            return f"links to this repository's former name {key}"
    for raw, key, _ in keyed:
        located = _host_and_path(raw)
        if key is not None and located is not None and located[1] == identity.path:
            return f"links to a mirror of this repository: {key}"
    return None


def _as_name_match(evidence: RegistryObservation) -> RegistryObservation:
    return replace(evidence, provenance="NAME_MATCH")


_SCP_FORM = re.compile(r"^[\w.-]+@([\w.-]+):(?!\d+/)(.+)$")
_SHORTHAND = {"github:": "github.com/", "gitlab:": "gitlab.com/", "bitbucket:": "bitbucket.org/"}


def repo_key(link: str) -> str | None:
    """The repository a link names, as `host/path` lower-cased; None where it names none.

    Takes the spellings registries hold: `git+https://….git`, `git+ssh://git@host:22/o/r.git`,
    `git@host:o/r`, `http://`, `www.`, npm's `github:o/r`, a page below the repository (`/tree/main`,
    GitLab's `/-/…`). A link is untrusted text: whatever it holds, the answer is a key or None.
    """
    located = _host_and_path(link)
    if located is None:
        return None
    host, path = located
    try:
        return parse_repo_ref(f"https://{host}/{path}").key.removesuffix(".git")
    except (RepoRefError, ValueError):  # not a forge we track, or a URL the parser refuses
        segments = [s for s in path.split("/") if s]
        if len(segments) < 2:
            return None
        return f"{host}/{segments[0]}/{segments[1].removesuffix('.git')}"


def _host_and_path(link: str) -> tuple[str, str] | None:
    """(host without port, credentials or `www.`; path without query, fragment or `.git`), lower-cased."""
    text = link.strip().removeprefix("git+")
    if not text or not text.isprintable() or not _encodable(text):
        return None
    for short, host in _SHORTHAND.items():
        if text.startswith(short):
            text = host + text.removeprefix(short)
    text = text.split("#", 1)[0].split("?", 1)[0]
    if "://" in text:
        text = text.split("://", 1)[1]
    elif (scp := _SCP_FORM.match(text)) is not None:  # git@host:owner/name (no scheme: no port either)
        text = f"{scp.group(1)}/{scp.group(2)}"
    authority, _, path = text.partition("/")
    host = authority.rsplit("@", 1)[-1].partition(":")[0].lower().removeprefix("www.")
    path = path.strip("/").lower().removesuffix(".git")
    if "." not in host or not path or not re.fullmatch(r"[a-z0-9.-]+", host):
        return None
    return host, path


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: no database column takes it
        return False
    return True


def triage_values(found: Triage | None) -> dict[str, Any]:
    """The manifest row's triage columns."""
    if found is None:
        return {"verdict": None, "verdict_detail": "", "linked_repository": None}
    return {
        "verdict": found.verdict.value,
        "verdict_detail": found.detail[:500],
        "linked_repository": found.linked_repository[:500] if found.linked_repository else None,
    }
