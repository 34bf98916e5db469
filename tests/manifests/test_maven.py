from __future__ import annotations

import pytest

from distscout.manifests.declaration import Declaration, ParseStatus
from distscout.manifests.parsers.maven import parse
from distscout.manifests.registry import read_manifest
from tests.linear import assert_linear

NS = 'xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'


def pom(body: str, *, namespaced: bool = True) -> str:
    attributes = f" {NS}" if namespaced else ""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<project{attributes}>\n{body}\n</project>\n'


def build_plugin(artifact_id: str, configuration: str, *, where: str = "plugins") -> str:
    plugin = (
        f"<plugin><artifactId>{artifact_id}</artifactId>"
        f"<configuration>{configuration}</configuration></plugin>"
    )
    if where == "pluginManagement":
        return f"<build><pluginManagement><plugins>{plugin}</plugins></pluginManagement></build>"
    return f"<build><plugins>{plugin}</plugins></build>"


COORDINATES = "<groupId>org.acme</groupId><artifactId>widget</artifactId><version>1.0</version>"


@pytest.mark.parametrize("namespaced", [True, False])
def test_group_and_artifact(namespaced: bool) -> None:
    declaration = parse(pom(COORDINATES, namespaced=namespaced))
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "org.acme:widget"
    assert declaration.intent is True


def test_prefixed_namespace() -> None:
    text = (
        '<pom:project xmlns:pom="http://maven.apache.org/POM/4.0.0">'
        "<pom:groupId>org.acme</pom:groupId><pom:artifactId>widget</pom:artifactId></pom:project>"
    )
    assert parse(text).name == "org.acme:widget"


def test_group_from_parent() -> None:
    body = """
      <parent><groupId>org.acme</groupId><artifactId>acme-parent</artifactId><version>3</version></parent>
      <artifactId>widget-core</artifactId>"""
    assert parse(pom(body)).name == "org.acme:widget-core"


def test_own_group_wins_over_parent() -> None:
    body = """
      <parent><groupId>org.apache</groupId><artifactId>apache</artifactId><version>33</version></parent>
      <groupId>org.acme</groupId><artifactId>widget</artifactId>"""
    assert parse(pom(body)).name == "org.acme:widget"


def test_dependency_and_plugin_group_ids_are_not_the_projects() -> None:
    body = """
      <parent><groupId>org.acme</groupId><artifactId>parent</artifactId></parent>
      <dependencies>
        <dependency><groupId>junit</groupId><artifactId>junit</artifactId></dependency>
      </dependencies>
      <build><plugins><plugin><groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-jar-plugin</artifactId></plugin></plugins></build>
      <artifactId>widget</artifactId>"""
    assert parse(pom(body)).name == "org.acme:widget"


def test_group_only_in_a_dependency_is_no_group() -> None:
    body = """
      <artifactId>widget</artifactId>
      <dependencies><dependency><groupId>junit</groupId><artifactId>junit</artifactId></dependency></dependencies>"""
    declaration = parse(pom(body))
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.name is None


def test_no_artifact_id() -> None:
    declaration = parse(pom("<groupId>org.acme</groupId><modelVersion>4.0.0</modelVersion>"))
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.intent is False
    assert declaration.intent_reason


def test_comments_and_whitespace_around_values() -> None:
    body = """
      <!-- <artifactId>commented-out</artifactId> -->
      <groupId>
        org.acme
      </groupId>
      <artifactId> widget </artifactId>"""
    assert parse(pom(body)).name == "org.acme:widget"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "<groupId>org.acme</groupId><artifactId>${revision}</artifactId>"
            "<properties><revision>widget</revision></properties>",
            "org.acme:widget",
        ),
        (
            "<groupId>${base.group}.tools</groupId><artifactId>widget</artifactId>"
            "<properties><base.group>org.acme</base.group></properties>",
            "org.acme.tools:widget",
        ),
        (
            "<groupId>org.acme</groupId><artifactId>${name}-core</artifactId>"
            "<properties><name>${prefix}widget</name><prefix>acme-</prefix></properties>",
            "org.acme:acme-widget-core",
        ),
        (
            "<parent><groupId>org.acme</groupId><artifactId>widget-parent</artifactId></parent>"
            "<groupId>${project.parent.groupId}</groupId><artifactId>${project.groupId}.widget</artifactId>",
            "org.acme:org.acme.widget",
        ),
        (
            "<parent><groupId>org.acme</groupId><artifactId>widget</artifactId></parent>"
            "<artifactId>${parent.artifactId}-core</artifactId>",
            "org.acme:widget-core",
        ),
        ("<groupId>${pom.groupId}</groupId><artifactId>a</artifactId>", None),
    ],
)
def test_property_references(body: str, expected: str | None) -> None:
    declaration = parse(pom(body))
    if expected is None:
        assert declaration.status is ParseStatus.UNSUPPORTED
    else:
        assert declaration.status is ParseStatus.OK
        assert declaration.name == expected


@pytest.mark.parametrize(
    "body",
    [
        "<groupId>org.acme</groupId><artifactId>${revision}</artifactId>",  # defined by the parent or -D
        "<groupId>org.acme</groupId><artifactId>${env.NAME}</artifactId>",
        "<groupId>org.acme</groupId><artifactId>${a}</artifactId><properties><a>${b}</a><b>${a}</b></properties>",
        "<groupId>${acme.group}</groupId><artifactId>widget</artifactId>",
    ],
)
def test_unresolvable_references_are_unsupported(body: str) -> None:
    declaration = parse(pom(body))
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert declaration.name is None
    assert declaration.intent is False


def _property_laughs(depth: int) -> str:
    """Properties `depth` levels deep, each referring 10 times to the next: 10**depth "lol"s expanded."""
    levels = "".join(f"<p{i}>{('${p' + str(i + 1) + '}') * 10}</p{i}>" for i in range(depth))
    levels += f"<p{depth}>lol</p{depth}>"
    return pom(
        f"<groupId>org.acme</groupId><artifactId>${{p0}}</artifactId><properties>{levels}</properties>"
    )


def test_property_expansion_cannot_multiply() -> None:
    assert parse(_property_laughs(9)).status is ParseStatus.UNSUPPORTED
    # 3 levels against the original 9: expanded, the text would grow a million times over; capped,
    # the work grows with the input only.
    assert parse(_property_laughs(3)).status is ParseStatus.UNSUPPORTED
    assert_linear(lambda depth: parse(_property_laughs(depth)), 3, factor=3)


def test_packaging_pom_is_still_published() -> None:
    declaration = parse(
        pom(f"{COORDINATES}<packaging>pom</packaging><modules><module>core</module></modules>")
    )
    assert declaration.name == "org.acme:widget"
    assert declaration.intent is True


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("<properties><maven.deploy.skip>true</maven.deploy.skip></properties>", "maven.deploy.skip"),
        ("<properties><maven.deploy.skip> TRUE </maven.deploy.skip></properties>", "maven.deploy.skip"),
        (
            "<properties><maven.deploy.skip>${skip.it}</maven.deploy.skip><skip.it>true</skip.it></properties>",
            "maven.deploy.skip",
        ),
        (
            "<properties><skipNexusStagingDeployMojo>true</skipNexusStagingDeployMojo></properties>",
            "skipNexusStagingDeployMojo",
        ),
        (build_plugin("maven-deploy-plugin", "<skip>true</skip>"), "maven-deploy-plugin"),
        (
            build_plugin(
                "nexus-staging-maven-plugin", "<skipNexusStagingDeployMojo>true</skipNexusStagingDeployMojo>"
            ),
            "skipNexusStagingDeployMojo",
        ),
        (build_plugin("nexus-staging-maven-plugin", "<skipStaging>true</skipStaging>"), "skipStaging"),
        (
            build_plugin("central-publishing-maven-plugin", "<skipPublishing>true</skipPublishing>"),
            "skipPublishing",
        ),
        (
            "<properties><noDeploy>true</noDeploy></properties>"
            + build_plugin("central-publishing-maven-plugin", "<skipPublishing>${noDeploy}</skipPublishing>"),
            "skipPublishing",
        ),
    ],
)
def test_deploy_skips(extra: str, reason: str) -> None:
    declaration = parse(pom(COORDINATES + extra))
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "org.acme:widget"
    assert declaration.intent is False
    assert reason in declaration.intent_reason


def test_deploy_skip_in_default_execution() -> None:
    plugins = """<build><plugins><plugin><artifactId>maven-deploy-plugin</artifactId><executions>
      <execution><id>default-deploy</id><configuration><skip>true</skip></configuration></execution>
      </executions></plugin></plugins></build>"""
    assert parse(pom(COORDINATES + plugins)).intent is False


@pytest.mark.parametrize(
    "extra",
    [
        "<properties><maven.install.skip>true</maven.install.skip></properties>",
        "<properties><maven.deploy.skip>false</maven.deploy.skip></properties>",
        "<properties><maven.deploy.skip>${undefined}</maven.deploy.skip></properties>",
        build_plugin("maven-deploy-plugin", "<skip>false</skip>"),
        build_plugin("maven-install-plugin", "<skip>true</skip>"),
        # pluginManagement configures the children that use the plugin, not this file's own build
        build_plugin("maven-deploy-plugin", "<skip>true</skip>", where="pluginManagement"),
        # a profile is not active by default
        "<profiles><profile><id>ci</id><properties><maven.deploy.skip>true</maven.deploy.skip>"
        "</properties></profile></profiles>",
    ],
)
def test_not_deploy_skips(extra: str) -> None:
    declaration = parse(pom(COORDINATES + extra))
    assert declaration.name == "org.acme:widget"
    assert declaration.intent is True


def test_deploy_skip_next_to_a_sonatype_publisher_is_not_an_opt_out() -> None:
    plugins = """<build><plugins>
      <plugin><artifactId>maven-deploy-plugin</artifactId><configuration><skip>true</skip></configuration></plugin>
      <plugin><groupId>org.sonatype.central</groupId><artifactId>central-publishing-maven-plugin</artifactId>
        <extensions>true</extensions></plugin>
    </plugins></build>"""
    properties = "<properties><maven.deploy.skip>true</maven.deploy.skip></properties>"
    assert parse(pom(COORDINATES + plugins)).intent is True
    assert parse(pom(COORDINATES + properties + plugins)).intent is True


def test_root_is_not_project() -> None:
    declaration = parse("<settings><groupId>a</groupId><artifactId>b</artifactId></settings>")
    assert declaration.status is ParseStatus.MALFORMED


@pytest.mark.parametrize("text", ["", "   \n", "not xml at all", "<project><groupId>a</groupId>", "{}"])
def test_malformed(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.MALFORMED
    assert declaration.name is None
    assert declaration.intent is False


def _entity_laughs(depth: int) -> str:
    """Entities `depth` levels deep, each referring 10 times to the one below: 10**depth "lol"s."""
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, depth + 1)
        )
        + f"]>\n<project><groupId>org.acme</groupId><artifactId>&lol{depth};</artifactId></project>\n"
    )


BILLION_LAUGHS = _entity_laughs(9)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    "<project><groupId>org.acme</groupId><artifactId>&x;</artifactId></project>\n"
)
EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE project SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
    "<project><groupId>org.acme</groupId><artifactId>widget</artifactId></project>\n"
)


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entity_attacks_are_malformed_without_expansion(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.MALFORMED
    assert declaration.name is None
    assert "lollol" not in declaration.detail
    assert "root:" not in declaration.detail


def test_entity_bomb_costs_the_same_at_any_depth() -> None:
    # 3 levels against the original 9: expanded, the text would grow a million times over; refused
    # unexpanded, the work grows with the input only.
    assert parse(_entity_laughs(3)).status is ParseStatus.MALFORMED
    assert_linear(lambda depth: parse(_entity_laughs(depth)), 3, factor=3)


PARAMETER_ENTITY = (
    '<!DOCTYPE project [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>\n'
    "<project><groupId>org.acme</groupId><artifactId>widget</artifactId></project>\n"
)


def test_external_dtd_is_not_fetched() -> None:
    # Sockets are disabled in tests, so a fetch would fail loudly; the external DTD is simply ignored.
    declaration = parse(EXTERNAL_DTD)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "org.acme:widget"


def test_external_parameter_entity_is_refused() -> None:
    assert parse(PARAMETER_ENTITY).status is ParseStatus.MALFORMED


def test_through_the_registry_bytes_bom_crlf() -> None:
    text = pom("<parent><groupId>org.acme</groupId></parent>\r\n<artifactId>widget</artifactId>")
    data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
    declaration = read_manifest("widget/pom.xml", data)
    assert declaration is not None
    assert declaration.manifest_type == "maven"
    assert declaration.name == "org.acme:widget"
    assert declaration.parser_version == "maven/3"
    assert declaration.purl == "pkg:maven/org.acme/widget"


def test_through_the_registry_hostile() -> None:
    declaration = read_manifest("pom.xml", BILLION_LAUGHS.encode())
    assert declaration is not None
    assert declaration.status is ParseStatus.MALFORMED
    assert read_manifest("pom.xml", b"") is not None
    assert read_manifest("pom.xml.bak", b"") is None


# --- inheritance from parent POMs in the same repository (resolve) -------------------------------

_PARENT = """<project><groupId>org.acme</groupId><artifactId>acme-parent</artifactId>
  <modules><module>core</module><module>extras</module></modules>
  <build>
    <plugins>
      <plugin><groupId>org.sonatype.central</groupId><artifactId>central-publishing-maven-plugin</artifactId>
        <inherited>false</inherited></plugin>
    </plugins>
    <pluginManagement><plugins>
      <plugin><artifactId>maven-deploy-plugin</artifactId><configuration><skip>true</skip></configuration></plugin>
    </plugins></pluginManagement>
  </build>
</project>"""
_MODULE = """<project><parent><groupId>org.acme</groupId><artifactId>acme-parent</artifactId></parent>
  <artifactId>{name}</artifactId>{build}</project>"""
_PUBLISHES = (
    "<build><plugins><plugin><artifactId>central-publishing-maven-plugin</artifactId></plugin>"
    "</plugins></build>"
)


def _resolved(files: dict[str, str], path: str) -> Declaration:
    declaration = read_manifest(path, files[path], context=files.get)
    assert declaration is not None
    return declaration


def test_module_inherits_the_deploy_skip_of_the_parents_plugin_management() -> None:
    files = {"pom.xml": _PARENT, "extras/pom.xml": _MODULE.format(name="acme-extras", build="")}
    declaration = _resolved(files, "extras/pom.xml")
    assert declaration.name == "org.acme:acme-extras"
    assert not declaration.intent and declaration.intent_reason == "inherited: maven-deploy-plugin skip=true"


def test_module_that_declares_the_publisher_itself_is_published() -> None:
    files = {"pom.xml": _PARENT, "core/pom.xml": _MODULE.format(name="acme-core", build=_PUBLISHES)}
    assert _resolved(files, "core/pom.xml").intent


def test_the_parent_itself_is_published_by_its_own_plugin() -> None:
    assert _resolved({"pom.xml": _PARENT}, "pom.xml").intent


def test_inherited_publisher_keeps_modules_published() -> None:
    parent = _PARENT.replace("<inherited>false</inherited>", "")
    files = {"pom.xml": parent, "extras/pom.xml": _MODULE.format(name="acme-extras", build="")}
    assert _resolved(files, "extras/pom.xml").intent


def test_parent_property_skips_deploy() -> None:
    parent = "<project><groupId>g</groupId><artifactId>p</artifactId><properties>" + (
        "<maven.deploy.skip>true</maven.deploy.skip></properties></project>"
    )
    module = (
        "<project><parent><groupId>g</groupId><artifactId>p</artifactId></parent>"
        "<artifactId>m</artifactId></project>"
    )
    declaration = _resolved({"pom.xml": parent, "m/pom.xml": module}, "m/pom.xml")
    assert not declaration.intent and "maven.deploy.skip" in declaration.intent_reason


def test_explicit_relative_path_and_a_mismatched_parent() -> None:
    module = _MODULE.replace("</parent>", "<relativePath>../build/pom.xml</relativePath></parent>")
    files = {"build/pom.xml": _PARENT, "m/pom.xml": module.format(name="m", build="")}
    assert not _resolved(files, "m/pom.xml").intent
    other = _PARENT.replace("acme-parent", "someone-else")
    assert _resolved({"pom.xml": other, "m/pom.xml": _MODULE.format(name="m", build="")}, "m/pom.xml").intent


@pytest.mark.parametrize(
    "relative", ["<relativePath/>", "<relativePath>../../../../etc/pom.xml</relativePath>"]
)
def test_parent_outside_the_repository_is_not_read(relative: str) -> None:
    reads: list[str] = []
    module = _MODULE.replace("</parent>", relative + "</parent>").format(name="m", build="")
    files = {"pom.xml": _PARENT, "m/pom.xml": module}

    def read(path: str) -> str | None:
        reads.append(path)
        return files.get(path)

    declaration = read_manifest("m/pom.xml", module, context=read)
    assert declaration is not None and declaration.intent
    assert reads == ["m/pom.xml"]


def test_parent_cycle_and_broken_parent_are_bounded() -> None:
    looping = (
        "<project><parent><groupId>g</groupId><artifactId>a</artifactId>"
        "<relativePath>pom.xml</relativePath></parent><artifactId>a</artifactId></project>"
    )
    assert _resolved({"pom.xml": looping}, "pom.xml").intent
    files = {"pom.xml": "<project", "m/pom.xml": _MODULE.format(name="m", build="")}
    assert _resolved(files, "m/pom.xml").intent
