"""build.gradle / build.gradle.kts (Gradle): a best-effort Maven `group:artifact`, never evaluated.

Comments and string literals are masked first; the script is then cut into statements, each with the
chain of blocks around it (`allprojects`, `publishing`, `plugins`, ...), so that a task's
`group = "verification"` or a commented-out plugin never counts. One file alone yields, as facts:
- `group`: a publication `groupId`, the vanniktech `coordinates(...)`, a top-level `group = "..."`, or
  the file's own `allprojects { group = ... }` (a `group.property` fact when it reads a Gradle property,
  `group = GROUP` or `findProperty("GROUP")`); `allprojects.group` and `subprojects.group` separately;
- `artifact`: a publication `artifactId`, `coordinates(...)`, `archivesBaseName`, or `base.archivesName`;
- `publishes`: whether a publishing plugin is applied (`maven-publish`, legacy `maven`, `ivy-publish`,
  vanniktech, plugin-publish, convention plugins named `*publish*`, `apply from:` a publishing script)
  or a `publishing {}` / `mavenPublishing {}` / `uploadArchives {}` block is configured; plus
  `allprojects.publishes` and `subprojects.publishes`. `apply false` plugins are not applied.

A name is declared when both parts are known. `resolve` completes it from the repository: the project
name (`rootProject.name` in settings.gradle(.kts) for the root, else the directory or its `include`d
path, honouring `projectDir` overrides), the group from gradle.properties (`group`, or vanniktech's
`GROUP`) and the root build file's `allprojects`/`subprojects` blocks (last, its top-level group, as
sibling modules almost always share it). `buildSrc` and `includeBuild` directories are separate builds
and inherit nothing. Intent: a publishing plugin applied in the file, or by the root build for all
projects; otherwise "no publishing plugin applied".

Where the work is done: `_gradle_script` masks and cuts the script, `_gradle_facts` (with
`_gradle_plugins`) reads its facts, `_gradle_settings` reads the repository around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from distscout.manifests.declaration import Declaration, ParseStatus
from distscout.manifests.parsers._gradle_facts import script_facts
from distscout.manifests.parsers._gradle_script import scan
from distscout.manifests.parsers._gradle_settings import (
    first_context,
    read_properties,
    read_settings,
    root_facts,
)
from distscout.manifests.registry import ContextReader, ManifestParser


def parse(text: str, filename: str = "build.gradle") -> Declaration:
    return _declare(script_facts(scan(text, kotlin=filename.endswith(".kts"))))


def resolve(declaration: Declaration, path: str, read: ContextReader) -> Declaration:
    """Complete `group:artifact` from settings.gradle(.kts), gradle.properties and the root build file."""
    if declaration.status not in (ParseStatus.OK, ParseStatus.NO_NAME) or not declaration.facts:
        return declaration
    facts = dict(declaration.facts)
    directory = path.rpartition("/")[0]
    settings = read_settings(*first_context(read, "settings.gradle.kts", "settings.gradle"))
    properties = read_properties(first_context(read, "gradle.properties")[0])
    if not directory:
        group = _group(facts, "", properties) or properties.get("group") or properties.get("GROUP")
        _set(facts, group, facts.get("artifact") or settings.root_name)
        return _declare(facts)
    if not settings.is_member(directory):  # buildSrc, an included build: nothing is inherited
        _set(facts, _group(facts, "", {}), facts.get("artifact") or settings.name_for(directory))
        return _declare(facts)
    root = root_facts(*first_context(read, "build.gradle.kts", "build.gradle"))
    group = (
        _group(facts, "", properties)
        or _group(root, "subprojects.", properties)
        or _group(root, "allprojects.", properties)
        or properties.get("group")
        or properties.get("GROUP")
        or _group(root, "", properties)
    )
    _set(facts, group, facts.get("artifact") or settings.name_for(directory))
    if facts.get("publishes") != "true":
        for scope in ("subprojects", "allprojects"):
            if root.get(f"{scope}.publishes") == "true":
                facts["publishes"] = "true"
                return _declare(facts, f"the root build applies a publishing plugin to {scope}")
    return _declare(facts)


def _set(facts: dict[str, str], group: str | None, artifact: str | None) -> None:
    if group:
        facts["group"] = group
    if artifact:
        facts["artifact"] = artifact


def _group(facts: Mapping[str, str], prefix: str, properties: Mapping[str, str]) -> str | None:
    if value := facts.get(prefix + "group"):
        return value
    reference = facts.get(prefix + "group.property")
    return properties.get(reference) if reference else None


def _declare(facts: dict[str, str], publish_reason: str = "a publishing plugin is applied") -> Declaration:
    group, artifact = facts.get("group"), facts.get("artifact")
    publishes = facts.get("publishes") == "true"
    if group and artifact:
        reason = publish_reason if publishes else "no publishing plugin applied"
        declaration = Declaration.named(f"{group}:{artifact}", intent=publishes, reason=reason)
    elif artifact:
        declaration = Declaration.no_name("no group known")
    elif group:
        declaration = Declaration.no_name("the project name is not known from this file alone")
    else:
        declaration = Declaration.no_name("neither group nor project name is known")
    return replace(declaration, facts=tuple(facts.items()))


PARSER = ManifestParser(
    manifest_type="maven",
    key="gradle",
    version=1,
    parse=parse,
    filenames=frozenset({"build.gradle", "build.gradle.kts"}),
    resolve=resolve,
    context_files=(
        "settings.gradle",
        "settings.gradle.kts",
        "gradle.properties",
        "build.gradle",
        "build.gradle.kts",
    ),
)
