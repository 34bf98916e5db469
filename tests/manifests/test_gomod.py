from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.gomod import parse
from distscout.manifests.registry import read_manifest

FULL = """\
// Copyright notice.

module github.com/acme/widget/v2 // the v2 line

go 1.22

require (
\tgithub.com/pkg/errors v0.9.1
\tgolang.org/x/mod v0.17.0 // indirect
)

replace example.com/old => ../old
"""


def test_plain() -> None:
    declaration = parse(FULL)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "github.com/acme/widget/v2"
    assert declaration.intent


def test_directive_not_first() -> None:
    text = "go 1.21\n\nrequire (\n\tgithub.com/x/y v1.0.0\n)\nmodule github.com/acme/late\n"
    assert parse(text).name == "github.com/acme/late"


def test_module_word_inside_require_block_is_not_the_directive() -> None:
    text = "require (\n\tmodule v1.0.0\n)\nmodule github.com/acme/x\n"
    assert parse(text).name == "github.com/acme/x"


@pytest.mark.parametrize("path", ['"github.com/acme/q"', "`github.com/acme/q`"])
def test_quoted(path: str) -> None:
    assert parse(f"module {path}\n").name == "github.com/acme/q"


def test_block_form() -> None:
    assert parse("module (\n\tgithub.com/acme/block\n)\n").name == "github.com/acme/block"


def test_comment_glued_to_path() -> None:
    assert parse("module github.com/acme/x//comment\n").name == "github.com/acme/x"


def test_commented_out_module_line_is_ignored() -> None:
    text = "// module github.com/acme/old\nmodule github.com/acme/new\n"
    assert parse(text).name == "github.com/acme/new"


def test_deprecated_comment_above_keeps_intent() -> None:
    declaration = parse("// Deprecated: use github.com/acme/y instead.\nmodule github.com/acme/x\n")
    assert declaration.name == "github.com/acme/x"
    assert declaration.intent
    assert "Deprecated" in declaration.intent_reason


def test_deprecated_suffix_comment_keeps_intent() -> None:
    declaration = parse("module github.com/acme/x // Deprecated: gone\n")
    assert declaration.intent
    assert "Deprecated" in declaration.intent_reason


def test_detached_deprecated_comment_is_not_attached() -> None:
    declaration = parse("// Deprecated: old note\n\nmodule github.com/acme/x\n")
    assert declaration.intent_reason == "a module path on a fetchable domain"


@pytest.mark.parametrize("path", ["myapp", "std", "cmd", "localhost/x", "acme/internal/tool"])
def test_not_fetchable_without_domain(path: str) -> None:
    declaration = parse(f"module {path}\n")
    assert declaration.name == path
    assert not declaration.intent
    assert declaration.intent_reason == "module path is not fetchable (no domain)"


@pytest.mark.parametrize("path", ["example.com/hello", "sub.example.org/x", "acme.test/x", "foo.localhost"])
def test_not_fetchable_reserved_domain(path: str) -> None:
    declaration = parse(f"module {path}\n")
    assert declaration.name == path
    assert not declaration.intent


def test_lookalike_domain_is_fetchable() -> None:
    assert parse("module notexample.com/x\n").intent


@pytest.mark.parametrize(
    "text",
    [
        "",
        "go 1.22\n",
        "// module github.com/acme/x\n",
        "module\n",
        "module a.com/x b.com/y\n",
        'module "github.com/acme/x\n',
        'module ""\n',
        "<html>not a go.mod</html>\n",
    ],
)
def test_malformed(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.MALFORMED
    assert declaration.name is None


def test_through_registry() -> None:
    declaration = read_manifest("tools/go.mod", FULL.replace("\n", "\r\n").encode())
    assert declaration is not None
    assert declaration.manifest_type == "go"
    assert declaration.name == "github.com/acme/widget/v2"
    assert declaration.purl == "pkg:golang/github.com/acme/widget/v2"
