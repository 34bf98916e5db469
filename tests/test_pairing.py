"""The repository page's pairing of manifests with registry rows (distscout.pairing), in a monorepo."""

from __future__ import annotations

from typing import Any

from distscout.pairing import pair

REGISTRIES = {"deps.dev", "ecosyste.ms", "github_packages"}


def row(ecosystem: str, name: str, source: str, *, noise: bool = False) -> dict[str, Any]:
    normalized = name.lower().replace("_", "-")
    return {
        "ecosystem": ecosystem,
        "package_name": name,
        "normalized_name": normalized,
        "source": source,
        "noise": noise,
    }


def manifest(path: str, kind: str, name: str | None) -> dict[str, Any]:
    normalized = name.lower().replace("_", "-") if name else None
    return {"manifest_path": path, "manifest_type": kind, "normalized_name": normalized}


def test_each_manifest_gets_its_packages_and_each_row_its_manifests() -> None:
    rows = [
        row("npm", "alpha", "deps.dev"),
        row("npm", "alpha", "ecosyste.ms"),
        row("npm", "gamma", "ecosyste.ms"),  # published, no manifest
        row("pypi", "Beta_Tool", "deps.dev"),
        row("pypi", "beta-tool", "github_release_asset"),  # a wheel on a release: not a registry
        row("npm", "beta-tool", "deps.dev"),  # the same name in another ecosystem: no pair
        row("actions", "alpha", "deps.dev", noise=True),
        row("swiftpm", "github.com/acme/mono", "ecosyste.ms"),
    ]
    manifests = [
        manifest("packages/alpha/package.json", "npm", "alpha"),
        manifest("python/pyproject.toml", "pypi", "beta_tool"),
        manifest("packages/delta/package.json", "npm", "delta"),  # declared, never published
        manifest("Package.swift", "swiftpm", "Mono"),
        manifest("docs/package.json", "npm", None),
    ]
    paired_rows, paired = pair(rows, manifests, REGISTRIES)
    published = {m["manifest_path"]: m["published_as"] for m in paired}
    assert published["packages/alpha/package.json"] == [
        {
            "ecosystem": "npm",
            "package_name": "alpha",
            "normalized_name": "alpha",
            "sources": ["deps.dev", "ecosyste.ms"],
        }
    ]
    assert published["python/pyproject.toml"] == [
        {
            "ecosystem": "pypi",
            "package_name": "Beta_Tool",
            "normalized_name": "beta-tool",
            "sources": ["deps.dev"],
        }
    ]
    assert published["packages/delta/package.json"] == published["docs/package.json"] == []
    assert [p["ecosystem"] for p in published["Package.swift"]] == ["swiftpm"]  # SwiftPM: by repository
    partners = [(r["ecosystem"], r["package_name"], r["source"], r["manifests"]) for r in paired_rows]
    assert partners == [
        ("npm", "alpha", "deps.dev", ["packages/alpha/package.json"]),
        ("npm", "alpha", "ecosyste.ms", ["packages/alpha/package.json"]),
        ("npm", "gamma", "ecosyste.ms", []),
        ("pypi", "Beta_Tool", "deps.dev", ["python/pyproject.toml"]),
        ("pypi", "beta-tool", "github_release_asset", ["python/pyproject.toml"]),
        ("npm", "beta-tool", "deps.dev", []),
        ("actions", "alpha", "deps.dev", []),
        ("swiftpm", "github.com/acme/mono", "ecosyste.ms", ["Package.swift"]),
    ]
