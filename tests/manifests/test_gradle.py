from __future__ import annotations

from collections.abc import Callable

import pytest

from distscout.manifests.declaration import Declaration, ParseStatus
from distscout.manifests.parsers.gradle import parse, resolve
from distscout.manifests.registry import context_files, read_manifest
from tests.linear import assert_linear

ACME_LIB = {
    "settings.gradle.kts": 'rootProject.name = "acme-core"\ninclude(":acme-extras")\n',
    "build.gradle.kts": (
        'plugins { `java-library`; `maven-publish` }\n\ngroup = "com.acme"\nversion = "1.4.0"\n'
    ),
    "acme-extras/build.gradle.kts": "plugins { `java-library` }\n",
}


def read_in(files: dict[str, str], path: str) -> Declaration:
    declaration = read_manifest(path, files[path], context=files.get)
    assert declaration is not None
    return declaration


# --- the example repository --------------------------------------------------------------------


def test_root_project_with_settings() -> None:
    declaration = read_in(ACME_LIB, "build.gradle.kts")
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "com.acme:acme-core"
    assert declaration.intent
    assert declaration.manifest_type == "maven"
    assert declaration.purl == "pkg:maven/com.acme/acme-core"
    assert declaration.parser_version == "gradle/1"


def test_subproject_inherits_the_root_group() -> None:
    declaration = read_in(ACME_LIB, "acme-extras/build.gradle.kts")
    assert declaration.name == "com.acme:acme-extras"
    assert not declaration.intent
    assert declaration.intent_reason == "no publishing plugin applied"


def test_root_file_alone_records_the_group() -> None:
    declaration = read_manifest("build.gradle.kts", ACME_LIB["build.gradle.kts"])
    assert declaration is not None
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.fact("group") == "com.acme"
    assert declaration.fact("publishes") == "true"


def test_context_files_are_registered() -> None:
    assert {"settings.gradle", "settings.gradle.kts", "gradle.properties"} <= context_files()


def test_crlf_everywhere() -> None:
    files = {path: text.replace("\n", "\r\n") for path, text in ACME_LIB.items()}
    assert read_in(files, "build.gradle.kts").name == "com.acme:acme-core"
    assert read_in(files, "acme-extras/build.gradle.kts").name == "com.acme:acme-extras"


# --- one file ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line", ['group = "com.acme"', "group = 'com.acme'", "group 'com.acme'", 'project.group = "com.acme"']
)
def test_group_spellings(line: str) -> None:
    assert parse(f"{line}\n").fact("group") == "com.acme"


@pytest.mark.parametrize(
    "text",
    [
        "archivesBaseName = 'acme-lib'",
        'base { archivesName.set("acme-lib") }',
        'base {\n    archivesName = "acme-lib"\n}',
        'base.archivesName = "acme-lib"',
    ],
)
def test_archive_names(text: str) -> None:
    declaration = parse(f"group = 'com.acme'\n{text}\n")
    assert declaration.name == "com.acme:acme-lib"
    assert not declaration.intent


GROOVY_PUBLISHING = """\
plugins {
    id 'java-library'
    id 'maven-publish'
}

group = 'com.acme'
archivesBaseName = 'acme-archive'

publishing {
    publications {
        mavenJava(MavenPublication) {
            artifactId = 'acme-published'
            from components.java
        }
    }
}

tasks.register('hello') {
    group = 'custom tasks'
}
"""


def test_publication_artifact_id_wins() -> None:
    declaration = parse(GROOVY_PUBLISHING)
    assert declaration.name == "com.acme:acme-published"
    assert declaration.intent
    assert declaration.fact("group") == "com.acme"  # not the task's group


def test_kotlin_publication_with_group_id() -> None:
    text = (
        'plugins {\n    id("maven-publish")\n}\n'
        "publishing {\n    publications {\n"
        '        create<MavenPublication>("maven") {\n'
        '            groupId = "org.acme.pub"\n            artifactId = "acme-kt"\n'
        '            from(components["java"])\n        }\n    }\n}\n'
    )
    declaration = parse(text, "build.gradle.kts")
    assert declaration.name == "org.acme.pub:acme-kt"
    assert declaration.intent


def test_vanniktech_coordinates() -> None:
    text = (
        'plugins { id("com.vanniktech.maven.publish") version "0.28.0" }\n'
        'mavenPublishing {\n    coordinates("com.acme", "acme-vk", "1.0.0")\n}\n'
    )
    declaration = parse(text, "build.gradle.kts")
    assert declaration.name == "com.acme:acme-vk"
    assert declaration.intent


def test_vanniktech_named_coordinates() -> None:
    text = 'mavenPublishing {\n  coordinates(groupId = "com.acme", artifactId = "named", version = "1")\n}\n'
    assert parse(text, "build.gradle.kts").name == "com.acme:named"


@pytest.mark.parametrize(
    "plugins",
    [
        "plugins { `maven-publish` }",
        'plugins { id("maven-publish") }',
        "plugins {\n    id 'maven-publish'\n}",
        'plugins { id "com.vanniktech.maven.publish" version "0.25.3" }',
        'plugins { id("com.gradle.plugin-publish") version "1.2.1" }',
        "plugins { id 'signing'\n id 'maven' }",
        "plugins { alias(libs.plugins.vanniktech.maven.publish) }",
        'plugins { id("acme.publishing-conventions") }',
        "apply plugin: 'maven-publish'",
        'apply plugin: "maven"',
        'apply(plugin = "maven-publish")',
        "apply plugin: MavenPublishPlugin",
        "apply<MavenPublishPlugin>()",
        'pluginManager.apply("maven-publish")',
        "apply from: rootProject.file('gradle/publish.gradle')",
        'apply from: "$rootDir/gradle/gradle-mvn-push.gradle"',
        'publishing {\n  repositories { maven { url = uri("x") } }\n}',
        "uploadArchives {\n  repositories { mavenDeployer { } }\n}",
        "if (isRelease) {\n  apply plugin: 'maven-publish'\n}",
    ],
)
def test_publishing_signals(plugins: str) -> None:
    declaration = parse(f"{plugins}\ngroup = 'com.acme'\n")
    assert declaration.fact("publishes") == "true"


@pytest.mark.parametrize(
    "plugins",
    [
        "plugins { id 'java-library' }",
        "plugins { `java-library`; signing }",
        'plugins { id("com.vanniktech.maven.publish") version "0.28.0" apply false }',
        'plugins { id("io.github.gradle-nexus.publish-plugin") version "2.0.0" }',
        "// apply plugin: 'maven-publish'",
        "/* plugins { id 'maven-publish' } */",
        "apply plugin: 'com.android.library'",
        "configure(subprojects.findAll { it.name != 'x' }) {\n  apply plugin: 'maven-publish'\n}",
        "buildscript {\n  dependencies { classpath 'x:maven-publish:1' }\n}",
        'tasks.register("publishDocs") { }',
        "description = \"apply plugin: 'maven-publish'\"",
    ],
)
def test_not_publishing(plugins: str) -> None:
    declaration = parse(f"{plugins}\ngroup = 'com.acme'\n")
    assert declaration.fact("publishes") == "false"


def test_comments_do_not_count() -> None:
    text = '// group = "com.commented"\n/* group = "com.block"\n*/\ngroup = "com.real" // group = "x"\n'
    assert parse(text).fact("group") == "com.real"


def test_kotlin_nested_block_comment() -> None:
    text = '/* outer /* inner */ group = "com.hidden" */\ngroup = "com.real"\n'
    assert parse(text, "build.gradle.kts").fact("group") == "com.real"


def test_groovy_block_comments_do_not_nest() -> None:
    text = '/* outer /* inner */ group = "com.visible"\n'
    assert parse(text, "build.gradle").fact("group") == "com.visible"


@pytest.mark.parametrize(
    "text",
    [
        'dependencies {\n    implementation(group = "org.other", name = "x", version = "1")\n}',
        "dependencies {\n    implementation group: 'org.other', name: 'x'\n}",
        "configurations.all { exclude group: 'org.other' }",
        "task hello {\n    group = 'org.other'\n}",
        'tasks.withType<Test> { group = "org.other" }',
        'group = "org.${name}"',
        "group = rootProject.group",
    ],
)
def test_not_the_project_group(text: str) -> None:
    assert parse(text, "build.gradle.kts").fact("group") is None


def test_group_from_a_property_is_recorded() -> None:
    assert parse("group = GROUP\n").fact("group.property") == "GROUP"
    assert parse('group = findProperty("pomGroup") as String\n').fact("group.property") == "pomGroup"
    assert parse('group = property("g").toString()\n').fact("group.property") == "g"


def test_group_from_a_local_value() -> None:
    text = 'val acmeGroup = "com.acme"\ngroup = acmeGroup\n'
    assert parse(text, "build.gradle.kts").fact("group") == "com.acme"


def test_allprojects_and_subprojects_are_recorded() -> None:
    text = (
        "allprojects {\n    group = 'org.all'\n}\n"
        "subprojects {\n    group = 'org.sub'\n    apply plugin: 'maven-publish'\n}\n"
    )
    declaration = parse(text)
    assert declaration.fact("allprojects.group") == "org.all"
    assert declaration.fact("subprojects.group") == "org.sub"
    assert declaration.fact("group") == "org.all"  # allprojects includes the root itself
    assert declaration.fact("subprojects.publishes") == "true"
    assert declaration.fact("publishes") == "false"  # subprojects does not include the root


def test_one_line_allprojects_block() -> None:
    assert parse("allprojects { group = 'org.all'; version = '1' }").fact("allprojects.group") == "org.all"


@pytest.mark.parametrize(
    "text", ["", "}}}{{{", "plugins {", 'group = "unterminated', "/* never closed", "((((((", "\\"]
)
def test_garbage_is_a_recorded_status(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.NO_NAME
    assert not declaration.intent


# --- the repository around the file --------------------------------------------------------------


def test_groovy_multi_project_build() -> None:
    files = {
        "settings.gradle": "rootProject.name = 'acme'\ninclude ':core',\n        ':libs:util'\n",
        "build.gradle": (
            "allprojects {\n    group = 'org.acme'\n}\n"
            "subprojects {\n    apply plugin: 'java'\n    apply plugin: 'maven-publish'\n}\n"
        ),
        "core/build.gradle": "dependencies { }\n",
        "libs/util/build.gradle": "archivesBaseName = 'acme-util'\n",
    }
    root = read_in(files, "build.gradle")
    assert root.name == "org.acme:acme"
    assert not root.intent
    core = read_in(files, "core/build.gradle")
    assert core.name == "org.acme:core"
    assert core.intent
    assert core.intent_reason == "the root build applies a publishing plugin to subprojects"
    assert read_in(files, "libs/util/build.gradle").name == "org.acme:acme-util"


def test_group_from_gradle_properties() -> None:
    files = {
        "settings.gradle.kts": 'rootProject.name = "acme"\ninclude("lib")\n',
        "gradle.properties": "# comment\norg.gradle.jvmargs=-Xmx2g\ngroup=com.props\nversion = 1.0\n",
        "build.gradle.kts": "plugins { base }\n",
        "lib/build.gradle.kts": 'plugins { id("maven-publish") }\n',
    }
    assert read_in(files, "build.gradle.kts").name == "com.props:acme"
    lib = read_in(files, "lib/build.gradle.kts")
    assert lib.name == "com.props:lib"
    assert lib.intent


def test_vanniktech_group_property() -> None:
    files = {
        "gradle.properties": "GROUP=com.vanniktech.example\nVERSION_NAME=0.1\n",
        "build.gradle": "",
        "sub/build.gradle": "plugins { id 'com.vanniktech.maven.publish' }\n",
    }
    assert read_in(files, "sub/build.gradle").name == "com.vanniktech.example:sub"


def test_property_reference_resolved_from_gradle_properties() -> None:
    files = {
        "gradle.properties": "pomGroup: com.ref\n",
        "settings.gradle": "rootProject.name = 'acme'\n",
        "build.gradle": "group = pomGroup\n",
    }
    assert read_in(files, "build.gradle").name == "com.ref:acme"


def test_own_group_beats_inherited() -> None:
    files = {
        "gradle.properties": "group=com.props\n",
        "build.gradle": "allprojects { group = 'com.root' }\n",
        "a/build.gradle": "group = 'com.own'\n",
        "b/build.gradle": "",
    }
    assert read_in(files, "a/build.gradle").name == "com.own:a"
    assert read_in(files, "b/build.gradle").name == "com.root:b"


def test_project_dir_override() -> None:
    files = {
        "settings.gradle": "include ':acme-api'\nproject(':acme-api').projectDir = file('modules/api')\n",
        "build.gradle": "group = 'com.acme'\n",
        "modules/api/build.gradle": "",
    }
    assert read_in(files, "modules/api/build.gradle").name == "com.acme:acme-api"


def test_kotlin_project_dir_override() -> None:
    files = {
        "settings.gradle.kts": (
            'include(":acme-api")\nproject(":acme-api").projectDir = File(rootDir, "modules/api")\n'
        ),
        "build.gradle.kts": 'group = "com.acme"\n',
        "modules/api/build.gradle.kts": "",
    }
    assert read_in(files, "modules/api/build.gradle.kts").name == "com.acme:acme-api"


def test_root_publishing_for_all_projects() -> None:
    files = {
        "build.gradle": "allprojects {\n  group = 'com.acme'\n  apply plugin: 'maven-publish'\n}\n",
        "settings.gradle": "rootProject.name = 'acme'\ninclude 'x'\n",
        "x/build.gradle": "",
    }
    assert read_in(files, "build.gradle").intent
    x = read_in(files, "x/build.gradle")
    assert x.intent
    assert x.intent_reason == "the root build applies a publishing plugin to allprojects"


def test_separate_builds_inherit_nothing() -> None:
    files = {
        "settings.gradle.kts": 'rootProject.name = "acme"\nincludeBuild("build-logic")\n',
        "build.gradle.kts": 'subprojects { apply(plugin = "maven-publish") }\ngroup = "com.acme"\n',
        "buildSrc/build.gradle.kts": "plugins { `kotlin-dsl` }\n",
        "build-logic/convention/build.gradle.kts": "plugins { `kotlin-dsl` }\n",
    }
    for path in ("buildSrc/build.gradle.kts", "build-logic/convention/build.gradle.kts"):
        declaration = read_in(files, path)
        assert declaration.status is ParseStatus.NO_NAME
        assert not declaration.intent


def test_root_without_settings_has_no_name() -> None:
    files = {"build.gradle": "group = 'com.acme'\napply plugin: 'maven-publish'\n"}
    declaration = read_in(files, "build.gradle")
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.fact("group") == "com.acme"


def test_subproject_without_any_group_has_no_name() -> None:
    files = {"build.gradle": "", "lib/build.gradle": "plugins { id 'java' }\n"}
    declaration = read_in(files, "lib/build.gradle")
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.fact("artifact") == "lib"


def test_examples_lose_intent_by_location() -> None:
    files = {
        "build.gradle": "subprojects { apply plugin: 'maven-publish' }\ngroup = 'com.acme'\n",
        "examples/demo/build.gradle": "",
    }
    declaration = read_in(files, "examples/demo/build.gradle")
    assert declaration.name == "com.acme:demo"
    assert not declaration.intent


def test_resolver_leaves_malformed_alone() -> None:
    malformed = Declaration.malformed("x")
    empty: dict[str, str] = {}
    assert resolve(malformed, "build.gradle", empty.get) is malformed


def test_huge_or_binary_context_is_ignored() -> None:
    files = {
        "settings.gradle": "rootProject.name = 'x'\x00",
        "gradle.properties": "group=" + "a" * (2 * 1024 * 1024),
        "build.gradle": "",
    }
    declaration = read_in(files, "build.gradle")
    assert declaration.status is ParseStatus.NO_NAME


def test_garbage_context_never_raises() -> None:
    files = {
        "settings.gradle": "include(((((",
        "gradle.properties": "=\n:\n  \n",
        "build.gradle": "}}}",
        "a/build.gradle": "{",
    }
    assert read_in(files, "a/build.gradle").status is ParseStatus.NO_NAME


PIECES = ['"${', "/*", "'''", "{", "(", "group = ", "apply plugin: ", "include(", "'", "\n", "\\", "$"]


def _parse_and_resolve(candidate: str) -> None:
    for name in ("build.gradle", "build.gradle.kts"):
        declaration = parse(candidate, name)
        context = {"settings.gradle": candidate, "build.gradle": candidate}
        resolve(declaration, "sub/" + name, context.get)


@pytest.mark.parametrize(
    ("make", "size"),
    [
        pytest.param(
            lambda n: "".join(PIECES[i % len(PIECES)] for i in range(n))[: 4 * n], 50_000, id="mixed"
        ),
        pytest.param(lambda n: "{" * n, 200_000, id="braces"),
        pytest.param(lambda n: "group = X\n" * n, 20_000, id="assignments"),
        pytest.param(lambda n: '"${a"' * n, 40_000, id="templates"),
        pytest.param(lambda n: "a" * n, 200_000, id="word"),
        # many statements under one huge block head
        pytest.param(lambda n: "if " + "a" * (2 * n) + " {\n" + "x\n" * n, 50_000, id="long-head"),
    ],
)
def test_adversarial_input_returns_in_linear_time(make: Callable[[int], str], size: int) -> None:
    # The full-size input is the large side of the comparison: it returns, and a quarter of it
    # takes about a quarter of the time. Each run is slow enough that three repetitions suffice.
    assert_linear(lambda n: _parse_and_resolve(make(n)), size // 4, repeat=3)
