"""ecosyste.ms package records (upstream-apis.md §2.2): the fields clients read, the rest plausibly filled."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from packageurl import PackageURL

from distscout.emulator.model import Package
from distscout.emulator.replies import iso_millis, stable_id

_API = "https://packages.ecosyste.ms/api/v1"
_SYNCED = "2025-06-01T04:22:10.318Z"
_CREATED = "2022-06-01T12:00:00.000Z"

# world ecosystem -> (ecosystem as ecosyste.ms names it, registry name, registry URL, purl type)
REGISTRIES: dict[str, tuple[str, str, str, str]] = {
    "npm": ("npm", "npmjs.org", "https://www.npmjs.com", "npm"),
    "pypi": ("pypi", "pypi.org", "https://pypi.org", "pypi"),
    "cargo": ("cargo", "crates.io", "https://crates.io", "cargo"),
    "maven": ("maven", "repo1.maven.org", "https://repo1.maven.org/maven2", "maven"),
    "rubygems": ("rubygems", "rubygems.org", "https://rubygems.org", "gem"),
    "nuget": ("nuget", "nuget.org", "https://www.nuget.org", "nuget"),
    "go": ("go", "proxy.golang.org", "https://proxy.golang.org", "golang"),
    "composer": ("packagist", "packagist.org", "https://packagist.org", "composer"),
    "hex": ("hex", "hex.pm", "https://hex.pm", "hex"),
    "pub": ("pub", "pub.dev", "https://pub.dev", "pub"),
    "hackage": ("hackage", "hackage.haskell.org", "https://hackage.haskell.org", "hackage"),
    "cran": ("cran", "cran.r-project.org", "https://cran.r-project.org", "cran"),
    "bioconductor": ("bioconductor", "bioconductor.org", "https://bioconductor.org", "bioconductor"),
    "conda": ("conda", "conda-forge.org", "https://conda-forge.org", "conda"),
    "julia": ("julia", "juliahub.com", "https://juliahub.com", "julia"),
    "swiftpm": ("swiftpm", "swiftpackageindex.com", "https://swiftpackageindex.com", "swift"),
    "cocoapods": ("cocoapods", "cocoapods.org", "https://cocoapods.org", "cocoapods"),
    "conan": ("conan", "conan.io", "https://conan.io/center", "conan"),
    "deb": ("deb", "debian", "https://packages.debian.org", "deb"),
    "rpm": ("rpm", "fedora", "https://packages.fedoraproject.org", "rpm"),
    "apk": ("apk", "alpine", "https://pkgs.alpinelinux.org", "apk"),
    "homebrew": ("homebrew", "formulae.brew.sh", "https://formulae.brew.sh", "brew"),
}

# purl type -> the ecosystem name the service answers with (`gem` -> rubygems, `golang` -> go, ...)
PURL_ECOSYSTEMS = {purl_type: ecosystem for ecosystem, _, _, purl_type in REGISTRIES.values()}
# registry name (`npmjs.org`, `cran.r-project.org`, ...) -> the world's ecosystem it serves
REGISTRY_ECOSYSTEMS = {entry[1]: world_ecosystem for world_ecosystem, entry in REGISTRIES.items()}


def served_ecosystem(package: Package) -> str:
    return REGISTRIES[package.ecosystem][0]


def registry_of(package: Package) -> str:
    """The name of the registry that holds the package (`npmjs.org`, `hex.pm`, ...)."""
    return REGISTRIES[package.ecosystem][1]


def registry_record(world_ecosystem: str) -> dict[str, Any]:
    """The registry record (`GET /registries/{name}`, and each package's `registry`) of one ecosystem."""
    ecosystem, registry, registry_url, _ = REGISTRIES[world_ecosystem]
    return _registry_record(ecosystem, registry, registry_url)


def namespace_and_name(package: Package) -> tuple[str | None, str]:
    name = package.name
    if package.ecosystem == "maven" and ":" in name:
        group, _, artifact = name.partition(":")
        return group, artifact
    if package.ecosystem == "npm" and name.startswith("@") and "/" in name:
        scope, _, rest = name.partition("/")
        return scope, rest
    if package.ecosystem in ("composer", "go", "swiftpm") and "/" in name:
        namespace, _, rest = name.rpartition("/")
        return namespace, rest
    return None, name


def package_record(package: Package) -> dict[str, Any]:
    ecosystem, registry, registry_url, purl_type = REGISTRIES[package.ecosystem]
    namespace, short_name = namespace_and_name(package)
    base = f"{_API}/registries/{registry}/packages/{quote(package.name, safe='')}"
    latest = package.latest
    return {
        "id": stable_id("ecosystems", package.ecosystem, package.name),
        "name": package.name,
        "ecosystem": ecosystem,
        "description": None,
        "homepage": None,
        "licenses": None,
        "normalized_licenses": [],
        "repository_url": package.repository_url,
        "keywords_array": [],
        "namespace": namespace,
        "versions_count": len(package.versions),
        "first_release_published_at": iso_millis(package.first_published_at),
        "latest_release_published_at": iso_millis(package.latest_published_at),
        "latest_release_number": latest.version if latest else None,
        "last_synced_at": _SYNCED,
        "created_at": _CREATED,
        "updated_at": _SYNCED,
        "registry_url": f"{registry_url}/{package.name}",
        "install_command": None,
        "documentation_url": None,
        "metadata": {},
        "repo_metadata": {},
        "repo_metadata_updated_at": None,
        "dependent_packages_count": 0,
        "downloads": None,
        "downloads_period": None,
        "dependent_repos_count": 0,
        "docker_dependents_count": 0,
        "docker_downloads_count": 0,
        "rankings": {},
        "purl": _purl(purl_type, namespace, short_name),
        "advisories": [],
        "status": None,
        "funding_links": [],
        "critical": False,
        "issue_metadata": {},
        "maintainers": [],
        **{f"{part}_url": f"{base}/{part}" for part in ("versions", "version_numbers", "latest_version")},
        **{
            f"{part}_url": f"{base}/{part}" for part in ("dependent_packages", "related_packages", "codemeta")
        },
        "usage_url": f"https://repos.ecosyste.ms/usage/{ecosystem}/{quote(package.name, safe='')}",
        "registry": _registry_record(ecosystem, registry, registry_url),
    }


def _purl(purl_type: str, namespace: str | None, name: str) -> str:
    try:
        return str(PackageURL(type=purl_type, namespace=namespace, name=name).to_string())
    except ValueError:  # a name the purl spec cannot carry: still answer something purl-shaped
        return f"pkg:{purl_type}/{quote(name, safe='')}"


def _registry_record(ecosystem: str, name: str, url: str) -> dict[str, Any]:
    return {
        "name": name,
        "url": url,
        "ecosystem": ecosystem,
        "default": True,
        "packages_count": 0,
        "maintainers_count": 0,
        "namespaces_count": 0,
        "keywords_count": 0,
        "github": None,
        "metadata": {},
        "icon_url": None,
        "created_at": _CREATED,
        "updated_at": _SYNCED,
        **{
            f"{part}_url": f"{_API}/registries/{name}/{part}"
            for part in ("packages", "maintainers", "namespaces")
        },
    }
