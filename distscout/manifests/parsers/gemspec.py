"""*.gemspec (RubyGems): `x.name` in the `Gem::Specification.new do |x|` block, read without running Ruby.

The name may be a string literal in any quoting (`"x"`, `'x'`, `%q{x}`, `"x".freeze`), a constant or
local variable assigned a literal, the `File.basename(__FILE__, ".gemspec")` idiom (resolved from the
file name), or the positional `Gem::Specification.new "x", "1.0"`. Other computed names are
`unsupported`. The YAML form that `gem spec` writes (`--- !ruby/object:Gem::Specification`) is read too.

No-publish signal: `metadata["allowed_push_host"]` set to anything but rubygems.org. `gem push` then
refuses rubygems.org, so the gem is for a private server (the RubyGems peer of npm's `private: true`);
this includes bundler's placeholder "TODO: Set to your gem server".
"""

from __future__ import annotations

import re

from distscout.manifests.declaration import Declaration
from distscout.manifests.parsers._ruby import (
    MARK,
    Computed,
    RubySource,
    attribute,
    evaluate,
    scan,
    spec_block,
)
from distscout.manifests.registry import ManifestParser

_CONSTRUCTOR = r"Gem::Specification"
_YAML_HEADER = re.compile(r"---[ \t]*!ruby/object:Gem::Specification\b")
_YAML_NAME = re.compile(r"^name:[ \t]*(?:\"([^\"\n]*)\"|'([^'\n]*)'|([^\s#'\"]+))", re.MULTILINE)
_PUSH_HOST_VALUE = re.compile(r"[ \t]*(?:\][ \t]*=(?!=)|=>)[ \t]*([^\n;,}]*)")
_RUBYGEMS_ORG = re.compile(r"(?:https?://)?(?:www\.)?rubygems\.org/?", re.IGNORECASE)


def parse(text: str, filename: str = "example.gemspec") -> Declaration:
    if _YAML_HEADER.match(text.lstrip()):
        return _yaml_spec(text)
    source = scan(text)
    block = spec_block(source, _CONSTRUCTOR)
    if block is None:
        return Declaration.no_name("no Gem::Specification.new block")
    name = attribute(source, block, "name", filename)
    if name is None:
        name = block.positional
    if name is None:
        return Declaration.no_name("the specification sets no name")
    if isinstance(name, Computed):
        return Declaration.unsupported(f"computed gem name: {name.expression}")
    push_host = _allowed_push_host(source, filename)
    if push_host is not None and not _RUBYGEMS_ORG.fullmatch(push_host.strip()):
        shown = push_host if len(push_host) <= 60 else push_host[:59] + "…"
        return Declaration.named(name, intent=False, reason=f"allowed_push_host = {shown}")
    return Declaration.named(name, reason="spec.name, pushed to rubygems.org")


def _allowed_push_host(source: RubySource, filename: str) -> str | None:
    """The literal value given to the `allowed_push_host` metadata key; None when unset or computed."""
    for key in re.finditer(MARK, source.code):
        if source.literal(key.group(1)) != "allowed_push_host":
            continue
        assigned = _PUSH_HOST_VALUE.match(source.code, key.end())
        if assigned is not None:
            host = evaluate(source, assigned.group(1), key.start(), filename)
            return host if isinstance(host, str) else None
    return None


def _yaml_spec(text: str) -> Declaration:
    match = _YAML_NAME.search(text)
    if match is None:
        return Declaration.no_name("the YAML specification has no name")
    name = next(group for group in match.groups() if group is not None)
    return Declaration.named(name, reason="the YAML specification's name")


PARSER = ManifestParser(
    manifest_type="rubygems", key="gemspec", version=2, parse=parse, suffixes=(".gemspec",)
)
