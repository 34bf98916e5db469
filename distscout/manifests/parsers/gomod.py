"""go.mod (Go modules): the path of the `module` directive.

The directive may follow comments or other directives, be quoted (`module "example.com/x"`) or sit in a
block (`module ( … )`). A `// Deprecated:` comment (right above the directive or after it) still
publishes, so intent stays True. A path the Go proxy cannot fetch — no domain in its first element
(`module myapp`), or a reserved example/test domain — is reported without intent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from distscout.manifests.declaration import Declaration
from distscout.manifests.registry import ManifestParser

# go.mod tokens: quoted strings, `//` comments (which end any bare token), block parentheses, bare words;
# a stray quote becomes a token of its own so that `module "x` does not read as `module x`.
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|//.*|[()]|(?:(?!//)[^\s()"`])+|\S')
# RFC 2606 / 6761 names: never served, so never fetchable (Go's own docs and tests use them).
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
_RESERVED_TLDS = ("example", "test", "invalid", "localhost")


@dataclass(frozen=True)
class _Module:
    args: list[str]
    comments: list[str]  # the comment block right above the directive and its trailing comment


def parse(text: str, filename: str = "go.mod") -> Declaration:
    module = _find_module(text)
    if module is None:
        return Declaration.malformed("no module directive")
    if len(module.args) != 1:
        return Declaration.malformed("the module directive takes exactly one path")
    path = _unquote(module.args[0])
    if not path:
        return Declaration.malformed("empty module path")
    first = path.split("/", 1)[0]
    if "." not in first:
        return Declaration.named(path, intent=False, reason="module path is not fetchable (no domain)")
    if _is_reserved(first.lower()):
        return Declaration.named(path, intent=False, reason="module path is not fetchable (reserved domain)")
    if any(comment.startswith("Deprecated:") for comment in module.comments):
        return Declaration.named(path, reason="declares a module path (marked Deprecated: still published)")
    return Declaration.named(path, reason="a module path on a fetchable domain")


def _find_module(text: str) -> _Module | None:
    block: str | None = None  # the verb of the `verb (` block we are in
    comments: list[str] = []
    for line in text.split("\n"):
        tokens = _TOKEN.findall(line)
        words = [t for t in tokens if not t.startswith("//")]
        trailing = [t[2:].strip() for t in tokens if t.startswith("//")]
        if not words:
            comments = [*comments, *trailing] if trailing else []  # a blank line ends a comment block
            continue
        if block is not None:
            if words == [")"]:
                block, comments = None, []
                continue
            words = [block, *words]
        elif words[-1] == "(" and len(words) == 2:
            block, comments = words[0], []
            continue
        if words[0] == "module":
            return _Module(words[1:], [*comments, *trailing])
        comments = []
    return None


def _is_reserved(host: str) -> bool:
    return host.rsplit(".", 1)[-1] in _RESERVED_TLDS or any(
        host == domain or host.endswith("." + domain) for domain in _RESERVED_DOMAINS
    )


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in '"`':
        return token[1:-1].strip()
    return token


PARSER = ManifestParser(
    manifest_type="go", key="gomod", version=2, parse=parse, filenames=frozenset({"go.mod"})
)
