"""Per-ecosystem naming rules: how names compare, and which package URL (purl) a name has.

Registry rows and manifest declarations both go through these, so an orphan check compares like with like.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from packageurl import PackageURL

_PEP503_SEPARATORS = re.compile(r"[-_.]+")


def _pep503(name: str) -> str:
    return _PEP503_SEPARATORS.sub("-", name).lower()


def _lower(name: str) -> str:
    return name.lower()


def _cargo(name: str) -> str:
    # crates.io treats '-' and '_' as the same and ignores case when it resolves a crate name.
    return name.lower().replace("_", "-")


def _exact(name: str) -> str:
    return name


_NORMALIZERS: dict[str, Callable[[str], str]] = {
    "pypi": _pep503,
    "cargo": _cargo,
    "nuget": _lower,
    "hackage": _lower,
    "cran": _lower,
    "bioconductor": _lower,
    "conda": _lower,
    "composer": _lower,
    "conan": _lower,
    "swiftpm": _lower,
}

# purl types differ from our ecosystem names where the purl spec chose otherwise.
_PURL_TYPES = {
    "rubygems": "gem",
    "go": "golang",
    "swiftpm": "swift",
    "homebrew": "brew",
}


def normalize_name(ecosystem: str, name: str) -> str:
    """The form under which two spellings of one package compare equal in `ecosystem`."""
    return _NORMALIZERS.get(ecosystem, _exact)(name.strip())


@functools.lru_cache(maxsize=16_384)  # a name is asked for several times a scan; packageurl is slow
def purl_for(ecosystem: str, name: str, registry_url: str | None = None) -> str | None:
    """A package URL without version for `name` in `ecosystem`; None where no purl can be formed.
    `registry_url`: a registry other than the ecosystem's default (GitHub Packages, GitLab's), as the purl's
    `repository_url` qualifier."""
    name = name.strip()
    if not name:
        return None
    purl_type = _PURL_TYPES.get(ecosystem, ecosystem)
    namespace: str | None = None
    if ecosystem == "npm" and name.startswith("@") and "/" in name:
        namespace, name = name.split("/", 1)
    elif ecosystem == "maven":
        if ":" not in name:
            return None
        namespace, name = name.split(":", 1)
    elif ecosystem in ("composer", "go", "swiftpm") and "/" in name:
        namespace, name = name.rsplit("/", 1)
    if ecosystem == "pypi":
        name = _pep503(name)
    try:
        qualifiers = {"repository_url": registry_url} if registry_url else None
        return PackageURL(type=purl_type, namespace=namespace, name=name, qualifiers=qualifiers).to_string()
    except ValueError:
        return None


class PackageRefError(ValueError):
    """The text does not name a package as `ecosystem/name`; the message says why, for the user."""


# What `parse_package_ref` accepts, as the API documents it (an OpenAPI `pattern`).
PACKAGE_REF_PATTERN = r"^\s*[A-Za-z0-9][A-Za-z0-9-]{0,39}/\S.{0,498}$"
_ECOSYSTEM = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def parse_package_ref(text: str) -> tuple[str, str]:
    """`pypi/requests` → ("pypi", "requests"); the name keeps any further slashes (`npm/@scope/pkg`)."""
    ecosystem, _, name = text.strip().partition("/")
    ecosystem, name = ecosystem.lower(), name.strip()
    if not ecosystem or not name:
        raise PackageRefError(f"{text.strip()[:200]!r}: expected ecosystem/name, like pypi/requests")
    if not _ECOSYSTEM.fullmatch(ecosystem):
        raise PackageRefError(f"{ecosystem[:40]!r}: not an ecosystem name (like pypi, npm, cargo)")
    if len(name) > 499:
        raise PackageRefError("the package name is longer than 499 characters")
    return ecosystem, name


# --- Name lookups (orphan triage, distscout.triage): who can say whether a package name exists ---------

# deps.dev's systems (upstream-apis.md §1.1): GetPackage, then GetVersion of the default version for links.
DEPSDEV_SYSTEMS = {
    "npm": "NPM",
    "pypi": "PYPI",
    "cargo": "CARGO",
    "maven": "MAVEN",
    "rubygems": "RUBYGEMS",
    "nuget": "NUGET",
    "go": "GO",
}
# The rest, by ecosyste.ms's per-registry package lookup (`/registries/{registry}/packages/{name}`). Conda
# names are looked up on conda-forge, the channel a recipe.yaml / meta.yaml is written for. SwiftPM names a
# package by its repository URL, and the system package managers (deb, rpm, apk) by their distribution:
# no name lookup can speak for them.
ECOSYSTEMS_REGISTRIES = {
    "composer": "packagist.org",
    "hex": "hex.pm",
    "pub": "pub.dev",
    "hackage": "hackage.haskell.org",
    "cran": "cran.r-project.org",
    "bioconductor": "bioconductor.org",
    "conda": "conda-forge.org",
    "julia": "juliahub.com",
    "cocoapods": "cocoapods.org",
    "conan": "conan.io",
    "homebrew": "formulae.brew.sh",
}


# The system package managers: a .deb on a release or a Debian package on GitLab is a distribution's
# package, shown apart from the language registries.
DISTRO_ECOSYSTEMS = frozenset({"deb", "rpm", "apk"})


def name_source(ecosystem: str) -> str | None:
    """Which upstream answers name lookups for `ecosystem` ("depsdev", "ecosystems"); None: none can."""
    if ecosystem in DEPSDEV_SYSTEMS:
        return "depsdev"
    return "ecosystems" if ecosystem in ECOSYSTEMS_REGISTRIES else None


def lookup_spelling(ecosystem: str, name: str) -> str:
    """The spelling a registry is asked for: deps.dev serves PyPI names PEP 503-normalized and NuGet names
    lower-cased; every other registry resolves the name as published (a crate keeps its `_`)."""
    name = name.strip()
    if ecosystem == "pypi":
        return _pep503(name)
    return name.lower() if ecosystem == "nuget" else name


def lookup_spellings(ecosystem: str, name: str) -> list[str]:
    """Every spelling to ask before a name is called free. crates.io refuses a crate whose name equals an
    existing one once `-` and `_` are taken as the same: `foo_bar` is not free while `foo-bar` exists."""
    first = lookup_spelling(ecosystem, name)
    if ecosystem != "cargo":
        return [first]
    variants = [first, first.replace("_", "-"), first.replace("-", "_")]
    return list(dict.fromkeys(variants))
