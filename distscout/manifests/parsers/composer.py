"""composer.json (Composer / Packagist): `name`, a `vendor/package` pair.

Composer has no "private" flag. `"type": "project"` is no opt-out (laravel/laravel is published as a
project) and `"abandoned"` marks a package that *was* published. An application's composer.json simply
has no `name`, so a missing name is the opt-out. A name Packagist would refuse is reported as written,
without intent.
"""

from __future__ import annotations

import re

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, load_json, string
from distscout.manifests.registry import ManifestParser

# Composer's own name pattern, case ignored as its loader ignores it (upper case is refused by Packagist,
# in names.py). Possessive, so that a long near miss (`aaaa…!/x`) is refused in linear time: as the schema
# writes it, every way of splitting a run of letters is tried, exponentially many.
_PACKAGE_NAME = re.compile(
    r"[a-z0-9]++(?:[_.-][a-z0-9]++)*+/[a-z0-9]++(?:(?:[_.]|--?)[a-z0-9]++)*+", re.IGNORECASE
)


def parse(text: str, filename: str = "composer.json") -> Declaration:
    try:
        document = load_json(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    if not isinstance(document, dict):
        return Declaration.malformed("composer.json is not a JSON object")
    name = string(document.get("name"))
    if name is None:
        return Declaration.no_name("no name: an application, not a package")
    if not _PACKAGE_NAME.fullmatch(name):
        return Declaration.named(name, intent=False, reason="not a vendor/package name")
    return Declaration.named(name, reason="a vendor/package name")


PARSER = ManifestParser(
    manifest_type="composer", key="composer", version=2, parse=parse, filenames=frozenset({"composer.json"})
)
