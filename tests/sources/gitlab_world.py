"""A world with GitLab projects beside a GitHub repository of the same path."""

from __future__ import annotations

from typing import Any

BIG_FILES = 150  # more than one page of GitLab's tree listing (100 entries)
BIG_PACKAGES = 120  # more than one page of its package listing


def gitlab_world() -> dict[str, Any]:
    big_files = {f"pkgs/p{i:03}/package.json": f'{{"name": "big-{i:03}"}}' for i in range(BIG_FILES)}
    return {
        "format": 1,
        "repos": [
            {
                "url": "https://gitlab.com/acme/tools/widget",
                "renamed_from": ["https://gitlab.com/acme/old-widget"],
                "files": {
                    "package.json": '{"name": "@acme/widget"}',
                    "py/pyproject.toml": '[project]\nname = "acme-widget"\n',
                    "crates/x/Cargo.toml": '[package]\nname = "orphan-crate"\n',
                },
                "releases": [
                    {
                        "tag_name": "v1.0",
                        "published_at": "2024-02-01T00:00:00Z",
                        "assets": ["acme_widget-1.0-py3-none-any.whl", "notes.txt"],
                    }
                ],
                "gitlab_packages": [
                    {"name": "@acme/widget", "package_type": "npm", "version": "1.0.0"},
                    {"name": "@acme/widget", "package_type": "npm", "version": "1.1.0"},
                    {"name": "acme-widget", "package_type": "pypi"},
                    {"name": "blob", "package_type": "generic"},
                ],
            },
            {"url": "https://gitlab.com/acme/empty"},
            {"url": "https://gitlab.com/acme/frozen", "archived": True, "files": {"README": "old"}},
            {
                "url": "https://gitlab.com/acme/big",
                "files": big_files,
                "gitlab_packages": [
                    {"name": f"big-{i:03}", "package_type": "npm"} for i in range(BIG_PACKAGES)
                ],
            },
            {
                "url": "https://gitlab.com/someone/tool",
                "owner_type": "User",
                "files": {"go.mod": "module x\n"},
            },
            {"url": "https://github.com/acme/widget", "files": {"package.json": '{"name": "gh-widget"}'}},
        ],
        "packages": [
            {
                "ecosystem": "npm",
                "name": "@acme/widget",
                "repository_url": "https://gitlab.com/acme/tools/widget",
                "versions": [{"version": "1.0.0", "published_at": "2024-01-01T00:00:00Z"}],
            },
            {
                "ecosystem": "pypi",
                "name": "acme-widget",
                "repository_url": "https://gitlab.com/acme/tools/widget",
                "sources": ["ecosystems"],
                "versions": [{"version": "1.0", "published_at": "2024-02-01T00:00:00Z"}],
            },
        ],
    }
