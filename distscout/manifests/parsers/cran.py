"""DESCRIPTION (R packages: CRAN, Bioconductor, R-universe): the `Package:` field.

The file is Debian-control-style (DCF): `Field: value` lines, continuation lines start with
whitespace, a blank line ends a record. The file name is generic (git's `description`, prose READMEs),
so the whole file must read as DCF and the value must be a valid R package name; anything else is
malformed rather than a guessed name. R has no standard no-publish field (a `Repository:` or
`biocViews:` only says where it is published), so intent stays True.
"""

from __future__ import annotations

import re

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError
from distscout.manifests.registry import ManifestParser

_FIELD = re.compile(r"([A-Za-z][^\s:]*):(.*)")  # `Authors@R`, `Config/testthat/edition` are fields too
# R's rule: ASCII letters, digits and dots, at least two characters, starting with a letter and not
# ending in a dot.
_PACKAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]")


def parse(text: str, filename: str = "DESCRIPTION") -> Declaration:
    try:
        fields = _first_record(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    # Field names are case-sensitive in R; accept another case only when the exact one is absent.
    package = fields.get("Package")
    if package is None:
        package = next((v for k, v in fields.items() if k.lower() == "package"), None)
    if package is None:
        return Declaration.no_name("no Package field")
    if not package:
        return Declaration.no_name("the Package field is empty")
    if not _PACKAGE_NAME.fullmatch(package):
        return Declaration.malformed(f"not a valid R package name: {package[:80]!r}")
    return Declaration.named(package, reason="DESCRIPTION Package:")


def _first_record(text: str) -> dict[str, str]:
    """The fields of the first DCF record; ManifestError when any line of the file is not DCF."""
    records: list[dict[str, list[str]]] = [{}]
    current: list[str] | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            if records[-1]:
                records.append({})
            current = None  # nothing continues across a blank line
        elif line.startswith("#"):
            continue  # not R's DCF, but Debian's: tolerated
        elif line[0] in " \t":
            if current is None:
                raise ManifestError(f"line {number}: continuation line outside a field")
            current.append(line.strip())
        elif match := _FIELD.fullmatch(line):
            # A repeated field keeps its first value; the repeat's lines go nowhere.
            current = [] if match.group(1) in records[-1] else records[-1].setdefault(match.group(1), [])
            current.append(match.group(2).strip())
        else:
            raise ManifestError(f"line {number} is not a `Field: value` line")
    if not records[0]:
        raise ManifestError("no `Field: value` lines: not a DCF file")
    return {key: " ".join(part for part in parts if part) for key, parts in records[0].items()}


PARSER = ManifestParser(
    manifest_type="cran", key="cran", version=2, parse=parse, filenames=frozenset({"DESCRIPTION"})
)
