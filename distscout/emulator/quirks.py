"""Quirks: how the real services behave where their documents say otherwise, or where a deployment differs.

A fault plan's service entry may carry `"quirks"` (faults.py). The defaults are the real services' behaviour
as read in their own sources (upstream-apis.md), so a test that sets nothing meets what production meets;
a quirk switched away from its default models a deployment condition (a token without `read:packages`, a
skewed clock) or a service as its documents describe it (`bulk_repository_urls: "as_documented"`).

    "github":     {"quirks": {"token_kind": "classic", "token_scopes": ["repo"], "clock_skew_s": 600}}
    "ecosystems": {"quirks": {"bulk_repository_urls": "as_deployed"}}
    "depsdev":    {"quirks": {"unknown_relation_type": ["pypi/acme-widget"]}}

- github `token_kind`: `classic` (answers name its scopes in `X-OAuth-Scopes`) or `fine_grained` (no such
  header; GitHub Packages answers 403, as it takes classic tokens only). `token_scopes`: the classic
  token's scopes (default `repo`, `read:packages`); without `read:packages` the Packages listings answer 403.
  `clock_skew_s`: the `Date` header is this many seconds ahead of the emulator's clock (negative: behind).
  `revoked_tokens`: tokens answered 401 `Bad credentials` on every route, REST and GraphQL (revoked,
  expired or mistyped ones). `graphql_secondary_limit_status`: how `POST /graphql` refuses a token over
  its secondary limit (2,000 points a minute): 403 (default) or 200, GitHub's other form (upstream-apis.md
  §3.7: "Secondary → 200 or 403"), a body of `errors` whose message says "secondary rate limit" and no `data`.
- ecosystems `bulk_repository_urls`: `as_deployed` (default: `POST bulk_lookup` with `repository_urls`
  answers `[]` whatever the URLs, as the service's model scope does) or `as_documented` (the matches its
  OpenAPI file promises).
- depsdev `unknown_relation_type`: packages (`ecosystem/name`, as in world.json) whose reverse-lookup rows
  and GetVersion `relatedProjects` carry no `relationType`: proto3 JSON leaves out an enum at its zero value,
  UNKNOWN_PROJECT_RELATION_TYPE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from distscout.emulator.checks import Where, as_list, as_number, as_object, describe

CLASSIC_SCOPES = ("repo", "read:packages")
TokenKind = Literal["classic", "fine_grained"]
BulkBehaviour = Literal["as_deployed", "as_documented"]


@dataclass(frozen=True, slots=True)
class GithubQuirks:
    token_kind: TokenKind = "classic"  # noqa: S105 - a kind of token, not one
    token_scopes: tuple[str, ...] = CLASSIC_SCOPES
    clock_skew_s: float = 0.0
    revoked_tokens: frozenset[str] = frozenset()
    graphql_secondary_limit_status: int = 403  # or 200: GraphQL's secondary-limit refusal as an HTTP 200

    @property
    def can_read_packages(self) -> bool:
        return self.token_kind == "classic" and "read:packages" in self.token_scopes  # noqa: S105


@dataclass(frozen=True, slots=True)
class EcosystemsQuirks:
    bulk_repository_urls: BulkBehaviour = "as_deployed"


@dataclass(frozen=True, slots=True)
class DepsdevQuirks:
    unknown_relation_type: frozenset[str] = frozenset()  # "ecosystem/name", lower-case


@dataclass(frozen=True, slots=True)
class GitlabQuirks:
    """None yet: GitLab is served as its documents and sources say."""


Quirks = GithubQuirks | EcosystemsQuirks | DepsdevQuirks | GitlabQuirks
DEFAULTS: dict[str, Quirks] = {
    "github": GithubQuirks(),
    "gitlab": GitlabQuirks(),
    "ecosystems": EcosystemsQuirks(),
    "depsdev": DepsdevQuirks(),
}


def parse_quirks(raw: Any, where: Where, service: str) -> Quirks:
    if service == "github":
        return _github(raw, where)
    if service == "gitlab":
        as_object(raw, where, required=(), optional=())
        return GitlabQuirks()
    if service == "ecosystems":
        fields = as_object(raw, where, required=(), optional=("bulk_repository_urls",))
        return EcosystemsQuirks(
            _choice(fields, "bulk_repository_urls", ("as_deployed", "as_documented"), where)
        )
    fields = as_object(raw, where, required=(), optional=("unknown_relation_type",))
    keys = as_list(fields.get("unknown_relation_type", []), where.key("unknown_relation_type"), "a list")
    for i, key in enumerate(keys):
        if not isinstance(key, str) or key.count("/") < 1:
            where.key("unknown_relation_type").index(i).fail(
                f"expected 'ecosystem/name', got {describe(key)}"
            )
    return DepsdevQuirks(frozenset(key.lower() for key in keys))


def _github(raw: Any, where: Where) -> GithubQuirks:
    optional = (
        "token_kind",
        "token_scopes",
        "clock_skew_s",
        "revoked_tokens",
        "graphql_secondary_limit_status",
    )
    fields = as_object(raw, where, required=(), optional=optional)
    scopes = fields.get("token_scopes", list(CLASSIC_SCOPES))
    for i, scope in enumerate(as_list(scopes, where.key("token_scopes"), "a list of scope names")):
        if not isinstance(scope, str) or not scope:
            where.key("token_scopes").index(i).fail(f"expected a scope name, got {describe(scope)}")
    revoked = fields.get("revoked_tokens", [])
    for i, token in enumerate(as_list(revoked, where.key("revoked_tokens"), "a list of tokens")):
        if not isinstance(token, str) or not token:
            where.key("revoked_tokens").index(i).fail(f"expected a token, got {describe(token)}")
    return GithubQuirks(
        token_kind=_choice(fields, "token_kind", ("classic", "fine_grained"), where),
        token_scopes=tuple(scopes),
        clock_skew_s=as_number(fields.get("clock_skew_s", 0), where.key("clock_skew_s"), -86_400, 86_400),
        revoked_tokens=frozenset(revoked),
        graphql_secondary_limit_status=_status(fields, "graphql_secondary_limit_status", (403, 200), where),
    )


def _status(fields: dict[str, Any], name: str, allowed: tuple[int, ...], where: Where) -> int:
    value = fields.get(name, allowed[0])
    if isinstance(value, bool) or value not in allowed:
        where.key(name).fail(f"expected {' or '.join(map(str, allowed))}, got {describe(value)}")
    return int(value)


def _choice(fields: dict[str, Any], name: str, allowed: tuple[str, ...], where: Where) -> Any:
    value = fields.get(name, allowed[0])
    if value not in allowed:
        where.key(name).fail(f"expected one of {', '.join(allowed)}, got {describe(value)}")
    return value
