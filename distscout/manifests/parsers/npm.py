"""package.json (npm, yarn, pnpm): `name`; `"private": true` means not for publishing."""

from __future__ import annotations

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, load_json, string
from distscout.manifests.registry import ManifestParser


def parse(text: str, filename: str = "package.json") -> Declaration:
    try:
        document = load_json(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    if not isinstance(document, dict):
        return Declaration.malformed("package.json is not a JSON object")
    name = string(document.get("name"))
    if name is None:
        return Declaration.no_name("no name field")
    if document.get("private") in (True, "true"):
        return Declaration.named(name, intent=False, reason="private: true")
    return Declaration.named(name, reason="has a name and is not private")


PARSER = ManifestParser(
    manifest_type="npm", key="npm", version=2, parse=parse, filenames=frozenset({"package.json"})
)
