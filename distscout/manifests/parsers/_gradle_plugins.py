"""Which plugins a Gradle statement applies, and whether a plugin publishes the project."""

from __future__ import annotations

import re

from distscout.manifests.parsers._lexing import MARK, Masked

_PUBLISHING_PLUGINS = frozenset(
    {
        "maven-publish",
        "maven",  # the legacy plugin (uploadArchives), removed in Gradle 7
        "ivy-publish",
        "com.vanniktech.maven.publish",
        "com.gradle.plugin-publish",
        "com.jfrog.bintray",
        "com.gradleup.nmcp",
        "org.jreleaser",
        "MavenPublishPlugin",
        "MavenPlugin",
        "IvyPublishPlugin",
    }
)
_PUBLISHING_SCRIPT = re.compile(r"publish|maven|mvn|upload|sonatype|bintray|deploy", re.IGNORECASE)


def applied_plugins(source: Masked, text: str, *, in_plugins_block: bool) -> list[str]:
    """Plugin ids (or class names, or `from:` and the script literal) that the statement applies."""
    if re.search(r"\bapply\s*\(?\s*false\b", text):
        return []  # `id("x") version "1" apply false`: declared for subprojects, not applied here
    found: list[str] = []
    if in_plugins_block:
        if (match := re.match(r"id\s*\(?\s*" + MARK, text)) and (value := source.value(match.group(1))):
            found.append(value)
        if match := re.match(r"`([\w.-]+)`", text):
            found.append(match.group(1))
        if match := re.match(r"alias\s*\(\s*([\w.]+)\s*\)", text):
            found.append(match.group(1))  # a version-catalog accessor: libs.plugins.vanniktech.publish
        if re.fullmatch(r"[A-Za-z][\w.-]*", text):
            found.append(text)
        return found
    applied = re.search(r"\bapply\s*\(?\s*plugin\s*[:=]\s*(?:" + MARK + r"|([\w.]+))", text) or re.search(
        r"\b(?:plugins|pluginManager)\.apply\s*\(?\s*(?:" + MARK + r"|([\w.]+))", text
    )
    if applied is not None:
        found.append(source.value(applied.group(1)) or "" if applied.group(1) else applied.group(2))
    if match := re.search(r"\bapply\s*<\s*([\w.]+)\s*>", text):
        found.append(match.group(1))
    if match := re.search(r"\bapply\s*\(?\s*from\s*[:=][^\x01\n]{0,80}" + MARK, text):
        found.append("from:" + source.literals[int(match.group(1))])
    return found


def is_publishing(plugin: str) -> bool:
    if plugin.startswith("from:"):
        return _PUBLISHING_SCRIPT.search(plugin.rsplit("/", 1)[-1]) is not None
    last = plugin.rsplit(".", 1)[-1]
    if plugin in _PUBLISHING_PLUGINS or (last[:1].isupper() and last in _PUBLISHING_PLUGINS):
        return True
    # Convention plugins (`acme.publishing`, `publish-conventions`) publish; nexus staging plugins sit
    # on the root project and publish nothing there themselves.
    lowered = plugin.lower()
    return "publish" in lowered and "nexus" not in lowered
