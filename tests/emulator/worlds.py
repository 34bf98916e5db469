"""A small hand-written world that exercises every feature, and HTTP clients for the three services."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from distscout.emulator.server import EmulatorServer

USER_AGENT = "distscout-tests/0 (+https://example.invalid)"

_TINY: dict[str, Any] = {
    "format": 1,
    "repos": [
        {
            "url": "https://github.com/acme/widget",
            "renamed_from": ["https://github.com/acme/old-widget"],
            "paths": ["src/widget.py", "docs/index.md", "packages/core/package.json"],
            "files": {
                "setup.cfg": "[metadata]\nname = acme-widget\n",
                "package.json": '{"name": "@acme/widget"}',
            },
            "releases": [
                {
                    "tag_name": "v1.2.0",
                    "published_at": "2024-05-01T10:00:00Z",
                    "assets": ["acme_widget-1.2.0.whl"],
                },
                {"tag_name": "v1.1.0", "published_at": "2024-03-01T10:00:00Z", "prerelease": True},
                {"tag_name": "v1.0.0", "published_at": "2024-01-01T10:00:00Z", "assets": []},
            ],
            "github_packages": [
                {"name": "widget", "package_type": "npm"},
                {"name": "widget-image", "package_type": "container"},
            ],
        },
        {
            "url": "https://github.com/acme/gadget",
            "default_branch": "trunk",
            "archived": True,
            "paths": ["README"],
        },
        {"url": "https://github.com/acme/empty"},
        {
            "url": "https://github.com/Solo/Tool",
            "owner_type": "User",
            "files": {"Cargo.toml": '[package]\nname = "solo-tool"\n'},
            "github_packages": [{"name": "tool", "package_type": "npm"}],
        },
    ],
    "packages": [
        {
            "ecosystem": "npm",
            "name": "@acme/widget",
            "repository_url": "https://github.com/acme/widget",
            "provenance": "SLSA_ATTESTATION",
            "versions": [
                {"version": "2.3.0", "published_at": "2025-03-02T17:04:55Z"},
                {"version": "2.2.0", "published_at": "2025-01-10T09:30:12Z"},
            ],
        },
        {
            "ecosystem": "pypi",
            "name": "Acme_Widget",
            "repository_url": "https://github.com/acme/widget",
            "versions": [{"version": "1.2.0", "published_at": "2024-05-01T10:05:00Z"}, {"version": "0.9"}],
        },
        {"ecosystem": "composer", "name": "acme/widget", "repository_url": "https://github.com/acme/widget"},
        {
            "ecosystem": "cargo",
            "name": "widget-ecosystems-only",
            "repository_url": "https://github.com/acme/widget",
            "sources": ["ecosystems"],
        },
        {
            "ecosystem": "maven",
            "name": "com.acme:widget",
            "repository_url": "https://github.com/acme/widget",
            "sources": ["depsdev"],
        },
        {"ecosystem": "cargo", "name": "solo-tool", "repository_url": "https://github.com/Solo/Tool"},
        {
            "ecosystem": "npm",
            "name": "old-widget",
            "repository_url": "https://github.com/acme/old-widget",
            "versions": [{"version": "0.1.0", "published_at": "2020-01-01"}],
        },
    ],
}


def tiny_world() -> dict[str, Any]:
    """A fresh copy, safe to mutate."""
    return copy.deepcopy(_TINY)


# Registry name facts: links in a registry's own spelling, packages with no link, and index lag.
_NAME_FACTS: list[dict[str, Any]] = [
    {
        "ecosystem": "pypi",
        "name": "acme-variant",
        "repository_url": "git+https://github.com/Acme/Widget.git",
        "versions": [{"version": "3.0.0", "published_at": "2025-04-01T00:00:00Z"}],
    },
    {
        "ecosystem": "npm",
        "name": "@acme/unlinked",
        "repository_url": None,
        "provenance": "SLSA_ATTESTATION",
        "versions": [{"version": "1.0.0"}],
    },
    {
        "ecosystem": "cargo",
        "name": "lagging",
        "repository_url": "https://github.com/acme/gadget",
        "reverse_indexed": False,
        "versions": [{"version": "0.1.0", "published_at": "2025-05-01T00:00:00Z"}],
    },
    {
        "ecosystem": "maven",
        "name": "org.acme:gizmo",
        "repository_url": "https://gitlab.com/Acme/Tools/Gizmo.git",
        "versions": [{"version": "1.0"}],
    },
    {
        "ecosystem": "rubygems",
        "name": "acme-berg",
        "repository_url": "https://codeberg.org/acme/berg",
        "versions": [{"version": "1.0.0"}],
    },
    {"ecosystem": "cran", "name": "AcmeR", "repository_url": None},
]


def name_facts_world() -> dict[str, Any]:
    """The tiny world plus registry name facts (world-format: null links, raw spellings, reverse_indexed)."""
    world = tiny_world()
    world["packages"].extend(copy.deepcopy(_NAME_FACTS))
    return world


def client(server: EmulatorServer, service: str, **headers: str) -> httpx.Client:
    sent = {"User-Agent": USER_AGENT, **{name.replace("_", "-"): value for name, value in headers.items()}}
    return httpx.Client(base_url=server.url_for(service), headers=sent, timeout=10)


def github(server: EmulatorServer, token: str | None = "test-token") -> httpx.Client:  # noqa: S107 - a fake
    return client(server, "github", **({"Authorization": f"Bearer {token}"} if token else {}))
