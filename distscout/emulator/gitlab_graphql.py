"""`POST /api/graphql`: GitLab's GraphQL API, for the one question distscout asks it — many files of one
project in one request: `project(fullPath:) { repository { blobs(paths:, ref:) { nodes { … } } } }`.

The schema below is the subset of GitLab's own (types, fields and arguments under GitLab's names; `BigInt`
serialized as a string, as GitLab does) that distscout reads, executed by graphql-core, so a query outside
it fails validation as GitLab's would. A project not found (or not visible) is `null`; a path that names
no file is left out of `nodes`; a binary file's `rawTextBlob` is `null`. Anonymous callers are answered
(public projects), and a request is charged to the same per-minute budget as REST (GitLab counts both).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, build_schema, graphql_sync

from distscout.emulator.model import Repo, World, gitlab_project_id
from distscout.emulator.replies import Call, Reply, json_reply
from distscout.emulator.tree import blob_sha

PATH = "/api/graphql"

SCHEMA = build_schema(
    """
    scalar BigInt
    enum RefType { HEADS TAGS }
    type Query { project(fullPath: ID!): Project }
    type Project { id: ID!, fullPath: ID!, name: String!, archived: Boolean, repository: Repository }
    type Repository {
      empty: Boolean!
      rootRef: String
      blobs(paths: [String!]!, ref: String, refType: RefType, after: String, before: String,
            first: Int, last: Int): RepositoryBlobConnection
    }
    type PageInfo { hasNextPage: Boolean!, hasPreviousPage: Boolean!, startCursor: String, endCursor: String }
    type RepositoryBlobConnection { count: Int!, nodes: [RepositoryBlob], pageInfo: PageInfo! }
    type RepositoryBlob {
      id: ID!
      oid: String!
      path: String!
      name: String
      size: BigInt
      rawSize: BigInt
      rawBlob: String
      rawTextBlob: String
    }
    """
)


def answer(call: Call, world: World) -> Reply:
    try:
        body = json.loads(call.body)
    except (UnicodeDecodeError, ValueError):
        return json_reply({"errors": [{"message": "Invalid JSON"}]}, 400)
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str):
        return json_reply({"errors": [{"message": "No query string was present"}]})
    variables = body.get("variables") if isinstance(body.get("variables"), dict) else None
    result = graphql_sync(
        SCHEMA, query, root_value={"project": _project_resolver(world)}, variable_values=variables
    )
    payload: dict[str, Any] = {}
    if result.errors:
        payload["errors"] = [_error(problem) for problem in result.errors]
    if result.data is not None:
        payload["data"] = result.data
    return json_reply(payload)


def _error(problem: GraphQLError) -> dict[str, Any]:
    shown: dict[str, Any] = {"message": problem.message}
    if problem.locations:
        shown["locations"] = [{"line": where.line, "column": where.column} for where in problem.locations]
    return shown


def _project_resolver(world: World) -> Callable[..., dict[str, Any] | None]:
    def project(info: Any, fullPath: str) -> dict[str, Any] | None:
        repo = world.gitlab_projects.get(fullPath.lower())
        if repo is None:
            return None
        return {
            "id": f"gid://gitlab/Project/{gitlab_project_id(repo)}",
            "fullPath": repo.full_name,
            "name": repo.name,
            "archived": repo.archived,
            "repository": {
                "empty": repo.tree.is_empty,
                "rootRef": None if repo.tree.is_empty else repo.default_branch,
                "blobs": lambda info, paths, **_: _blobs(repo, paths),
            },
        }

    return project


def _blobs(repo: Repo, paths: list[str]) -> dict[str, Any]:
    nodes = []
    for path in dict.fromkeys(paths):  # asked twice, answered once
        content = repo.tree.content(path)
        if content is None:
            continue
        sha = blob_sha(content)
        nodes.append(
            {
                "id": f"gid://gitlab/Blob/{sha}",
                "oid": sha,
                "path": path,
                "name": path.rpartition("/")[2],
                "size": str(len(content)),
                "rawSize": str(len(content)),
                "rawBlob": content.decode("utf-8", "replace"),
                "rawTextBlob": _text(content),
            }
        )
    page = {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}
    return {"count": len(nodes), "nodes": nodes, "pageInfo": page}


def _text(content: bytes) -> str | None:
    if b"\x00" in content:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None
