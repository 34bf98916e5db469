"""Names a recipe does not define: `Unknown` values that render as a marker, found again by `unresolved`.

A recipe may build its name from build-time values (`load_setup_py_data()`, `environ[...]`, a CI
variable). Rendering such a value as a marker, instead of failing or guessing, lets the parser report
which name the result depends on.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import ChainableUndefined
from jinja2.exceptions import SecurityError

MARKER_OPEN, MARKER_CLOSE = "\ue000", "\ue001"  # private-use code points: valid in YAML, absent in names
_MARKED = re.compile(f"{MARKER_OPEN}([^{MARKER_CLOSE}]*){MARKER_CLOSE}?")


def unresolved(text: str) -> str | None:
    """The first undefined name that `text` was rendered from, if any ("?" when unnamed)."""
    match = _MARKED.search(text)
    if match is None:
        return None if MARKER_CLOSE not in text else "?"
    return match.group(1) or "?"


class Unknown(ChainableUndefined):
    """A value the recipe does not define: absorbs every operation and renders as a marker.

    Lenient like conda-build's first pass, so one unknown variable does not lose the whole recipe, but
    an attribute the sandbox refused stays an error once it is used.
    """

    __slots__ = ()

    def __str__(self) -> str:
        self._refuse_if_unsafe()
        name = self._undefined_name
        label = name if isinstance(name, str) and len(name) <= 60 else "?"
        label = label.replace(MARKER_OPEN, "").replace(MARKER_CLOSE, "")
        return f"{MARKER_OPEN}{label}{MARKER_CLOSE}"

    def __call__(self, *args: Any, **kwargs: Any) -> Unknown:  # type: ignore[override]
        self._refuse_if_unsafe()
        return self

    def _absorb(self, *args: Any) -> Unknown:
        return self

    def _never(self, other: Any) -> bool:
        return False

    def _refuse_if_unsafe(self) -> None:
        if self._undefined_exception is SecurityError:
            self._fail_with_undefined_error()

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _absorb  # type: ignore[assignment]
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _absorb  # type: ignore[assignment]
    __mod__ = __rmod__ = __pow__ = __rpow__ = __pos__ = __neg__ = _absorb  # type: ignore[assignment]
    # A condition on an unknown value is false either way round (`x != "None"` as well as `x == "None"`),
    # as `{% if x %}` is: the branch a recipe takes by default, never a guess at a build variant.
    __lt__ = __le__ = __gt__ = __ge__ = _never  # type: ignore[assignment]
    __ne__ = _never

    def __int__(self) -> int:  # type: ignore[override]
        return 0

    def __float__(self) -> float:  # type: ignore[override]
        return 0.0
