"""Static values of Python expressions, for files that are read and never run (setup.py, conanfile.py).

`evaluate` knows string literals, names bound earlier, `+` and implicit concatenation, f-strings of
constants, list/tuple/set/dict literals, `dict(...)` and subscripts of what it knows. Anything else is
`Computed`, saying why. Every step is bounded (depth, string length, list length) so that a hostile
file ends as a status, never as exhausted memory.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

from distscout.manifests.parsers._pypi_classifiers import is_private_classifier

_MAX_DEPTH = 60  # expression nesting we follow; real names need a handful
_MAX_CHARS = 4096  # longest string we build: `A = A + A` repeated must not eat memory
_MAX_ITEMS = 1024  # longest list we build, for the same reason
_MAX_HINTS = 8  # private-classifier literals remembered from a computed value
_HINT_BUDGET = 64  # items looked at per value when collecting hints: keeps every assignment cheap
_OPEN = "**"  # dict key standing for "more keys unknown here" (a spread we could not resolve)


@dataclass(frozen=True, slots=True)
class Computed:
    """A value only known at run time.

    `hints` keeps the `Private ::` literals seen inside it, so that a classifier list built by a call
    (`CLASSIFIERS.splitlines()`) still denies intent.
    """

    detail: str
    hints: tuple[str, ...] = ()


Value: TypeAlias = str | list["Value"] | dict[str, "Value"] | Computed
Env: TypeAlias = dict[str, Value]


def lookup(mapping: dict[str, Value], key: str) -> Value | None:
    if key in mapping:
        return mapping[key]
    return mapping.get(_OPEN)


def flatten(value: Value | None, budget: int = _MAX_ITEMS * 4) -> Iterator[str]:
    """Every string inside a value; iterative and bounded, since shared sub-lists can nest deeply."""
    stack: list[Value] = [] if value is None else [value]
    while stack and budget > 0:
        budget -= 1
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        else:
            yield from item.hints


def evaluate(node: ast.expr, env: Env, depth: int = 0) -> Value:
    """The static value of an expression, or `Computed` saying why it has none."""
    if depth > _MAX_DEPTH:
        return Computed("the expression is nested too deeply")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value
        return Computed(f"not a string: {type(node.value).__name__}")
    if isinstance(node, ast.Name):
        return env.get(node.id, Computed(f"{node.id} is not defined in this file"))
    if isinstance(node, ast.JoinedStr):
        return _fstring(node, env, depth)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return add(evaluate(node.left, env, depth + 1), evaluate(node.right, env, depth + 1))
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return _sequence(node.elts, env, depth)
    if isinstance(node, ast.Dict):
        return _dict_literal(node, env, depth)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return _dict_call(node, env, depth)
    if isinstance(node, ast.Subscript):
        return _subscript(node, env, depth)
    return _computed(node, env, f"{_describe(node)} at run time")


def add(left: Value, right: Value) -> Value:
    """`left + right` for strings and lists, bounded; Computed (keeping hints) for anything else."""
    if isinstance(left, str) and isinstance(right, str):
        return _capped(left + right)
    if isinstance(left, list) and isinstance(right, list):
        joined = left + right
        return joined if len(joined) <= _MAX_ITEMS else Computed("the list is too long")
    detail = next((v.detail for v in (left, right) if isinstance(v, Computed)), "adds values of mixed kinds")
    return Computed(detail, (*_hints(left), *_hints(right))[:_MAX_HINTS])


def _fstring(node: ast.JoinedStr, env: Env, depth: int) -> Value:
    parts: list[str] = []
    for part in node.values:
        value = evaluate(part.value, env, depth + 1) if isinstance(part, ast.FormattedValue) else None
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            parts.append(part.value)
        elif isinstance(part, ast.FormattedValue) and part.format_spec is None and isinstance(value, str):
            parts.append({114: repr, 97: ascii}.get(part.conversion, str)(value))
        else:
            return _computed(node, env, "an f-string formats a value computed at run time")
    return _capped("".join(parts))


def _capped(text: str) -> Value:
    return text if len(text) <= _MAX_CHARS else Computed("the string is too long")


def _sequence(elements: list[ast.expr], env: Env, depth: int) -> Value:
    items: list[Value] = []
    for element in elements[:_MAX_ITEMS]:
        if isinstance(element, ast.Starred):
            spread = evaluate(element.value, env, depth + 1)
            items.extend(spread if isinstance(spread, list) else [spread])
        else:
            items.append(evaluate(element, env, depth + 1))
    return items[:_MAX_ITEMS]


def _dict_literal(node: ast.Dict, env: Env, depth: int) -> Value:
    result: dict[str, Value] = {}
    for key_node, value_node in zip(node.keys[:_MAX_ITEMS], node.values, strict=False):
        if key_node is None:  # {**OTHER}
            _merge(result, evaluate(value_node, env, depth + 1))
            continue
        key = evaluate(key_node, env, depth + 1)
        if isinstance(key, str):
            result[key] = evaluate(value_node, env, depth + 1)
        else:
            result[_OPEN] = Computed("a dict key is computed at run time")
    return result


def _dict_call(node: ast.Call, env: Env, depth: int) -> Value:
    if "dict" in env or len(node.args) > 1:
        return _computed(node, env, "calls dict() in an unusual way")
    result: dict[str, Value] = {}
    for arg in node.args:
        _merge(result, evaluate(arg, env, depth + 1))
    for keyword in node.keywords:
        if keyword.arg is None:
            _merge(result, evaluate(keyword.value, env, depth + 1))
        else:
            result[keyword.arg] = evaluate(keyword.value, env, depth + 1)
    return result


def _merge(result: dict[str, Value], spread: Value) -> None:
    if isinstance(spread, dict):
        result.update(spread)
    else:
        result[_OPEN] = (
            spread if isinstance(spread, Computed) else Computed("spreads a value that is not a dict")
        )


def _subscript(node: ast.Subscript, env: Env, depth: int) -> Value:
    container = evaluate(node.value, env, depth + 1)
    key = evaluate(node.slice, env, depth + 1)
    if isinstance(container, dict) and isinstance(key, str):
        found = lookup(container, key)
        return found if found is not None else Computed(f"the key {key[:40]!r} is filled at run time")
    index = node.slice.value if isinstance(node.slice, ast.Constant) else None
    if isinstance(container, list) and isinstance(index, int) and -len(container) <= index < len(container):
        return container[index]
    return _computed(node, env, "a subscript is computed at run time")


def _computed(node: ast.expr, env: Env, detail: str) -> Computed:
    """Computed, keeping the private-classifier literals inside (see `Computed.hints`)."""
    hints: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and is_private_classifier(sub.value):
            hints.append(sub.value)
        elif isinstance(sub, ast.Name) and sub.id in env:
            hints.extend(_hints(env[sub.id]))
        if len(hints) >= _MAX_HINTS:
            break
    return Computed(detail, tuple(hints[:_MAX_HINTS]))


def _hints(value: Value) -> tuple[str, ...]:
    if isinstance(value, Computed):
        return value.hints
    found = (text for text in flatten(value, _HINT_BUDGET) if is_private_classifier(text))
    return tuple(itertools.islice(found, _MAX_HINTS))


def _describe(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        return f"calls {_dotted(node.func)}()"
    if isinstance(node, ast.Attribute):
        return f"reads {_dotted(node)}"
    return f"a {type(node).__name__} expression is evaluated"


def _dotted(node: ast.expr) -> str:
    """`__import__(...).getenv` for messages; iterative, and short whatever the input."""
    parts: list[str] = []
    for _ in range(12):
        if isinstance(node, ast.Attribute):
            parts.append(f".{node.attr}")
            node = node.value
        elif isinstance(node, ast.Call):
            parts.append("(...)")
            node = node.func
        else:
            parts.append(node.id if isinstance(node, ast.Name) else "<expr>")
            break
    else:
        parts.append("...")
    return "".join(reversed(parts))[:120]
