"""What one Gradle script says about its project, as facts: `group`, `artifact` and `publishes`.

Each statement counts according to the blocks around it: the project's own top level, `allprojects`
and `subprojects` (kept apart, for the subprojects of a root build), and publishing blocks. Any other
block (tasks, android, dependencies, `project(":x")`, `configure(...)`) says nothing about this
project's coordinates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from distscout.manifests.parsers._gradle_plugins import applied_plugins, is_publishing
from distscout.manifests.parsers._gradle_script import Statement, statements
from distscout.manifests.parsers._lexing import MARK, Masked

_LONGEST_VALUE = 300

# Blocks that still configure the project itself (or all of them).
_PROJECT_BLOCK = re.compile(r"allprojects|subprojects|(?:project\.)?afterEvaluate|if\b.*|else\b.*")
_PUBLISHING_BLOCK = re.compile(
    r"(?:project\.)?(?:publishing|mavenPublishing|uploadArchives)\b.*"
    r"|(?:project\.)?(?:extensions\.)?configure\s*<\s*(?:PublishingExtension|MavenPublishBaseExtension)\s*>.*"
)
_SCOPES = ("allprojects", "subprojects")
_T = TypeVar("_T")
# (scope or None when the statement configures nothing of a project, blocks below it, in publishing)
_Frame = tuple[str | None, tuple[str, ...], bool]


@dataclass(slots=True)
class _Findings:
    groups: dict[str, tuple[str, str]]  # where -> ("group" | "group.property", value)
    artifacts: dict[str, str]
    publishes: set[str]  # scopes: "own", "allprojects", "subprojects"


def script_facts(source: Masked) -> dict[str, str]:
    """What the script states, as facts (described in gradle.py); only the keys it knows are set."""
    findings = _Findings({}, {}, set())
    # Statements of one block share its heads: classify each chain of heads once, not per statement.
    frames: dict[tuple[str, ...], _Frame] = {}
    for statement in statements(source.code):
        frame = frames.get(statement.blocks)
        if frame is None:
            frame = frames[statement.blocks] = _frame(statement.blocks)
        _read_statement(source, statement, frame, findings)
    facts: dict[str, str] = {}
    # Most explicit first: a publication's own coordinates beat the project's group and archive name.
    group = _first(findings.groups, ("publication", "coordinates", "own", "allprojects"))
    if group is not None:
        facts[group[0]] = group[1]
    for scope in _SCOPES:
        if (scoped := findings.groups.get(scope)) is not None:
            facts[f"{scope}.{scoped[0]}"] = scoped[1]
    artifact = _first(findings.artifacts, ("publication", "coordinates", "archives"))
    if artifact is not None:
        facts["artifact"] = artifact
    facts["publishes"] = "true" if findings.publishes & {"own", "allprojects"} else "false"
    for scope in _SCOPES:
        if scope in findings.publishes:
            facts[f"{scope}.publishes"] = "true"
    return facts


def _first(found: dict[str, _T], order: tuple[str, ...]) -> _T | None:
    return next((found[key] for key in order if key in found), None)


def _read_statement(source: Masked, statement: Statement, frame: _Frame, findings: _Findings) -> None:
    scope, rest, in_publishing = frame
    if scope is None:
        return
    text = statement.text
    if in_publishing or (not rest and _PUBLISHING_BLOCK.fullmatch(text) and statement.opens_block):
        findings.publishes.add(scope)
    if statement.opens_block:
        return
    if rest in ((), ("plugins",)) and any(
        is_publishing(plugin) for plugin in applied_plugins(source, text, in_plugins_block=bool(rest))
    ):
        findings.publishes.add(scope)
    if in_publishing:
        _read_publishing(source, text, scope, findings)
    elif not rest:
        # Only the first assignment counts, so later ones are not even evaluated (bounded work).
        if scope not in findings.groups and (
            group := _group_value(source, _assigned(text, r"(?:project\.)?group"))
        ):
            findings.groups[scope] = group
        if name := _literal_value(
            source, _assigned(text, r"(?:project\.)?archivesBaseName|base\.archivesName")
        ):
            findings.artifacts.setdefault("archives", name)
    elif rest == ("base",) and (name := _literal_value(source, _assigned(text, "archivesName"))):
        findings.artifacts.setdefault("archives", name)


def _read_publishing(source: Masked, text: str, scope: str, findings: _Findings) -> None:
    if scope == "subprojects":
        return  # a subprojects block's publication names are not this project's
    if text.startswith("coordinates"):
        _read_coordinates(source, text, findings)
        return
    if "publication" not in findings.groups and (
        group := _group_value(source, _assigned(text, r"(?:pom\.)?groupId"))
    ):
        findings.groups["publication"] = group
    if (name := _literal_value(source, _assigned(text, r"(?:pom\.)?artifactId"))) is not None:
        findings.artifacts.setdefault("publication", name)


def _read_coordinates(source: Masked, text: str, findings: _Findings) -> None:
    """vanniktech: `coordinates("com.acme", "core", "1.0")`, or with `groupId =`/`artifactId =` names."""
    named_group = re.search(r"\bgroupId\s*=\s*" + MARK, text)
    named_artifact = re.search(r"\bartifactId\s*=\s*" + MARK, text)
    positional = re.match(r"coordinates\s*\(?\s*(?:" + MARK + r")?[^,=]*,\s*" + MARK, text)
    group_index = named_group.group(1) if named_group else positional.group(1) if positional else None
    artifact_index = (
        named_artifact.group(1) if named_artifact else positional.group(2) if positional else None
    )
    if group_index is not None and (group := source.value(group_index)):
        findings.groups.setdefault("coordinates", ("group", group))
    if artifact_index is not None and (artifact := source.value(artifact_index)):
        findings.artifacts.setdefault("coordinates", artifact)


def _frame(blocks: tuple[str, ...]) -> _Frame:
    """Which projects a statement configures, the blocks below the project-level ones, and whether
    those sit in a publishing block."""
    scope = "own"
    for index, head in enumerate(blocks):
        if _PROJECT_BLOCK.fullmatch(head) is None:
            if head in ("buildscript", "pluginManagement"):
                return None, (), False
            rest = blocks[index:]
            return scope, rest, _PUBLISHING_BLOCK.fullmatch(rest[0]) is not None
        if head in _SCOPES:
            scope = head
    return scope, (), False


def _assigned(text: str, key: str) -> str | None:
    """The right-hand side when `text` sets `key`: `key = x`, `key x` (Groovy), `key(x)`, `key.set(x)`."""
    match = re.fullmatch(
        r"(?:" + key + r")\s*(?:=(?!=)\s*(.+)|\.set\s*\((.+)\)|\((.+)\)|\s(.+))", text, re.DOTALL
    )
    if match is None:
        return None
    return next(group for group in match.groups() if group is not None).strip()


def _literal_value(source: Masked, expression: str | None) -> str | None:
    if expression is None or (match := re.fullmatch(MARK + r"(?:\.toString\(\))?", expression)) is None:
        return None
    return source.value(match.group(1)) or None


_PROPERTY_CALL = re.compile(
    r"(?:project\.|rootProject\.)?(?:property|findProperty)\s*\(\s*" + MARK + r"\s*\)"
    r"(?:\s*as\s+String|\.toString\(\)|!!|\?\.toString\(\))*"
    r"|providers\.gradleProperty\s*\(\s*" + MARK + r"\s*\)\.get\(\)"
)
_NOT_A_PROPERTY = frozenset({"true", "false", "null", "group", "version", "name", "description"})


def _group_value(source: Masked, expression: str | None) -> tuple[str, str] | None:
    """A group literal, or the Gradle property it reads (resolved later from gradle.properties)."""
    if expression is None or len(expression) > _LONGEST_VALUE:
        return None
    if (literal := _literal_value(source, expression)) is not None:
        return "group", literal
    if (call := _PROPERTY_CALL.fullmatch(expression)) is not None:
        name = source.value(call.group(1) or call.group(2))
        return ("group.property", name) if name else None
    reference = re.fullmatch(r"(?:project\.(?:ext\.)?)?([A-Za-z_]\w*)", expression)
    if reference is None or reference.group(1) in _NOT_A_PROPERTY:
        return None
    local = re.search(
        r"(?:\b(?:val|var|def|final|String)\s+|\bext\.)"
        + re.escape(reference.group(1))
        + r"\s*(?::\s*String\s*)?=\s*"
        + MARK,
        source.code,
    )
    if local is not None and (value := source.value(local.group(1))):
        return "group", value
    return "group.property", reference.group(1)
