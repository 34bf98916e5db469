"""Property tests: whatever text a repository holds, no parser raises, and the guard records a status.

Parsers are called directly (not through the registry's guard), so a parser that merely relies on the
guard fails here.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distscout.manifests.declaration import Declaration, ParseStatus
from distscout.manifests.registry import ManifestParser, all_parsers, read_manifest

PARSERS = all_parsers()
# One file name each parser claims, so filename-dependent parsers (csproj, gemspec) get a real one.
CLAIMED = [(p, sorted(p.filenames)[0] if p.filenames else "Acme" + p.suffixes[0]) for p in PARSERS]

VOCABULARY = [
    "name",
    "package",
    "project",
    "private",
    "publish",
    "workspace",
    "members",
    "metadata",
    "tool",
    "poetry",
    "groupId",
    "artifactId",
    "parent",
    "PackageId",
    "IsPackable",
    "PropertyGroup",
    "app",
    "module",
    "Package",
    "context",
    "outputs",
    "publish_to",
    "version",
    "setup",
    "true",
    "false",
    "none",
    "${{ name }}",
    "{{ x }}",
    "$(AssemblyName)",
    "${revision}",
    "@scope/x",
    ":atom",
    "s.name",
    "Gem::Specification.new",
    "do |s|",
    "end",
]
keys = st.sampled_from(VOCABULARY) | st.text(max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from(VOCABULARY)
    | st.text(max_size=20)
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _toml(value: dict[str, Any], prefix: str = "") -> str:
    lines, tables = [], []
    for key, item in value.items():
        quoted = json.dumps(key)
        if isinstance(item, dict):
            tables.append((prefix + quoted, item))
        else:
            lines.append(f"{quoted} = {json.dumps(item)}")
    out = "\n".join(lines) + "\n"
    for name, sub in tables:
        out += f"[{name}]\n" + _toml(sub, name + ".")
    return out


def _xml(value: object, tag: str = "project") -> str:
    safe = "".join(c for c in tag if c.isalnum()) or "x"
    if isinstance(value, dict):
        return f"<{safe}>" + "".join(_xml(v, k) for k, v in value.items()) + f"</{safe}>"
    if isinstance(value, list):
        return "".join(_xml(v, tag) for v in value)
    text = str(value).replace("&", "&amp;").replace("<", "&lt;")
    return f"<{safe}>{text}</{safe}>"


def _code(tokens: list[str]) -> str:
    return " ".join(tokens)


def _check(parser: ManifestParser, filename: str, text: str) -> None:
    result = parser.parse(text, filename)
    assert isinstance(result, Declaration)
    assert isinstance(result.status, ParseStatus)
    if result.status is ParseStatus.OK:
        assert result.name
    else:
        assert not result.intent


@SETTINGS
@given(data=st.binary(max_size=2048))
def test_random_bytes_through_the_guard(data: bytes) -> None:
    for _, filename in CLAIMED:
        declaration = read_manifest(filename, data)
        assert declaration is not None and isinstance(declaration.status, ParseStatus)


@SETTINGS
@given(text=st.text(max_size=2048))
def test_random_text_to_every_parser(text: str) -> None:
    for parser, filename in CLAIMED:
        _check(parser, filename, text.replace("\x00", ""))


@SETTINGS
@given(document=st.dictionaries(keys, documents, max_size=6))
def test_random_structured_documents_to_every_parser(document: dict[str, Any]) -> None:
    renderings = [json.dumps(document), _toml(document), _xml(document)]
    for parser, filename in CLAIMED:
        for text in renderings:
            _check(parser, filename, text)


@SETTINGS
@given(
    tokens=st.lists(
        st.sampled_from(
            [*VOCABULARY, "=", "(", ")", "[", "]", '"', "'", ",", "\n", "#", "//", "{%", "%}", ":"]
        ),
        max_size=60,
    )
)
def test_random_code_like_text_to_every_parser(tokens: list[str]) -> None:
    text = _code(tokens)
    for parser, filename in CLAIMED:
        _check(parser, filename, text)
