"""Gemfile / gems.rb (Bundler): never a name. A Gemfile lists a project's dependencies; even its
`gemspec` line only points at the *.gemspec, which is read on its own. Nothing in it signals publishing.
"""

from __future__ import annotations

from distscout.manifests.declaration import Declaration
from distscout.manifests.registry import ManifestParser


def parse(text: str, filename: str = "Gemfile") -> Declaration:
    return Declaration.no_name("a Gemfile lists dependencies, not a gem")


PARSER = ManifestParser(
    manifest_type="rubygems",
    key="gemfile",
    version=1,
    parse=parse,
    filenames=frozenset({"Gemfile", "gems.rb"}),
)
