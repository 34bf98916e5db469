"""setup.cfg (setuptools declarative config, pbr): `[metadata] name`.

Read as setuptools reads it: INI without interpolation (`%` stays literal), later duplicates win. Many
setup.cfg files hold only tool configuration (flake8, pytest, bumpversion): no [metadata] name is
`no_name`. `name = attr: pkg.NAME` is resolved by setuptools at build time, so it is `unsupported`.

No-publish signal: a `Private ::` classifier (`Private :: Do Not Upload`) in `classifiers` (or its
setuptools alias `classifier`), a multi-line or comma-separated list.
"""

from __future__ import annotations

import configparser
import re

from distscout.manifests.declaration import Declaration
from distscout.manifests.parsers._pypi_classifiers import private_classifier
from distscout.manifests.registry import ManifestParser

# setuptools keeps inline comments in values, but a name cannot contain whitespace or `#`, so a
# trailing ` # comment` is a comment whatever setuptools would make of it.
_INLINE_COMMENT = re.compile(r"\s+[#;].*$")
_DIRECTIVE = re.compile(r"^(attr|file)\s*:", re.IGNORECASE)


def parse(text: str, filename: str = "setup.cfg") -> Declaration:
    config = configparser.ConfigParser(interpolation=None, strict=False, allow_no_value=True)
    try:
        config.read_string(text, source=filename)
    except configparser.Error as exc:
        message = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        return Declaration.malformed(f"invalid INI: {message}")
    if not config.has_section("metadata"):
        return Declaration.no_name("no [metadata] section (tool configuration only)")
    raw = config.get("metadata", "name", fallback=None)
    name = _clean(raw) if raw is not None else ""
    if not name:
        return Declaration.no_name("[metadata] has no name")
    if directive := _DIRECTIVE.match(name):
        return Declaration.unsupported(
            f"[metadata] name uses `{directive.group(1)}:` (resolved at build time)"
        )
    reason = private_classifier(_classifiers(config))
    if reason:
        return Declaration.named(name, intent=False, reason=reason)
    return Declaration.named(name, reason="[metadata] name, no Private classifier")


def _clean(raw: str) -> str:
    first = next((line for line in raw.splitlines() if line.strip()), "")
    value = _INLINE_COMMENT.sub("", first).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()  # quotes are never part of a distribution name
    return value


def _classifiers(config: configparser.ConfigParser) -> list[str]:
    """Classifier entries: setuptools splits a multi-line value on lines, a one-line value on commas."""
    entries: list[str] = []
    for key in ("classifiers", "classifier"):
        value = config.get("metadata", key, fallback=None)
        if value:
            entries.extend(value.splitlines() if "\n" in value.strip() else value.split(","))
    return entries


PARSER = ManifestParser(
    manifest_type="pypi", key="setup-cfg", version=2, parse=parse, filenames=frozenset({"setup.cfg"})
)
