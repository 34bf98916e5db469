"""*.csproj / *.fsproj / *.vbproj: `<PackageId>`, else `<AssemblyName>`, else the project file's name.

These are the SDK's own defaults (PackageId falls back to AssemblyName, which falls back to
MSBuildProjectName). Properties are read from every `<PropertyGroup>`, conditional ones included: the
last unconditional definition wins (MSBuild evaluates top to bottom), else the first conditional one.
`$(Name)` references are resolved from the same file; property functions and properties defined
elsewhere (Directory.Build.props) make the name unsupported.

No-publish signals, each meaning "not a package" (so no name is reported): `IsPackable=false`; unless
IsPackable is explicitly true, also `IsTestProject=true`, a `PackageReference` to Microsoft.NET.Test.Sdk
and the MSTest.Sdk project SDK (test projects are not packed). `OutputType=Exe` and the Web SDK are not
signals (tools and apps are packed too); `PackAsTool=true` is recorded as a positive reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, local_name, parse_xml
from distscout.manifests.registry import ManifestParser

_REFERENCE = re.compile(r"\$\(\s*([A-Za-z_][\w.-]*)\s*\)")
_MAX_EXPANSIONS = 10  # properties may refer to properties; a cycle must stop somewhere
_MAX_EXPANDED = 1000  # and nested references must not multiply into a "billion laughs" of text
_TEST_SDK_PACKAGE = "microsoft.net.test.sdk"
_TEST_PROJECT_SDKS = frozenset({"mstest.sdk"})


def parse(text: str, filename: str = "Project.csproj") -> Declaration:
    try:
        root = parse_xml(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    if local_name(root) != "Project":
        return Declaration.malformed(f"root element is <{local_name(root)}>, not <Project>")
    project_name = filename.rsplit(".", 1)[0] if "." in filename else filename
    properties = _properties(root)
    defaults = {
        "msbuildprojectname": project_name,
        "msbuildthisfilename": project_name,
        "assemblyname": project_name,
        "packageid": "$(AssemblyName)",
    }
    values = defaults | {name: value for name, value in properties.items() if value}
    not_a_package = _not_a_package_reason(root, values)
    if not_a_package:
        return Declaration.no_name(not_a_package)
    declared = properties.get("packageid") or properties.get("assemblyname") or project_name
    name = _expand(declared, values)
    if name is None:
        return Declaration.unsupported(f"unresolved property in package id {declared!r}")
    if _flag(values.get("packastool"), values) is True:
        return Declaration.named(name, reason="PackAsTool=true: packed as a .NET tool")
    return Declaration.named(name, reason="packable: not IsPackable=false, not a test project")


def _properties(root: Element) -> dict[str, str]:
    """Property values by lower-case name (MSBuild property names are case-insensitive)."""
    unconditional: dict[str, str] = {}
    conditional: dict[str, str] = {}
    for group, group_is_conditional in _property_groups(root):
        for node in group:
            name = local_name(node).lower()
            if not name:
                continue
            value = (node.text or "").strip()
            if group_is_conditional or _has_condition(node):
                conditional.setdefault(name, value)
            else:
                unconditional[name] = value  # a later definition overrides an earlier one
    return conditional | unconditional


def _property_groups(root: Element) -> Iterator[tuple[Element, bool]]:
    for node in root:
        name = local_name(node)
        if name == "PropertyGroup":
            yield node, _has_condition(node)
        elif name == "Choose":  # <Choose><When Condition=...>: every branch is conditional
            for branch in node:
                for group in branch:
                    if local_name(group) == "PropertyGroup":
                        yield group, True


def _has_condition(node: Element) -> bool:
    return bool((node.get("Condition") or "").strip())


def _expand(value: str, values: dict[str, str]) -> str | None:
    """`value` with every `$(Name)` replaced; None when one is unknown here, a function, or a cycle."""
    for _ in range(_MAX_EXPANSIONS):
        if "$(" not in value:
            return value.strip()
        expanded = _REFERENCE.sub(lambda match: values.get(match.group(1).lower(), match.group(0)), value)
        if expanded == value or len(expanded) > _MAX_EXPANDED:
            return None
        value = expanded
    return None


def _flag(value: str | None, values: dict[str, str]) -> bool | None:
    """An MSBuild boolean (compared case-insensitively); None when absent or not statically known."""
    expanded = _expand(value, values) if value is not None else None
    if expanded is None:
        return None
    return {"true": True, "false": False}.get(expanded.lower())


def _not_a_package_reason(root: Element, values: dict[str, str]) -> str | None:
    packable = _flag(values.get("ispackable"), values)
    if packable is False:
        return "IsPackable=false"
    if packable is True:
        return None
    if _flag(values.get("istestproject"), values) is True:
        return "IsTestProject=true"
    if _references_test_sdk(root):
        return "references Microsoft.NET.Test.Sdk: a test project"
    if _project_sdks(root) & _TEST_PROJECT_SDKS:
        return "uses MSTest.Sdk: a test project"
    return None


def _references_test_sdk(root: Element) -> bool:
    for node in root.iter():
        if local_name(node) == "PackageReference":
            included = (node.get("Include") or "").split(";")
            if any(item.strip().lower() == _TEST_SDK_PACKAGE for item in included):
                return True
    return False


def _project_sdks(root: Element) -> set[str]:
    """Lower-case SDK names from `<Project Sdk="A/1.0;B">`, `<Sdk Name="A"/>` and `<Import Sdk="A"/>`."""
    declared = [root.get("Sdk") or ""]
    for node in root:
        if local_name(node) == "Sdk":
            declared.append(node.get("Name") or "")
        elif local_name(node) == "Import":
            declared.append(node.get("Sdk") or "")
    return {
        part.split("/", 1)[0].strip().lower() for sdks in declared for part in sdks.split(";") if part.strip()
    }


PARSER = ManifestParser(
    manifest_type="nuget",
    key="nuget",
    version=2,
    parse=parse,
    suffixes=(".csproj", ".fsproj", ".vbproj"),
)
