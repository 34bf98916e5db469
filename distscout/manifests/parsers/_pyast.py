"""Reading Python files as syntax trees, never running them: shared by setup.py and conanfile.py.

`parse_python` gives the tree (or a `malformed` declaration), `bind` records what the simple
assignments of a block bind, and `argument` finds a keyword argument of a call, `**` spreads
included. The values themselves come from `_pyeval.evaluate`, re-exported here.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable, Sequence

from distscout.manifests.declaration import Declaration
from distscout.manifests.parsers._pyeval import Computed, Env, Value, add, evaluate, flatten, lookup

__all__ = [
    "Computed",
    "Env",
    "Value",
    "argument",
    "bind",
    "evaluate",
    "flatten",
    "lookup",
    "parse_python",
    "position",
]


def parse_python(
    text: str, filename: str, *, fallback: Callable[[SyntaxError], Declaration | None] | None = None
) -> ast.Module | Declaration:
    """The syntax tree, or a `malformed` declaration: Python 2 files and hostile nesting end here.

    `fallback` may still read a file that is not Python 3 syntax (setup.py of a Python 2 package).
    """
    try:
        # Real setup.py files are full of invalid escapes (`"\d"`): the parser warns about each, and
        # those warnings would land on the user's terminal (or become errors under `-W error`).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=filename)
    except SyntaxError as exc:
        read = fallback(exc) if fallback is not None else None
        if read is not None:
            return read
        return Declaration.malformed(f"not valid Python 3: {exc.msg} (line {exc.lineno})")
    except (ValueError, RecursionError, MemoryError) as exc:
        return Declaration.malformed(f"not parseable as Python: {type(exc).__name__}")


def position(node: ast.stmt | ast.expr) -> tuple[int, int]:
    return (node.lineno, node.col_offset)


def argument(call: ast.Call, key: str, env: Env) -> Value | None:
    """A keyword argument of `call`, looked up in `**` spreads too; None when surely absent."""
    for keyword in call.keywords:
        if keyword.arg == key:
            return evaluate(keyword.value, env)
    unknown: Computed | None = None
    for keyword in call.keywords:
        if keyword.arg is None:
            spread = evaluate(keyword.value, env)
            if isinstance(spread, dict) and (found := lookup(spread, key)) is not None:
                return found
            if isinstance(spread, Computed) and unknown is None:
                unknown = Computed(f"setup(**...) arguments are computed: {spread.detail}", spread.hints)
    return unknown


def bind(
    statements: Sequence[ast.stmt],
    env: Env,
    *,
    before: tuple[int, int] | None = None,
    conditional: bool = False,
) -> Env:
    """Record what simple assignments bind, in order, stopping at `before`.

    An assignment under `if`/`for`/`except` only fills a name not bound yet: the unconditional
    spelling is the usual path (`NAME = "x"` then `if nightly: NAME += "-nightly"` stays "x").
    """
    for statement in statements:
        if before is not None and position(statement) >= before:
            break
        if isinstance(statement, ast.Assign):
            value = evaluate(statement.value, env)
            for target in statement.targets:
                _bind_target(target, value, env, conditional)
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            _bind_target(statement.target, evaluate(statement.value, env), env, conditional)
        elif isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
            if isinstance(statement.op, ast.Add) and statement.target.id in env:
                value = add(env[statement.target.id], evaluate(statement.value, env))
            else:
                value = Computed(f"{statement.target.id} is updated at run time")
            _bind_target(statement.target, value, env, conditional)
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            _bind_import(statement, env, conditional)
        else:
            for block, block_is_conditional in _blocks(statement):
                bind(block, env, before=before, conditional=conditional or block_is_conditional)
    return env


def _blocks(statement: ast.stmt) -> list[tuple[list[ast.stmt], bool]]:
    """The nested bodies that run as part of module code (not def/class), and whether they may not run."""
    if isinstance(statement, ast.With | ast.AsyncWith):
        return [(statement.body, False)]
    if isinstance(statement, ast.If | ast.For | ast.AsyncFor | ast.While):
        return [(statement.body, True), (statement.orelse, True)]
    if isinstance(statement, ast.Try | ast.TryStar):
        handlers = [(handler.body, True) for handler in statement.handlers]
        return [(statement.body, False), *handlers, (statement.orelse, False), (statement.finalbody, False)]
    if isinstance(statement, ast.Match):
        return [(case.body, True) for case in statement.cases]
    return []


def _bind_target(target: ast.expr, value: Value, env: Env, conditional: bool) -> None:
    if isinstance(target, ast.Name):
        if not (conditional and target.id in env):
            env[target.id] = value
    elif isinstance(target, ast.Tuple | ast.List):
        elements = target.elts
        starred = any(isinstance(element, ast.Starred) for element in elements)
        for index, element in enumerate(elements):
            if isinstance(value, list) and len(value) == len(elements) and not starred:
                item = value[index]
            else:
                item = Computed("unpacked at run time")
            _bind_target(
                element.value if isinstance(element, ast.Starred) else element, item, env, conditional
            )
    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        # META["name"] = "x": kwargs dicts are often filled key by key.
        mapping, key = env.get(target.value.id), evaluate(target.slice, env)
        if isinstance(mapping, dict) and isinstance(key, str) and not (conditional and key in mapping):
            mapping[key] = value


def _bind_import(statement: ast.Import | ast.ImportFrom, env: Env, conditional: bool) -> None:
    source = (
        f"imported from {statement.module or '.'}" if isinstance(statement, ast.ImportFrom) else "a module"
    )
    for alias in statement.names:
        if alias.name == "*":
            continue
        bound = alias.asname or alias.name.split(".")[0]
        if not (conditional and bound in env):
            env[bound] = Computed(f"{bound} is {source}")
