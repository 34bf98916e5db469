"""What one manifest file declares: the package name and whether it means to publish it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class ParseStatus(StrEnum):
    OK = "ok"
    NO_NAME = "no_name"  # read fine, but the file names no package (Gemfile, workspace root)
    MALFORMED = "malformed"  # not valid in its own format
    TOO_LARGE = "too_large"  # over the read cap: not parsed at all
    UNSUPPORTED = "unsupported"  # a form we read but cannot resolve statically (computed name, binary)
    INVALID_NAME = "invalid_name"  # names a package its ecosystem's registry would refuse (names.py)


@dataclass(frozen=True, slots=True)
class Declaration:
    """The declared identity of one manifest.

    Parsers fill `status`, `name`, `intent`, `intent_reason` and `detail`; the registry fills the rest
    (path, type, normalized name, purl, parser version) so that every parser stays a pure function of text.
    """

    status: ParseStatus
    name: str | None = None
    intent: bool = False
    intent_reason: str = ""
    detail: str = ""
    path: str = ""
    manifest_type: str = ""
    normalized_name: str | None = None
    purl: str | None = None
    parser_version: str = ""
    # Format-specific partial values that a repo-level resolver combines with other files
    # (Gradle: the `group` and project name). Pairs, so the declaration stays hashable.
    facts: tuple[tuple[str, str], ...] = ()

    def fact(self, key: str) -> str | None:
        return next((value for k, value in self.facts if k == key), None)

    @classmethod
    def named(cls, name: str, *, reason: str, intent: bool = True) -> Declaration:
        """A declared name; `reason` says which signal makes it a publishing intent (or why it is none)."""
        name = name.strip()
        if not name:
            return cls.no_name("the name is empty")
        return cls(ParseStatus.OK, name=name, intent=intent, intent_reason=reason)

    @classmethod
    def no_name(cls, reason: str) -> Declaration:
        return cls(ParseStatus.NO_NAME, intent=False, intent_reason=reason)

    @classmethod
    def malformed(cls, detail: str) -> Declaration:
        return cls(
            ParseStatus.MALFORMED, intent=False, intent_reason="the file could not be read", detail=detail
        )

    @classmethod
    def unsupported(cls, detail: str) -> Declaration:
        return cls(
            ParseStatus.UNSUPPORTED,
            intent=False,
            intent_reason="the name is not statically known",
            detail=detail,
        )

    def without_intent(self, reason: str) -> Declaration:
        return replace(self, intent=False, intent_reason=reason)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "manifest_type": self.manifest_type,
            "name": self.name,
            "normalized_name": self.normalized_name,
            "purl": self.purl,
            "intent": self.intent,
            "intent_reason": self.intent_reason,
            "status": self.status.value,
            "detail": self.detail,
            "parser_version": self.parser_version,
        }
