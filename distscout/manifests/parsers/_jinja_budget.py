"""The work budget of a Jinja render: every limit, and the charges and estimates made against it.

The sandbox blocks attribute escapes but does not bound work, so each `Renderer` gets one `Budget`.
Loop iterations, calls, filters, tests and operators are counted as steps; characters and container
slots produced or inspected are counted as units. Operations that can amplify (`*`, `**`, `%`,
`center`, `indent`, `replace`, `join`, format widths ...) are estimated before they run and refused
when the estimate would not fit.
"""

from __future__ import annotations

import re
import string
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any

from jinja2 import Undefined
from jinja2.utils import Cycler, Namespace

MAX_OUTPUT = 2 * 1024 * 1024  # characters of rendered text
MAX_UNITS = 8 * 1024 * 1024  # characters (and weighted container slots) produced or inspected
MAX_STEPS = 50_000  # loop iterations, calls, filters, tests, operators
MAX_WIDTH = 100_000  # counts and widths: range(), center(), format specs; Jinja's own range limit
MAX_INT_BITS = 4096
MAX_NODES = 50_000  # template syntax nodes: compiling is the slow part of a huge template
MAX_CODE = 64 * 1024  # characters inside tags, which Jinja parses as code (slowly) before any budget
MAX_TEMPLATES = 256  # templates compiled by one Renderer (recipe.yaml compiles one per expression)
_SLOT = 32  # units charged per container slot visited, so deep walks are bounded too

# Names whose integer arguments set a size (refused above MAX_WIDTH), and those whose output grows with
# the product of their inputs rather than their sum (estimated before they run).
_WIDTH_NAMES = frozenset(
    {"center", "ljust", "rjust", "zfill", "truncate", "batch", "slice", "to_bytes", "range"}
)
_SCALING_NAMES = frozenset({"indent", "expandtabs", "join", "replace", "translate"})
_INT_SCALING_NAMES = frozenset({"indent", "expandtabs"})
_SIZED_NAMES = _WIDTH_NAMES | _INT_SCALING_NAMES
_JINJA_CALL_KWARGS = frozenset({"_loop_vars", "_block_vars"})  # Jinja's own bookkeeping, not arguments
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


class TemplateFailed(Exception):
    """Rendering was refused (budget, sandbox) or the template raised: the result is not known."""


class Budget:
    """What one Renderer may still spend; once exceeded every further charge fails too."""

    def __init__(self) -> None:
        self.steps = 0
        self.units = 0

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise TemplateFailed("refused: the template does too much work")

    def charge(self, units: int) -> None:
        self.units += units
        if self.units > MAX_UNITS:
            raise TemplateFailed("refused: the template produces too much data")

    def require(self, units: int) -> None:
        """Refuse an operation whose estimated output would not fit in what is left."""
        if self.units + units > MAX_UNITS:
            raise TemplateFailed("refused: an operation would produce too much data")

    def measure(self, value: object) -> int:
        """Charge and return the logical size of `value`, counting shared references every time.

        The walk stops as soon as the budget is spent, so alias bombs and cyclic lists cost at most
        the budget instead of their (possibly infinite) logical size.
        """
        total, stack = 0, [value]
        while stack:
            item = stack.pop()
            total += _SLOT + _flat_size(item)
            stack.extend(_children(item))
            if self.units + total > MAX_UNITS:
                self.charge(total)
        self.charge(total)
        return total

    def iterate(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.step()
            yield item


def _flat_size(item: object) -> int:
    if isinstance(item, str | bytes):
        return len(item)
    if isinstance(item, int):
        return item.bit_length() // 8
    if isinstance(item, range):
        return len(item)
    return 0


def _children(item: object) -> Iterable[Any]:
    if isinstance(item, dict):
        return [*item.keys(), *item.values()]
    if isinstance(item, list | tuple | set | frozenset):
        return item
    if isinstance(item, KeysView | ValuesView | ItemsView):
        return list(item)
    if isinstance(item, Namespace):  # the one mutable container templates can build besides list/dict
        return [getattr(item, "_Namespace__attrs", {})]
    if isinstance(item, Cycler):
        return item.items
    return ()


def _int_args(values: Iterable[Any]) -> list[int]:
    return [abs(v) for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _estimate(name: str, values: list[Any], sizes: list[int]) -> int:
    """Upper bound on what calling `name` on `values` (receiver or filtered value first) produces."""
    ints = _int_args(values)
    if name in _SIZED_NAMES and any(n > MAX_WIDTH for n in ints):
        raise TemplateFailed(f"refused: {name}() with a size over {MAX_WIDTH}")
    widths = sum(ints) if name in _WIDTH_NAMES else 0
    if name == "replace" and len(values) >= 3 and all(isinstance(v, str) for v in values[:3]):
        text, old, new = values[:3]
        count = len(text) + 1 if not old else text.count(old)
        return len(text) + count * max(len(new) - len(old), 0)
    if name not in _SCALING_NAMES or not sizes:
        return sum(sizes) + widths
    factor = 1 + sum(sizes[1:]) + (sum(ints) if name in _INT_SCALING_NAMES else 0)
    return (sizes[0] + 1) * factor + widths


def _percent_width(template: str, arguments: object) -> int:
    """Width a `%` format can add beyond its arguments: every field's width and precision.

    A `*` takes its width from the arguments, so the largest integer argument stands in for it.
    """
    values = arguments if isinstance(arguments, tuple | list) else [arguments]
    star = max(_int_args(values), default=0)
    total = 0
    for match in _PERCENT_SPEC.finditer(template):
        for number in match.groups():
            total += star if number == "*" else _spec_number(number)
    if star > MAX_WIDTH and "*" in template:
        raise TemplateFailed("refused: format width too large")
    return total


def brace_width(template: str) -> int:
    """The same for `str.format`; nested fields in a spec (`{0:{1}{1}}`) could concatenate widths."""
    total = 0
    for _, _, spec, _ in string.Formatter().parse(template):
        if spec and "{" in spec:
            raise TemplateFailed("refused: nested format field in a format spec")
        for number in re.findall(r"\d+", spec or ""):
            total += _spec_number(number)
    return total


def _spec_number(number: str | None) -> int:
    if number is None:
        return 0
    if len(number) > 6:
        raise TemplateFailed("refused: format width too large")
    return int(number)


def charge_call(budget: Budget, name: str, values: list[Any], kwargs: Mapping[str, Any]) -> None:
    """Charge a call of `name` (a filter, test or method) before it runs; refuse it if it cannot fit."""
    budget.step()
    arguments = [v for k, v in kwargs.items() if k not in _JINJA_CALL_KWARGS]
    sizes = [budget.measure(v) for v in (*values, *arguments)]
    if name == "format" and values and isinstance(values[0], str):  # the |format filter
        budget.require(_percent_width(values[0], values[1:]) + sum(sizes))
    budget.require(_estimate(name, [*values, *arguments], sizes))


def charge_result(budget: Budget, result: Any) -> Any:
    """Charge what a call returned; a lazy result is charged item by item as the template consumes it."""
    if isinstance(result, Iterator) and not isinstance(result, Undefined):
        return budget.iterate(result)  # lazy results (map, select, batch ...) are charged per item
    budget.measure(result)
    return result


def binop_estimate(operator: str, left: Any, right: Any, size: int) -> int:
    """Upper bound on the size of `left <operator> right`, given both operands' size `size`."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "*" and ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise TemplateFailed("refused: integer too large")
    if operator == "*":
        count = right if isinstance(right, int) else left if isinstance(left, int) else 1
        return size * max(count, 1)
    if operator == "**" and ints and right > 0 and left.bit_length() * right > MAX_INT_BITS:
        raise TemplateFailed("refused: integer too large")
    if operator == "%" and isinstance(left, str):
        return size + _percent_width(left, right)
    return size
