"""The repository around a Gradle build file: settings.gradle(.kts), gradle.properties, the root build.

`resolve` (in gradle.py) runs once per subproject against the same root files, so each of them is
parsed once here and cached by its text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from distscout.manifests.parsers._gradle_facts import script_facts
from distscout.manifests.parsers._gradle_script import scan
from distscout.manifests.parsers._lexing import MARK
from distscout.manifests.registry import MAX_MANIFEST_BYTES, ContextReader


@dataclass(frozen=True, slots=True)
class Settings:
    root_name: str | None = None
    names: tuple[tuple[str, str], ...] = ()  # project directory -> project name
    builds: tuple[str, ...] = ()  # `includeBuild` directories: separate builds

    def name_for(self, directory: str) -> str:
        return dict(self.names).get(directory) or directory.rsplit("/", 1)[-1]

    def is_member(self, directory: str) -> bool:
        return not any(directory == b or directory.startswith(b + "/") for b in ("buildSrc", *self.builds))


_ANY_MARK = r"\x01\d+\x01"
_ROOT_NAME = re.compile(r"\brootProject\.name\s*=\s*" + MARK)
_INCLUDE = re.compile(r"\binclude\b\s*\(?\s*(" + _ANY_MARK + r"(?:\s*,\s*" + _ANY_MARK + r")*)")
_INCLUDE_BUILD = re.compile(r"\bincludeBuild\s*\(?\s*" + MARK)
_PROJECT_DIR = re.compile(
    r"\bproject\s*\(\s*" + MARK + r"\s*\)\s*\.projectDir\s*=\s*(?:new\s+)?(?:file|File)\s*\(\s*"
    r"(?:(?:rootDir|settingsDir|rootProject\.projectDir)\s*,\s*)?" + MARK
)


def first_context(read: ContextReader, *names: str) -> tuple[str, str]:
    """The text and name of the first of `names` the repository has ("" when none), capped and normalised."""
    for name in names:
        text = read(name)
        if text is not None and len(text) <= MAX_MANIFEST_BYTES and "\x00" not in text:
            return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), name
    return "", ""


@lru_cache(maxsize=16)
def read_settings(text: str, name: str) -> Settings:
    """`rootProject.name`, the `include`d projects (with `projectDir` overrides) and `includeBuild`s."""
    if not text:
        return Settings()
    source = scan(text, kotlin=name.endswith(".kts"))
    root = _ROOT_NAME.search(source.code)
    names: dict[str, str] = {}
    for include in _INCLUDE.finditer(source.code):
        for index in re.findall(MARK, include.group(1)):
            segments = [s for s in (source.value(index) or "").split(":") if s]
            if segments:
                names["/".join(segments)] = segments[-1]
    for override in _PROJECT_DIR.finditer(source.code):
        project, directory = source.value(override.group(1)), _directory(source.value(override.group(2)))
        if project and directory:
            names[directory] = project.rsplit(":", 1)[-1]
    builds = (_directory(source.value(m.group(1))) for m in _INCLUDE_BUILD.finditer(source.code))
    return Settings(
        root_name=source.value(root.group(1)) if root else None,
        names=tuple(names.items()),
        builds=tuple(b for b in builds if b),
    )


def _directory(value: str | None) -> str | None:
    parts = [p for p in (value or "").split("/") if p not in ("", ".")]
    return "/".join(parts) if parts and ".." not in parts and not (value or "").startswith("/") else None


@lru_cache(maxsize=16)
def read_properties(text: str) -> Mapping[str, str]:
    """gradle.properties (a Java properties file): `key=value`, `key: value` or `key value`."""
    found: dict[str, str] = {}
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if line and line[0] not in "#!" and (match := re.match(r"([^=:\s]+)\s*[=:]?\s*(.*)", line)):
            found[match.group(1)] = match.group(2).strip()
    return found


@lru_cache(maxsize=16)
def root_facts(text: str, name: str) -> Mapping[str, str]:
    """The facts of the root build file, whose `allprojects`/`subprojects` blocks reach every project."""
    return script_facts(scan(text, kotlin=name.endswith(".kts"))) if text else {}
