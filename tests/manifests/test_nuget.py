from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.nuget import parse
from distscout.manifests.registry import read_manifest
from tests.linear import assert_linear


def project(body: str, *, sdk: str = "Microsoft.NET.Sdk") -> str:
    return f'<Project Sdk="{sdk}">\n{body}\n</Project>\n'


def properties(inner: str, condition: str = "") -> str:
    attribute = f' Condition="{condition}"' if condition else ""
    return f"<PropertyGroup{attribute}>{inner}</PropertyGroup>"


FRAMEWORK = "<TargetFramework>net8.0</TargetFramework>"
TEST_SDK = '<ItemGroup><PackageReference Include="Microsoft.NET.Test.Sdk" Version="17.9.0" /></ItemGroup>'


def test_package_id() -> None:
    text = project(
        properties(FRAMEWORK + "<AssemblyName>Acme.Core</AssemblyName><PackageId>Acme</PackageId>")
    )
    declaration = parse(text, "Acme.Core.csproj")
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "Acme"
    assert declaration.intent is True


def test_falls_back_to_assembly_name() -> None:
    text = project(properties(FRAMEWORK + "<AssemblyName>Acme.Widgets</AssemblyName>"))
    assert parse(text, "Widgets.csproj").name == "Acme.Widgets"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [("Acme.Lib.csproj", "Acme.Lib"), ("Tool.fsproj", "Tool"), ("Old.VBPROJ", "Old")],
)
def test_falls_back_to_file_name(filename: str, expected: str) -> None:
    assert parse(project(properties(FRAMEWORK)), filename).name == expected


def test_empty_package_id_falls_back() -> None:
    text = project(properties("<PackageId></PackageId><AssemblyName>Acme</AssemblyName>"))
    assert parse(text, "X.csproj").name == "Acme"


def test_property_names_are_case_insensitive() -> None:
    assert parse(project(properties("<packageid>Acme.Lower</packageid>")), "X.csproj").name == "Acme.Lower"


def test_package_id_found_in_a_later_property_group() -> None:
    text = project(properties(FRAMEWORK) + "<ItemGroup/>" + properties("<PackageId>Acme.Later</PackageId>"))
    assert parse(text, "X.csproj").name == "Acme.Later"


def test_conditional_groups_lose_to_unconditional() -> None:
    text = project(
        properties("<PackageId>Acme.Debug</PackageId>", "'$(Configuration)' == 'Debug'")
        + properties("<PackageId>Acme</PackageId>")
    )
    assert parse(text, "X.csproj").name == "Acme"


def test_conditional_element_loses_to_unconditional() -> None:
    text = project(
        properties(
            "<PackageId Condition=\"'$(PackageId)' == ''\">Acme.Default</PackageId>"
            "<PackageId>Acme</PackageId>"
        )
    )
    assert parse(text, "X.csproj").name == "Acme"


def test_only_conditional_takes_the_first() -> None:
    text = project(
        properties("<PackageId>Acme.Net8</PackageId>", "'$(TargetFramework)' == 'net8.0'")
        + properties("<PackageId>Acme.Net6</PackageId>", "'$(TargetFramework)' == 'net6.0'")
    )
    assert parse(text, "X.csproj").name == "Acme.Net8"


def test_later_unconditional_definition_wins() -> None:
    # MSBuild evaluates properties top to bottom: the last assignment is the one in effect.
    text = project(
        properties("<PackageId>Acme.Old</PackageId>") + properties("<PackageId>Acme.New</PackageId>")
    )
    assert parse(text, "X.csproj").name == "Acme.New"


def test_choose_branches_are_conditional() -> None:
    text = project(
        "<Choose><When Condition=\"'$(X)' == 'y'\">"
        + properties("<PackageId>Acme.When</PackageId>")
        + "</When></Choose>"
        + properties("<AssemblyName>Acme</AssemblyName>")
    )
    assert parse(text, "X.csproj").name == "Acme.When"


@pytest.mark.parametrize(
    ("inner", "filename", "expected"),
    [
        (
            "<PackageId>$(AssemblyName)</PackageId><AssemblyName>Acme.Core</AssemblyName>",
            "X.csproj",
            "Acme.Core",
        ),
        ("<PackageId>$(AssemblyName).Pkg</PackageId>", "Acme.csproj", "Acme.Pkg"),
        ("<PackageId>$(MSBuildProjectName)</PackageId>", "Acme.Widgets.csproj", "Acme.Widgets"),
        ("<PackageId>Acme.$( msbuildprojectname )</PackageId>", "Core.csproj", "Acme.Core"),
        (
            "<PackageId>$(Vendor).$(Product)</PackageId><Vendor>Acme</Vendor><Product>$(Kind)s</Product>"
            "<Kind>Widget</Kind>",
            "X.csproj",
            "Acme.Widgets",
        ),
        (
            "<AssemblyName>$(RootNamespace)</AssemblyName><RootNamespace>Acme.Root</RootNamespace>",
            "X.csproj",
            "Acme.Root",
        ),
    ],
)
def test_property_references(inner: str, filename: str, expected: str) -> None:
    declaration = parse(project(properties(inner)), filename)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == expected


@pytest.mark.parametrize(
    "inner",
    [
        "<PackageId>$(PackagePrefix).Core</PackageId>",  # defined in Directory.Build.props
        "<PackageId>$(MSBuildProjectName.Replace('.Impl', ''))</PackageId>",
        "<PackageId>$([System.String]::Concat('A', 'B'))</PackageId>",
        "<PackageId>$(A)</PackageId><A>$(B)</A><B>$(A)</B>",
    ],
)
def test_unresolvable_package_id_is_unsupported(inner: str) -> None:
    declaration = parse(project(properties(inner)), "X.csproj")
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert declaration.name is None


def _laughs(depth: int) -> str:
    """Properties `depth` levels deep, each referring 10 times to the next: 10**depth "lol"s expanded."""
    levels = "".join(f"<P{i}>{('$(P' + str(i + 1) + ')') * 10}</P{i}>" for i in range(depth))
    return project(properties(f"<PackageId>$(P0)</PackageId>{levels}<P{depth}>lol</P{depth}>"))


def test_property_expansion_cannot_multiply() -> None:
    assert parse(_laughs(9), "X.csproj").status is ParseStatus.UNSUPPORTED
    # 3 levels against the original 9: expanded, the text would grow a million times over; capped,
    # the work grows with the input only.
    assert parse(_laughs(3), "X.csproj").status is ParseStatus.UNSUPPORTED
    assert_linear(lambda depth: parse(_laughs(depth), "X.csproj"), 3, factor=3)


@pytest.mark.parametrize("value", ["false", "False", " FALSE "])
def test_is_packable_false(value: str) -> None:
    text = project(properties(f"<PackageId>Acme.Tests</PackageId><IsPackable>{value}</IsPackable>"))
    declaration = parse(text, "Acme.Tests.csproj")
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.name is None
    assert declaration.intent is False
    assert declaration.intent_reason == "IsPackable=false"


def test_is_packable_false_wins_even_with_an_unresolvable_name() -> None:
    text = project(properties("<PackageId>$(Elsewhere)</PackageId><IsPackable>false</IsPackable>"))
    assert parse(text, "X.csproj").intent_reason == "IsPackable=false"


def test_is_packable_through_a_property() -> None:
    text = project(properties("<IsPackable>$(Pack)</IsPackable><Pack>false</Pack>"))
    assert parse(text, "X.csproj").status is ParseStatus.NO_NAME


def test_is_test_project() -> None:
    declaration = parse(project(properties("<IsTestProject>true</IsTestProject>")), "Acme.Tests.csproj")
    assert declaration.status is ParseStatus.NO_NAME
    assert "IsTestProject" in declaration.intent_reason


@pytest.mark.parametrize(
    "reference",
    [
        TEST_SDK,
        '<ItemGroup><PackageReference Include="microsoft.net.test.sdk" /></ItemGroup>',
        "<ItemGroup Condition=\"'$(TargetFramework)' == 'net8.0'\">"
        '<PackageReference Include="xunit;Microsoft.NET.Test.Sdk" /></ItemGroup>',
    ],
)
def test_test_sdk_reference(reference: str) -> None:
    declaration = parse(project(properties(FRAMEWORK) + reference), "Acme.Tests.csproj")
    assert declaration.status is ParseStatus.NO_NAME
    assert "Microsoft.NET.Test.Sdk" in declaration.intent_reason


@pytest.mark.parametrize(
    "body",
    [project(properties(FRAMEWORK), sdk="MSTest.Sdk/3.6.1"), '<Project><Sdk Name="MSTest.Sdk" /></Project>'],
)
def test_mstest_sdk(body: str) -> None:
    assert parse(body, "Acme.Tests.csproj").status is ParseStatus.NO_NAME


def test_explicitly_packable_test_helpers() -> None:
    text = project(properties("<IsPackable>true</IsPackable><IsTestProject>true</IsTestProject>") + TEST_SDK)
    declaration = parse(text, "Acme.Testing.csproj")
    assert declaration.name == "Acme.Testing"
    assert declaration.intent is True


def test_test_like_references_that_are_not_the_test_sdk() -> None:
    text = project(
        properties(FRAMEWORK) + '<ItemGroup><PackageReference Include="xunit.assert" /></ItemGroup>'
    )
    assert parse(text, "Acme.Assertions.csproj").intent is True


@pytest.mark.parametrize(
    ("sdk", "inner"),
    [
        ("Microsoft.NET.Sdk.Web", FRAMEWORK),
        ("Microsoft.NET.Sdk", "<OutputType>Exe</OutputType>"),
    ],
)
def test_apps_are_not_opt_outs(sdk: str, inner: str) -> None:
    declaration = parse(project(properties(inner), sdk=sdk), "Acme.App.csproj")
    assert declaration.name == "Acme.App"
    assert declaration.intent is True


def test_pack_as_tool() -> None:
    text = project(
        properties(
            "<OutputType>Exe</OutputType><PackAsTool>True</PackAsTool><ToolCommandName>acme"
            "</ToolCommandName><PackageId>Acme.Tool</PackageId>"
        )
    )
    declaration = parse(text, "Acme.Cli.csproj")
    assert declaration.name == "Acme.Tool"
    assert declaration.intent is True
    assert "PackAsTool" in declaration.intent_reason


OLD_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<Project ToolsVersion="15.0" DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <Import Project="$(MSBuildExtensionsPath)\\$(MSBuildToolsVersion)\\Microsoft.Common.props" />
  <PropertyGroup>
    <Configuration Condition=" '$(Configuration)' == '' ">Debug</Configuration>
    <OutputType>Library</OutputType>
    <RootNamespace>Acme.Legacy</RootNamespace>
    <AssemblyName>Acme.Legacy</AssemblyName>
    <TargetFrameworkVersion>v4.7.2</TargetFrameworkVersion>
  </PropertyGroup>
  <PropertyGroup Condition=" '$(Configuration)|$(Platform)' == 'Debug|AnyCPU' ">
    <OutputPath>bin\\Debug\\</OutputPath>
  </PropertyGroup>
  <ItemGroup><Compile Include="Widget.cs" /></ItemGroup>
  <Import Project="$(MSBuildToolsPath)\\Microsoft.CSharp.targets" />
</Project>
"""


def test_old_style_namespaced_project() -> None:
    declaration = parse(OLD_STYLE, "Legacy.csproj")
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "Acme.Legacy"
    assert declaration.intent is True


def test_old_style_test_project_with_is_packable() -> None:
    text = OLD_STYLE.replace("<OutputType>Library</OutputType>", "<IsPackable>false</IsPackable>")
    assert parse(text, "Legacy.csproj").status is ParseStatus.NO_NAME


def test_root_is_not_project() -> None:
    assert (
        parse("<Solution><PackageId>Acme</PackageId></Solution>", "X.csproj").status is ParseStatus.MALFORMED
    )


@pytest.mark.parametrize("text", ["", "\n", "Microsoft Visual Studio Solution File", "<Project>", "<a></b>"])
def test_malformed(text: str) -> None:
    declaration = parse(text, "X.csproj")
    assert declaration.status is ParseStatus.MALFORMED
    assert declaration.name is None


def test_entity_attack_is_malformed() -> None:
    text = (
        '<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<Project><PropertyGroup><PackageId>&b;</PackageId></PropertyGroup></Project>"
    )
    assert parse(text, "X.csproj").status is ParseStatus.MALFORMED


def test_through_the_registry_bom_and_crlf() -> None:
    text = project(properties(FRAMEWORK + "<PackageId>Acme.Lib</PackageId>")).replace("\n", "\r\n")
    declaration = read_manifest("src/Acme.Lib/Acme.Lib.csproj", b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert declaration is not None
    assert declaration.manifest_type == "nuget"
    assert declaration.name == "Acme.Lib"
    assert declaration.parser_version == "nuget/2"
    assert declaration.purl is not None


def test_through_the_registry_file_name_and_is_packable() -> None:
    declaration = read_manifest("dotnet/Acme.Lib.fsproj", project(properties(FRAMEWORK)))
    assert declaration is not None
    assert declaration.name == "Acme.Lib"
    packable = project(properties("<IsPackable>false</IsPackable>"))
    declaration = read_manifest("src/Acme.Bench/Acme.Bench.vbproj", packable.encode("utf-8"))
    assert declaration is not None
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.intent_reason == "IsPackable=false"


def test_through_the_registry_utf16_with_declaration() -> None:
    text = '<?xml version="1.0" encoding="utf-16"?>\n' + project(
        properties("<PackageId>Acme.U16</PackageId>")
    )
    declaration = read_manifest("Acme.csproj", text.encode("utf-16"))
    assert declaration is not None
    assert declaration.name == "Acme.U16"
