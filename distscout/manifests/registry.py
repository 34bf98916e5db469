"""The registry of manifest parsers, and the one guarded entry point that reads a manifest.

Each module in `distscout.manifests.parsers` declares the file names it claims and a pure
`parse(text, filename) -> Declaration`. `read_manifest` is the only caller: it caps the size, decodes,
contains every failure as a recorded status, and applies the rules that hold for every format
(location-based intent, name normalization, purl).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache

from distscout.ecosystems import normalize_name, purl_for
from distscout.manifests import parsers as _parsers_package
from distscout.manifests.declaration import Declaration, ParseStatus
from distscout.manifests.location import non_package_location
from distscout.manifests.names import name_problem

MAX_MANIFEST_BYTES = 1024 * 1024

ParseFunction = Callable[[str, str], Declaration]
# Reads another file of the same repository by its repo-relative path; None when it does not exist.
ContextReader = Callable[[str], str | None]
# Completes a declaration from other files of the repo (Gradle: settings.gradle, the root build file).
ResolveFunction = Callable[[Declaration, str, ContextReader], Declaration]


@dataclass(frozen=True, slots=True)
class ManifestParser:
    """A parser, the ecosystem it speaks for, and the files it wants."""

    manifest_type: str
    key: str  # stable id of this parser, part of the recorded parser version
    version: int  # bump whenever the parser's output can change: affected rows become stale
    parse: ParseFunction
    filenames: frozenset[str] = field(default_factory=frozenset)
    suffixes: tuple[str, ...] = ()  # lower-case, with the dot: (".csproj",)
    # Optional: `resolve(declaration, path, read)` may read `context_files` (repo-relative) to finish
    # what one file cannot say alone. It must stay pure apart from `read`.
    resolve: ResolveFunction | None = None
    context_files: tuple[str, ...] = ()

    def claims(self, filename: str) -> bool:
        return filename in self.filenames or (
            bool(self.suffixes) and filename.lower().endswith(self.suffixes) and not filename.startswith(".")
        )

    @property
    def parser_version(self) -> str:
        return f"{self.key}/{self.version}"


@cache
def all_parsers() -> tuple[ManifestParser, ...]:
    found = []
    for module_info in pkgutil.iter_modules(_parsers_package.__path__):
        module = importlib.import_module(f"{_parsers_package.__name__}.{module_info.name}")
        parser = getattr(module, "PARSER", None)
        if isinstance(parser, ManifestParser):
            found.append(parser)
    return tuple(sorted(found, key=lambda p: p.key))


@cache
def _by_filename() -> dict[str, ManifestParser]:
    return {name: parser for parser in all_parsers() for name in parser.filenames}


def parser_for(filename: str) -> ManifestParser | None:
    """The parser that claims a file of this name (a base name, not a path), if any."""
    parser = _by_filename().get(filename)
    if parser is not None:
        return parser
    for candidate in all_parsers():
        if candidate.suffixes and candidate.claims(filename):
            return candidate
    return None


def is_manifest(path: str) -> bool:
    return parser_for(path.rsplit("/", 1)[-1]) is not None


def context_files() -> frozenset[str]:
    """Every repo-relative file some resolver may ask for: a walk reads these when they exist."""
    return frozenset(name for parser in all_parsers() for name in parser.context_files)


def read_manifest(
    path: str,
    data: bytes | str,
    *,
    context: ContextReader | None = None,
    max_bytes: int = MAX_MANIFEST_BYTES,
) -> Declaration | None:
    """Read the manifest at `path` (relative to the repo root); None when no parser claims the file.

    `context` lets a parser's resolver read other files of the same repository; without it a
    declaration is what the file alone says.
    """
    parser = parser_for(path.rsplit("/", 1)[-1])
    if parser is None:
        return None
    declaration = _parse_guarded(parser, path, data, max_bytes)
    if parser.resolve is not None and context is not None and declaration.status is not ParseStatus.TOO_LARGE:
        declaration = _resolve_guarded(parser, parser.resolve, declaration, path, context)
    return _complete(declaration, parser, path)


def unreadable_manifest(path: str, reason: str) -> Declaration | None:
    """The record of a manifest that was planned but could not be read (so it is not silently lost)."""
    failed = Declaration(ParseStatus.UNSUPPORTED, intent_reason="the file could not be read", detail=reason)
    return _complete_for(path, failed)


def too_large_manifest(path: str, size: int, max_bytes: int = MAX_MANIFEST_BYTES) -> Declaration | None:
    """The record of a manifest known (from a listing) to be over the cap, without reading it."""
    return _complete_for(path, _too_large(size, max_bytes))


def _complete_for(path: str, declaration: Declaration) -> Declaration | None:
    parser = parser_for(path.rsplit("/", 1)[-1])
    return None if parser is None else _complete(declaration, parser, path)


def _parse_guarded(parser: ManifestParser, path: str, data: bytes | str, max_bytes: int) -> Declaration:
    size = len(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    if size > max_bytes:
        return _too_large(size, max_bytes)
    text = data if isinstance(data, str) else decode_text(data)
    if text is None:
        return Declaration.malformed(
            "not valid UTF-8 (nor UTF-16 with a byte order mark, nor a declared XML encoding)"
        )
    if "\x00" in text:
        return Declaration.malformed("binary content (NUL bytes)")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    try:
        return parser.parse(text, path.rsplit("/", 1)[-1])
    except Exception as exc:  # noqa: BLE001 - a parser bug must become a recorded status, never a crash
        return Declaration.malformed(f"{parser.key} parser failed: {type(exc).__name__}")


def _too_large(size: int, max_bytes: int) -> Declaration:
    return Declaration(
        ParseStatus.TOO_LARGE,
        intent_reason="not read: over the size cap",
        detail=f"{size} bytes > {max_bytes}",
    )


def _resolve_guarded(
    parser: ManifestParser, resolve: ResolveFunction, declaration: Declaration, path: str, read: ContextReader
) -> Declaration:
    try:
        return resolve(declaration, path, read)
    except Exception as exc:  # noqa: BLE001 - same rule as parsing: record, never crash
        return replace(declaration, detail=f"{parser.key} resolver failed: {type(exc).__name__}")


_XML_ENCODING = re.compile(rb"""\A\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']""")


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or an XML file in the encoding its declaration
    names (a Latin-1 pom.xml is valid XML); None for anything else. Decoding undecodable bytes as Latin-1
    would turn garbage into a name (and the name into an orphan): such a file is malformed instead."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = _XML_ENCODING.match(data)
    if declared is not None:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            return None
    return None


def _complete(declaration: Declaration, parser: ManifestParser, path: str) -> Declaration:
    declaration = replace(
        declaration, path=path, manifest_type=parser.manifest_type, parser_version=parser.parser_version
    )
    if declaration.status is ParseStatus.OK and declaration.name is not None:
        problem = name_problem(parser.manifest_type, declaration.name)
        if problem is not None:  # shown as declared, never matched, never an orphan
            return replace(
                declaration,
                status=ParseStatus.INVALID_NAME,
                intent=False,
                intent_reason=f"invalid name: {problem}",
                detail=problem,
            )
    if declaration.name is not None:
        declaration = replace(
            declaration,
            normalized_name=normalize_name(parser.manifest_type, declaration.name),
            purl=purl_for(parser.manifest_type, declaration.name),
        )
    if declaration.intent and (where := non_package_location(path)) is not None:
        declaration = declaration.without_intent(f"under {where}/: not a package location")
    return declaration
