"""pubspec.yaml (Dart, Flutter): top-level `name`.

No-publish signals: `publish_to: none` (any case; Flutter apps are generated with it), `publish_to`
naming a server other than pub.dev (a private package repository), and a `workspace:` list, which
makes the file a pub workspace root rather than a package meant for pub.dev.
"""

from __future__ import annotations

from typing import Any

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, load_yaml, string
from distscout.manifests.registry import ManifestParser

# Spellings of pub.dev itself, which is where a package goes when publish_to is absent.
_PUB_DEV = frozenset({"pub.dev", "pub.dartlang.org"})
# All YAML scalars stay strings here, so a null publish_to arrives spelled out; it means "unset".
_UNSET = frozenset({"", "~", "null"})


def parse(text: str, filename: str = "pubspec.yaml") -> Declaration:
    try:
        document = load_yaml(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    if document is None:
        return Declaration.no_name("empty pubspec")
    if not isinstance(document, dict):
        return Declaration.malformed("pubspec.yaml is not a YAML mapping")
    name = string(document.get("name"))
    opt_out = _no_publish_reason(document)
    if name is None:
        return Declaration.no_name(opt_out or "no name field")
    if opt_out:
        return Declaration.named(name, intent=False, reason=opt_out)
    return Declaration.named(name, reason="name, publish_to not none")


def _no_publish_reason(document: dict[str, Any]) -> str | None:
    publish_to = document.get("publish_to")
    target = publish_to.strip() if isinstance(publish_to, str) else ""
    if target.lower() == "none":
        return "publish_to: none"
    if target.lower() not in _UNSET and _host(target) not in _PUB_DEV:
        return f"publish_to: {target[:100]} (a private package repository, not pub.dev)"
    if isinstance(document.get("workspace"), list):
        return "pub workspace root (workspace: lists its packages)"
    return None


def _host(url: str) -> str:
    rest = url.lower().split("://", 1)[-1]
    return rest.split("/", 1)[0].split(":", 1)[0].removeprefix("www.")


PARSER = ManifestParser(
    manifest_type="pub", key="pubspec", version=2, parse=parse, filenames=frozenset({"pubspec.yaml"})
)
