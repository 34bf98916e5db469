"""Project.toml / JuliaProject.toml (Julia Pkg): the top-level `name`.

A package needs both `name` and `uuid`. A project file with neither is an environment (docs/, test/,
a script's dependencies), not a package. A name without a (valid) uuid cannot be registered.
"""

from __future__ import annotations

import re

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, load_toml, string
from distscout.manifests.registry import ManifestParser

# The only form Julia's UUID parser accepts: 8-4-4-4-12 hex digits.
_UUID = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)


def parse(text: str, filename: str = "Project.toml") -> Declaration:
    try:
        document = load_toml(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    name = string(document.get("name"))
    if name is None:
        return Declaration.no_name("an environment, not a package: no name/uuid")
    package_uuid = string(document.get("uuid"))
    if package_uuid is None:
        return Declaration.named(name, intent=False, reason="no uuid: not registrable")
    if not _UUID.fullmatch(package_uuid):
        return Declaration.named(name, intent=False, reason="uuid is not a UUID: not registrable")
    return Declaration.named(name, reason="a name and a uuid (registrable)")


PARSER = ManifestParser(
    manifest_type="julia",
    key="julia",
    version=2,
    parse=parse,
    filenames=frozenset({"Project.toml", "JuliaProject.toml"}),
)
