"""Manifests: every captured manifest file parsed by its format's parser (`distscout.manifests`)."""

from __future__ import annotations

from collections.abc import Sequence

from distscout.captures import Capture
from distscout.interpreters.base import Interpretation, Interpreter, as_dict, json_of
from distscout.manifests.declaration import Declaration
from distscout.manifests.registry import MAX_MANIFEST_BYTES, decode_text, read_manifest, too_large_manifest

MANIFESTS = "manifest"


def interpret_manifests(captures: Sequence[Capture]) -> list[Declaration]:
    """Parse every captured manifest; resolvers read other captured files of the same scan only."""
    bodies = {
        c.subject: c.body for c in captures if c.kind in ("github.file", "github.context") and c.status == 200
    }

    def context(path: str) -> str | None:
        body = bodies.get(path)
        return None if body is None or len(body) > MAX_MANIFEST_BYTES else decode_text(body)

    declarations = []
    for capture in sorted(captures, key=lambda c: c.subject):
        if capture.kind == "github.file" and capture.status == 200:
            declaration = read_manifest(capture.subject, capture.body, context=context)
        elif capture.kind == "github.file_too_large":
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
