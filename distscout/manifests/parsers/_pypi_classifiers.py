"""PyPI's `Private ::` classifiers: the no-publish signal every Python-family parser honours.

PyPI refuses any upload carrying a classifier that starts with `Private ::` (`Private :: Do Not Upload`
is the documented spelling, but the check is on the prefix), so any such classifier means the project
is not meant for PyPI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A whole classifier, not a bare "Private ::" prefix (code that filters such classifiers out spells
# that). Only spaces and tabs around the words: `\s*` after `^` would rescan every following blank
# line from each line start, which is quadratic on a string of newlines.
_PRIVATE = re.compile(r"^[^\S\n]*private[^\S\n]*::[^\S\n]*\S", re.IGNORECASE | re.MULTILINE)


def is_private_classifier(text: str) -> bool:
    """Whether `text`, one classifier or several on their own lines, holds a `Private ::` classifier."""
    return _PRIVATE.search(text) is not None


def private_classifier(classifiers: Iterable[str]) -> str | None:
    """The reason to deny intent when one of `classifiers` is a `Private ::` classifier, else None."""
    for value in classifiers:
        for line in value.splitlines():
            if is_private_classifier(line):
                return f"classifier {line.strip()}"
    return None
