"""pom.xml: `groupId:artifactId` of the `<project>`, the groupId inherited from `<parent>` when absent.

`${...}` references in either are resolved from the file's own `<properties>` and the project/parent
coordinates; anything else (a parent's property, an environment variable) makes the name unsupported.

No-publish signals, as each publishing plugin spells them (only `<build><plugins>` counts:
`pluginManagement` configures children, and profiles are off by default):
- the `maven.deploy.skip` property, or `maven-deploy-plugin` configured with `<skip>true`;
- the `skipNexusStagingDeployMojo` property, or `nexus-staging-maven-plugin` configured with
  `skipNexusStagingDeployMojo` / `skipStaging` true;
- `central-publishing-maven-plugin` configured with `<skipPublishing>true`.
Either Sonatype plugin, declared here and not skipped, replaces the deploy goal, so a deploy skip
next to it is the usual "publish through Sonatype instead" setup, not an opt-out.
`maven.install.skip` and `<packaging>pom</packaging>` are not signals: parents and BOMs are published.

With the repo at hand, `resolve` follows the `<parent>` chain (`relativePath`, `../pom.xml` by default) and
applies what a module inherits: properties, `<build><plugins>` not marked `<inherited>false`, and the
parent's `pluginManagement` for the deploy plugin (bound to every module's lifecycle by default). So a
module under a parent that skips `maven-deploy-plugin` and publishes itself through a non-inherited
Sonatype plugin is, correctly, not published.
"""

from __future__ import annotations

import posixpath
import re
from xml.etree.ElementTree import Element

from distscout.manifests.declaration import Declaration, ParseStatus
from distscout.manifests.formats import ManifestError, child, child_text, local_name, parse_xml
from distscout.manifests.registry import ContextReader, ManifestParser

_REFERENCE = re.compile(r"\$\{([^${}]+)\}")
_MAX_EXPANSIONS = 10  # properties may refer to properties; a cycle must stop somewhere
_MAX_EXPANDED = 1000  # and nested references must not multiply into a "billion laughs" of text
_MAX_ANCESTORS = 5

_DEPLOY_PLUGIN = "maven-deploy-plugin"
# Plugins that take over the deploy phase, with the configuration flags that switch them off.
_PUBLISHER_SKIPS = {
    "nexus-staging-maven-plugin": ("skipNexusStagingDeployMojo", "skipStaging"),
    "central-publishing-maven-plugin": ("skipPublishing",),
}


def parse(text: str, filename: str = "pom.xml") -> Declaration:
    try:
        project = parse_xml(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    if local_name(project) != "project":
        return Declaration.malformed(f"root element is <{local_name(project)}>, not <project>")
    values = _known_values(project)
    artifact_id = child_text(project, "artifactId")
    if artifact_id is None:
        return Declaration.no_name("<project> has no artifactId")
    group_id = values.get("project.groupId")
    if group_id is None:
        return Declaration.no_name("neither <project> nor <parent> has a groupId")
    artifact, group = _expand(artifact_id, values), _expand(group_id, values)
    if artifact is None or group is None:
        return Declaration.unsupported(f"unresolved property in {group_id}:{artifact_id}")
    opt_out = _no_publish_reason(_build_plugins(project), {}, values)
    if opt_out:
        return Declaration.named(f"{group}:{artifact}", intent=False, reason=opt_out)
    return Declaration.named(f"{group}:{artifact}", reason="groupId:artifactId, deploy not skipped")


def _known_values(project: Element) -> dict[str, str]:
    """The file's own properties plus the coordinates Maven lets a POM refer to."""
    values: dict[str, str] = {}
    properties = child(project, "properties")
    for node in properties if properties is not None else ():
        name = local_name(node)
        if name and name not in values:
            values[name] = (node.text or "").strip()
    parent = child(project, "parent")
    parent_group = child_text(parent, "groupId") if parent is not None else None
    parent_artifact = child_text(parent, "artifactId") if parent is not None else None
    group = child_text(project, "groupId") or parent_group
    builtins = {
        "project.groupId": group,
        "pom.groupId": group,  # the Maven 2 spelling, still accepted
        "project.artifactId": child_text(project, "artifactId"),
        "project.parent.groupId": parent_group,
        "parent.groupId": parent_group,
        "project.parent.artifactId": parent_artifact,
        "parent.artifactId": parent_artifact,
    }
    # Built-in coordinates win over same-named <properties>, as in Maven's interpolation.
    values.update({key: value for key, value in builtins.items() if value is not None})
    return values


def _expand(value: str, values: dict[str, str]) -> str | None:
    """`value` with every `${name}` replaced; None when one is unknown here (or refers in a cycle)."""
    for _ in range(_MAX_EXPANSIONS):
        if "${" not in value:
            return value.strip()
        expanded = _REFERENCE.sub(lambda match: values.get(match.group(1).strip(), match.group(0)), value)
        if expanded == value or len(expanded) > _MAX_EXPANDED:
            return None
        value = expanded
    return None


def _is_true(value: str | None, values: dict[str, str]) -> bool:
    if value is None:
        return False
    expanded = _expand(value, values)
    return expanded is not None and expanded.lower() == "true"


def _no_publish_reason(
    plugins: dict[str, Element], managed: dict[str, Element], values: dict[str, str]
) -> str | None:
    """Why these build plugins (and managed defaults) do not deploy the module; None when they do."""
    replaced = False  # a Sonatype publisher declared here and active takes over the deploy phase
    for name, flags in _PUBLISHER_SKIPS.items():
        if name not in plugins:
            continue
        for flag in flags:
            if _is_true(_configured(plugins[name], flag), values):
                return f"{name} {flag}=true"
        replaced = True
    if _is_true(values.get("skipNexusStagingDeployMojo"), values):
        return "property skipNexusStagingDeployMojo=true"
    if replaced:
        return None
    if _is_true(values.get("maven.deploy.skip"), values):
        return "property maven.deploy.skip=true"
    for source in (plugins, managed):
        if _DEPLOY_PLUGIN in source and (skip := _configured(source[_DEPLOY_PLUGIN], "skip")) is not None:
            return f"{_DEPLOY_PLUGIN} skip=true" if _is_true(skip, values) else None
    return None


def _build_plugins(project: Element, section: str = "plugins") -> dict[str, Element]:
    """`<build><plugins>` (or `pluginManagement`) by artifactId: these artifactIds are distinctive."""
    build = child(project, "build")
    if build is not None and section == "pluginManagement":
        build = child(build, "pluginManagement")
    plugins = child(build, "plugins") if build is not None else None
    found: dict[str, Element] = {}
    for plugin in plugins if plugins is not None else ():
        artifact_id = child_text(plugin, "artifactId") if local_name(plugin) == "plugin" else None
        if artifact_id is not None:
            found.setdefault(artifact_id, plugin)
    return found


def _configured(plugin: Element, flag: str) -> str | None:
    """A flag from the plugin-wide configuration, else from the execution bound by default."""
    configuration = child(plugin, "configuration")
    if configuration is not None and (value := child_text(configuration, flag)) is not None:
        return value
    executions = child(plugin, "executions")
    for execution in executions if executions is not None else ():
        if child_text(execution, "id") in ("default-deploy", "injected-nexus-deploy"):
            configuration = child(execution, "configuration")
            if configuration is not None and (value := child_text(configuration, flag)) is not None:
                return value
    return None


def resolve(declaration: Declaration, path: str, read: ContextReader) -> Declaration:
    """Apply what the module inherits from its parent POMs in the same repository."""
    if declaration.status is not ParseStatus.OK or not declaration.intent:
        return declaration
    chain = _ancestry(path, read)
    if len(chain) < 2:
        return declaration
    values: dict[str, str] = {}
    plugins, managed = _build_plugins(chain[0]), dict[str, Element]()
    for ancestor in reversed(chain):  # the nearest definition wins: apply the root first
        values.update(_known_values(ancestor))
    for ancestor in chain[1:]:
        for name, plugin in _build_plugins(ancestor).items():
            if (child_text(plugin, "inherited") or "true").lower() != "false":
                plugins.setdefault(name, plugin)
    for ancestor in chain:
        for name, plugin in _build_plugins(ancestor, "pluginManagement").items():
            managed.setdefault(name, plugin)
    reason = _no_publish_reason(plugins, managed, values)
    return declaration.without_intent(f"inherited: {reason}") if reason else declaration


def _ancestry(path: str, read: ContextReader) -> list[Element]:
    """This POM and its parents found in the repository, nearest first."""
    chain: list[Element] = []
    current: str | None = path
    while current is not None and len(chain) <= _MAX_ANCESTORS:
        text = read(current)
        try:
            project = parse_xml(text) if text is not None else None
        except ManifestError:
            project = None
        if project is None or local_name(project) != "project":
            break
        if chain and not _is_parent_of(chain[-1], project):
            break
        chain.append(project)
        current = _parent_path(current, project)
    return chain


def _parent_path(path: str, project: Element) -> str | None:
    parent = child(project, "parent")
    if parent is None:
        return None
    relative = child(parent, "relativePath")
    if relative is not None and not (relative.text or "").strip():
        return None  # an empty <relativePath/> means "resolve from a repository, not from here"
    target = (relative.text or "").strip() if relative is not None else "../pom.xml"
    if not target.endswith(".xml"):
        target = posixpath.join(target, "pom.xml")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target.replace("\\", "/")))
    return None if joined.startswith("..") or joined.startswith("/") else joined


def _is_parent_of(module: Element, candidate: Element) -> bool:
    declared = child(module, "parent")
    return declared is not None and child_text(declared, "artifactId") == child_text(candidate, "artifactId")


PARSER = ManifestParser(
    manifest_type="maven",
    key="maven",
    version=3,
    parse=parse,
    filenames=frozenset({"pom.xml"}),
    resolve=resolve,
)
