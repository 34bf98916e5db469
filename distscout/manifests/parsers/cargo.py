"""Cargo.toml: `[package].name`; `publish = false` (or an empty registry list) means not for crates.io."""

from __future__ import annotations

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, load_toml, string, table
from distscout.manifests.registry import ManifestParser


def parse(text: str, filename: str = "Cargo.toml") -> Declaration:
    try:
        document = load_toml(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    package = table(document, "package") or table(document, "project")  # [project]: pre-1.0 spelling
    if not package:
        if "workspace" in document:
            return Declaration.no_name("workspace root: declares members, not a package")
        return Declaration.no_name("no [package] table")
    name = string(package.get("name"))
    if name is None:
        return Declaration.no_name("[package] has no name")
    publish = package.get("publish")
    if publish is False or publish == []:
        return Declaration.named(
            name, intent=False, reason=f"publish = {'false' if publish is False else '[]'}"
        )
    return Declaration.named(name, reason="[package] name, publish not false")


PARSER = ManifestParser(
    manifest_type="cargo", key="cargo", version=2, parse=parse, filenames=frozenset({"Cargo.toml"})
)
