"""A world whose names are attacks: package names, manifest paths and a GitHub Packages name that would run
script if a page ever printed them unescaped."""

from __future__ import annotations

from typing import Any

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
SVG = "<svg onload=alert(3)>"
ATTACKS = (SCRIPT, IMG, SVG)

WORLD: dict[str, Any] = {
    "format": 1,
    "repos": [
        {
            "url": "https://github.com/evil/xss",
            "files": {
                "package.json": '{"name": "<script>alert(1)</script>"}',
                f"{SVG}/package.json": '{"name": "\\"><img src=x onerror=alert(2)>"}',
                "setup.cfg": "[metadata]\nname = <script>alert(1)</script>\n",
            },
            "github_packages": [{"name": SCRIPT, "package_type": "npm"}],
            "releases": [
                {"tag_name": SVG, "published_at": "2024-05-01T10:00:00Z", "assets": [f"{SCRIPT}.whl"]}
            ],
        }
    ],
    "packages": [
        {
            "ecosystem": "npm",
            "name": SCRIPT,
            "repository_url": "https://github.com/evil/xss",
            "versions": [{"version": "1.0.0", "published_at": "2024-05-01T10:00:00Z"}],
        }
    ],
}
