"""Safe loaders for the data formats manifests are written in.

Every loader raises `ManifestError` with a short reason on bad input, so parsers turn it into a
`malformed` declaration. Nothing here resolves entities, follows references or runs code.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import yaml
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring


class ManifestError(Exception):
    """The manifest is not valid in its own format."""


class ManifestTooDeep(ManifestError):
    """The document nests deeper than a loader may safely go: refused, whichever layer noticed it."""


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ManifestError(f"invalid JSON: {_first_line(exc)}") from None


def load_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ManifestError(f"invalid TOML: {_first_line(exc)}") from None


MAX_YAML_DEPTH = 200

_OPENING = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSING = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


_TOO_DEEP = f"refused YAML: nested deeper than {MAX_YAML_DEPTH} levels"


def load_yaml(text: str) -> Any:
    """YAML with every scalar kept a string (`1.10` stays "1.10", `no` stays "no")."""
    try:
        _refuse_deep_nesting(text)
        return yaml.load(text, Loader=yaml.CBaseLoader)  # noqa: S506 - BaseLoader builds no objects
    except RecursionError:
        raise ManifestTooDeep(_TOO_DEEP) from None
    except yaml.YAMLError as exc:
        if _is_libyaml_depth_limit(exc):
            raise ManifestTooDeep(_TOO_DEEP) from None
        raise ManifestError(f"invalid YAML: {_first_line(exc)}") from None


def _is_libyaml_depth_limit(exc: yaml.YAMLError) -> bool:
    # Newer libyaml (bundled in PyYAML 6.0.3 and later) stops at its own nesting limit, sometimes before our
    # event count reaches MAX_YAML_DEPTH: "exceeded maximum nesting depth" "while increasing flow level".
    if not isinstance(exc, yaml.MarkedYAMLError):
        return False
    said = f"{exc.context or ''} {exc.problem or ''}".lower()
    return any(marker in said for marker in _LIBYAML_DEPTH_MARKERS)


_LIBYAML_DEPTH_MARKERS = ("nesting depth", "max depth", "increasing flow level", "increasing block level")


def _refuse_deep_nesting(text: str) -> None:
    # libyaml's composer recurses in C: tens of thousands of nested levels crash the whole process
    # (a segfault, not an exception). The event stream is flat, so count depth there first.
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CBaseLoader):
        if isinstance(event, _OPENING):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise ManifestTooDeep(_TOO_DEEP)
        elif isinstance(event, _CLOSING):
            depth -= 1


def parse_xml(text: str) -> Element:
    """Parse XML with entity declarations and external references forbidden."""
    try:
        # defusedxml refuses the bytes of an encoding declaration in a str; drop it, the text is decoded.
        return _defused_fromstring(_strip_xml_declaration(text), forbid_dtd=False)
    except DefusedXmlException as exc:
        raise ManifestError(f"refused XML: {type(exc).__name__}") from None
    except (ParseError, ValueError, RecursionError) as exc:
        raise ManifestError(f"invalid XML: {_first_line(exc)}") from None


def local_name(element: Element) -> str:
    """The tag without its namespace: `{http://maven.apache.org/POM/4.0.0}artifactId` -> `artifactId`."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child(element: Element, name: str) -> Element | None:
    for node in element:
        if local_name(node) == name:
            return node
    return None


def child_text(element: Element, name: str) -> str | None:
    node = child(element, name)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def table(document: dict[str, Any], key: str) -> dict[str, Any]:
    """`document[key]` when it is a table, else an empty one: manifests put odd types everywhere."""
    value = document.get(key)
    return value if isinstance(value, dict) else {}


def string(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _strip_xml_declaration(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("<?xml"):
        end = stripped.find("?>")
        if end != -1:
            return stripped[end + 2 :]
    return text


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
