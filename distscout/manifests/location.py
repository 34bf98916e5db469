"""Where a manifest sits says something about intent: a test fixture or an example is not a package.

The orphan report must not list a repo's tests, examples, fixtures, playgrounds, benchmarks or docs as
packages that were "never published". A directory segment decides, never the file name.
"""

from __future__ import annotations

import re

_NON_PACKAGE_DIRECTORY = re.compile(
    r"""^(?:
        tests? | __tests__ | __test__ | testdata | test[-_]?data | test[-_]\w[\w.-]* | \w[\w.-]*[-_.]tests?
      | specs? | e2e | integration[-_]tests?
      | examples? | samples? | demos? | tutorials?
      | fixtures? | __fixtures__ | testfixtures
      | playgrounds?
      | benchmarks? | benches | bench
      | docs? | documentation
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


# `test-utils`, `testing-helpers`, `test_support`: libraries *for* tests, which are often published.
_TEST_LIBRARY = re.compile(r"(?:utils?|helpers?|tools?|kit|support|harness|lib)$", re.IGNORECASE)


def non_package_location(path: str) -> str | None:
    """The first directory of `path` that marks it as not-a-package (`examples`), or None."""
    for segment in path.split("/")[:-1]:
        if _NON_PACKAGE_DIRECTORY.match(segment) and not _TEST_LIBRARY.search(segment):
            return segment
    return None
