"""The demo world: distscout's own fictional fleet, shipped in the package for `distscout demo`.

`world/` is an emulator world (format 1, see the world-format spec): 34 repositories of four made-up owners
(the `lumen-labs` and `harbor-tools` organisations and the user `kestrel-dev` on GitHub, and the GitLab
group `nimbus-group` with its `platform` subgroup) and the registry records that point at them. Together
they show every manifest format distscout reads, monorepos (npm workspaces, a Cargo workspace, a Maven
multi-module build, a Gradle multi-project), GitHub release assets and Packages, a renamed, an archived and
an empty repository, and the two headline findings: *orphans* (a manifest that means to publish, unknown to
every registry: `prism-js`'s Vue package, `tidewatch` after its rename, the forgotten `perch` and `gust`,
GitLab's `stratus` Python tools) and *unclaimed* repositories (registry evidence but no manifest:
`lumen-docs`, `pilot`, GitLab's `cirrus`). Manifests that must NOT count as orphans are there too: a private
npm app, a `publish = false` crate, test and tool .NET projects, a `publish_to: none` Flutter app, a private
Hex organisation, a uv `package = false` project, and fixtures under tests/ and examples/.

`expected.json` is the answer key (the shape of the shared corpus's expected.json, plus per repository
`orphan` and `unclaimed` flags). `faults.json` is an emulator fault plan: ecosyste.ms is down for the first
four seconds and GitHub fails 5% of requests (seeded), which the scheduler is expected to ride out.

Everything here is fiction: no name, file or text is taken from a real project.
"""

from pathlib import Path

DEMO_WORLD = Path(__file__).parent / "world"
DEMO_FAULTS = Path(__file__).parent / "faults.json"
DEMO_EXPECTED = Path(__file__).parent / "expected.json"
