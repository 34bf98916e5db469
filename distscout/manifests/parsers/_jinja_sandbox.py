"""Jinja's sandbox with every operation that can cost time or memory charged to a `Budget`.

Compiled templates call filters and tests directly, and loops, output, `~`, comparisons and literals
never pass through the environment at all. So filters and tests are wrapped, and the parsed template
is rewritten (`GuardTransformer`) so that those constructs pass a guard filter that charges them.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import Undefined, nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

from distscout.manifests.parsers._jinja_budget import (
    MAX_NODES,
    MAX_WIDTH,
    Budget,
    TemplateFailed,
    binop_estimate,
    brace_width,
    charge_call,
    charge_result,
)
from distscout.manifests.parsers._jinja_unknown import Unknown


def _wrap(node: nodes.Node, guard: str) -> nodes.Filter:
    return nodes.Filter(node, guard, [], [], None, None, lineno=node.lineno)


class GuardTransformer(NodeTransformer):
    """Rewrites a parsed template so loops, output, `~`, comparisons and literals pass a guard."""

    def __init__(self) -> None:
        self.count = 0

    def generic_visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> nodes.Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise TemplateFailed("refused: the template is too large")
        return super().generic_visit(node, *args, **kwargs)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _wrap(node.iter, "_guard_iter")
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [_wrap(child, "_guard_out") for child in node.nodes]
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _wrap(nodes.Tuple(node.nodes, "load", lineno=node.lineno), "_guard_concat")

    def visit_Compare(self, node: nodes.Compare) -> nodes.Node:
        self.generic_visit(node)
        node.expr = _wrap(node.expr, "_guard_charge")
        for operand in node.ops:
            operand.expr = _wrap(operand.expr, "_guard_charge")
        return node

    def visit_List(self, node: nodes.List) -> nodes.Node:
        self.generic_visit(node)
        return _wrap(node, "_guard_charge")

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        self.generic_visit(node)
        return _wrap(node, "_guard_charge")

    def visit_CondExpr(self, node: nodes.CondExpr) -> nodes.Node:
        # `a if x else b` with x unknown (`d.name if d else 'fallback'`) is unknown, not the default
        # branch: the value depends on the build. `x if x is unknown else (a if x else b)`.
        self.generic_visit(node)
        return nodes.CondExpr(_wrap(node.test, "_guard_is_unknown"), node.test, node, lineno=node.lineno)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        self.generic_visit(node)
        return _wrap(node, "_guard_charge") if node.ctx == "load" else node


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox with every operation that can cost time or memory charged to a budget."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def __init__(self, budget: Budget, **options: Any) -> None:
        super().__init__(autoescape=False, undefined=Unknown, optimized=False, **options)
        self.budget = budget
        self.globals.pop("lipsum", None)  # generates text from two integers: nothing a recipe needs
        for slow in ("urlize", "wordwrap"):  # pure-Python text layout, slow per character; no recipe
            self.filters.pop(slow, None)  # needs them, so they are not worth a share of the budget
        self.globals["range"] = _bounded_range
        self.filters.update(split=_split, version_to_buildstring=_version_to_buildstring)
        self.filters = {name: self._guarded(name, f, absorb=True) for name, f in self.filters.items()}
        self.tests = {name: self._guarded(name, f, absorb=False) for name, f in self.tests.items()}
        self.filters.update(self._guards())

    def _guarded(self, name: str, function: Any, *, absorb: bool) -> Callable[..., Any]:
        # Filters and tests are called directly by compiled templates, not through `call`.
        leading = 0 if getattr(function, "jinja_pass_arg", None) is None else 1
        budget = self.budget
        # A filter of an unknown value is unknown (`x|length` is not 0), except the ones made for it.
        absorb = absorb and name not in {"default", "d"}

        @functools.wraps(function)  # keeps `jinja_pass_arg`, so Jinja still passes the context
        def guarded(*args: Any, **kwargs: Any) -> Any:
            values = list(args[leading:])
            if absorb and values and isinstance(values[0], Unknown):
                values[0]._refuse_if_unsafe()
                return values[0]
            charge_call(budget, name, values, kwargs)
            return charge_result(budget, function(*args, **kwargs))

        return guarded

    def _guards(self) -> dict[str, Callable[..., Any]]:
        budget = self.budget

        def out(context: Context, value: Any) -> str:
            budget.step()
            budget.measure(value)
            return str(value)

        def concat(context: Context, parts: tuple[Any, ...]) -> str:
            budget.step()
            budget.measure(parts)
            return "".join(str(part) for part in parts)

        def charge(context: Context, value: Any) -> Any:
            budget.measure(value)
            return value

        def iterate(context: Context, value: Any) -> Iterator[Any]:
            return budget.iterate(value)

        # pass_context also stops Jinja from evaluating these once at compile time.
        guards = {"_guard_out": out, "_guard_concat": concat, "_guard_charge": charge}
        guards["_guard_iter"] = iterate
        guards["_guard_is_unknown"] = lambda context, value: isinstance(value, Unknown)
        return {name: pass_context(function) for name, function in guards.items()}

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        if not self.is_safe_callable(obj):
            raise SecurityError(f"{obj!r} is not safely callable")
        receiver = getattr(obj, "__self__", None)
        values = list(args)
        if isinstance(obj, types.BuiltinMethodType | types.MethodType) and not isinstance(
            receiver, types.ModuleType
        ):
            values.insert(0, receiver)  # a method's work and output scale with its receiver
        name = getattr(obj, "__name__", "")
        charge_call(self.budget, name if isinstance(name, str) else "", values, kwargs)
        return charge_result(self.budget, context.call(obj, *args, **kwargs))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if isinstance(left, Undefined) or isinstance(right, Undefined):
            return left if isinstance(left, Undefined) else right
        self.budget.step()
        size = self.budget.measure(left) + self.budget.measure(right)
        self.budget.require(binop_estimate(operator, left, right, size))
        return charge_result(self.budget, self.binop_table[operator](left, right))

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        if isinstance(argument, slice):  # a slice copies
            self.budget.measure(value)
        return value

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        template, budget = value.__self__, self.budget

        def guarded(*args: Any, **kwargs: Any) -> str:
            budget.require(brace_width(template) + budget.measure(args) + budget.measure(kwargs))
            return wrapper(*args, **kwargs)

        return guarded


def _bounded_range(*args: int) -> range:
    # The sandbox's own range limit raises after the range exists; this refuses before any loop runs.
    numbers = range(*args)
    if len(numbers) > MAX_WIDTH:
        raise TemplateFailed(f"refused: range() over {MAX_WIDTH} items")
    return numbers


def _split(value: Any, separator: str | None = None, maxsplit: int = -1) -> list[str]:
    # rattler-build's filter; harmless in meta.yaml too.
    return str(value).split(separator, maxsplit)


def _version_to_buildstring(value: Any) -> str:
    # rattler-build's filter: "3.11.2" -> "311".
    return "".join(str(value).split(".")[:2])
