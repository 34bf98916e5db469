"""Which registry package corresponds to which manifest of one repository (a monorepo has many of each).

The rule is the orphan report's (distscout.store.queries): a manifest and a registry row pair when their
ecosystem is the same and their normalized names are equal; SwiftPM names a package by its repository,
so every SwiftPM row pairs with every Package.swift. A manifest is published when a registry row (not a
release asset, not noise) pairs with it; a registry row with no manifest says so.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def pairs(row: dict[str, Any], manifest: dict[str, Any]) -> bool:
    if row.get("noise") or row["ecosystem"] != manifest["manifest_type"]:
        return False
    return bool(row["ecosystem"] == "swiftpm" or row["normalized_name"] == manifest.get("normalized_name"))


def pair(
    distribution: list[dict[str, Any]], manifests: list[dict[str, Any]], registries: Collection[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows with their partners: each manifest gains `published_as` (one entry per package, with the
    registry sources that saw it), each registry or release row gains `manifests` (the paths)."""
    paired_manifests = []
    for manifest in manifests:
        packages: dict[tuple[str, str], dict[str, Any]] = {}
        for row in distribution:
            if row["source"] in registries and pairs(row, manifest):
                key = (row["ecosystem"], row["normalized_name"])
                entry = packages.setdefault(
                    key, {"ecosystem": key[0], "package_name": row["package_name"], "sources": []}
                )
                entry["normalized_name"] = key[1]
                entry["sources"] = sorted({*entry["sources"], row["source"]})
        paired_manifests.append(manifest | {"published_as": [packages[key] for key in sorted(packages)]})
    paired_rows = [
        row | {"manifests": [m["manifest_path"] for m in manifests if pairs(row, m)]} for row in distribution
    ]
    return paired_rows, paired_manifests
