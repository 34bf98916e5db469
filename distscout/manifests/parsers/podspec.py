"""*.podspec (CocoaPods): `s.name` in the `Pod::Spec.new do |s|` block, read without running Ruby;
*.podspec.json (the form the trunk stores and `pod ipc spec` prints): the top-level `name`.

The name may be a string literal in any quoting, a constant or local variable assigned a literal, or the
`File.basename(__FILE__, ".podspec")` idiom; other computed names are `unsupported`. A podspec carries
no opt-out from publishing (private pods live in private spec repos, which the file does not name).
"""

from __future__ import annotations

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, load_json, string
from distscout.manifests.parsers._ruby import Computed, attribute, scan, spec_block
from distscout.manifests.registry import ManifestParser

_CONSTRUCTOR = r"Pod::Spec(?:ification)?"


def parse(text: str, filename: str = "example.podspec") -> Declaration:
    if filename.lower().endswith(".json"):
        return _json_spec(text)
    source = scan(text)
    block = spec_block(source, _CONSTRUCTOR)
    if block is None:
        return Declaration.no_name("no Pod::Spec.new block")
    name = attribute(source, block, "name", filename)
    if name is None:
        return Declaration.no_name("the spec sets no name")
    if isinstance(name, Computed):
        return Declaration.unsupported(f"computed pod name: {name.expression}")
    return Declaration.named(name, reason="s.name in Pod::Spec.new")


def _json_spec(text: str) -> Declaration:
    try:
        document = load_json(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    if not isinstance(document, dict):
        return Declaration.malformed("podspec.json is not a JSON object")
    name = string(document.get("name"))
    if name is None:
        return Declaration.no_name("no name field")
    return Declaration.named(name, reason="the podspec.json name")


PARSER = ManifestParser(
    manifest_type="cocoapods",
    key="podspec",
    version=2,
    parse=parse,
    suffixes=(".podspec", ".podspec.json"),
)
