"""Manifests: every captured manifest file parsed by its format's parser (`distscout.manifests`)."""

from __future__ import annotations

from collections.abc import Sequence

from distscout.captures import Capture
from distscout.interpreters.base import Interpretation, Interpreter, as_dict, json_of
from distscout.manifests.declaration import Declaration
from distscout.manifests.registry import MAX_MANIFEST_BYTES, decode_text, read_manifest, too_large_manifest

MANIFESTS = "manifest"
# The same captures, in each forge's spelling (the walker that read them names its forge)
_FILES = frozenset({"github.file", "gitlab.file"})
_CONTEXT = _FILES | {"github.context", "gitlab.context"}
_TOO_LARGE = frozenset({"github.file_too_large", "gitlab.file_too_large"})


def interpret_manifests(captures: Sequence[Capture]) -> list[Declaration]:
    """Parse every captured manifest; resolvers read other captured files of the same scan only."""
    bodies = {c.subject: c.body for c in captures if c.kind in _CONTEXT and c.status == 200}

    def context(path: str) -> str | None:
        body = bodies.get(path)
        return None if body is None or len(body) > MAX_MANIFEST_BYTES else decode_text(body)

    declarations = []
    for capture in sorted(captures, key=lambda c: c.subject):
        if capture.kind in _FILES and capture.status == 200:
            declaration = read_manifest(capture.subject, capture.body, context=context)
        elif capture.kind in _TOO_LARGE:
            size = as_dict(json_of(capture)).get("size")
            declaration = too_large_manifest(capture.subject, size if isinstance(size, int) else 0)
        else:
            continue
        if declaration is not None:
            declarations.append(declaration)
    return declarations


def _interpret(captures: Sequence[Capture], repo_full_name: str) -> Interpretation:
    return Interpretation(manifests=tuple(interpret_manifests(captures)))


INTERPRETER = Interpreter(MANIFESTS, _interpret)
