"""setup.py (setuptools, distutils, scikit-build): the `name=` argument of `setup(...)`.

The file is read as a Python syntax tree and never executed or imported. A name counts only when the
file itself spells it: a string literal, a module-level constant, `+` or implicit concatenation, an
f-string of constants, or `setup(**META)` with META a dict literal or `dict(...)`. Anything computed at
run time (environment, calls, imports, attribute lookups) is `unsupported`; a `setup()` without a name
is `no_name` (the name then lives in setup.cfg or pyproject.toml). A file that is not Python 3 syntax
(a Python 2 package) is `malformed`, unless its first `setup(...)` call spells `name='...'` as a plain
literal: that is read by a linear scan and said so in `detail`.

No-publish signal: any `Private ::` classifier such as `Private :: Do Not Upload` (PyPI refuses them).

The static evaluator (`_pyast`) is shared with the Conan parser, which reads conanfile.py the same way.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from distscout.manifests.declaration import Declaration
from distscout.manifests.parsers._pyast import Computed, Env, argument, bind, flatten, parse_python, position
from distscout.manifests.parsers._pypi_classifiers import private_classifier
from distscout.manifests.parsers._setup_py_pattern import scan_setup_call
from distscout.manifests.registry import ManifestParser

_INTENT = "a setup() name, no Private classifier"
_MAX_CALLS = 20  # setup() calls examined: each one re-reads the module's assignments
_SETUP_MODULES = frozenset({"setuptools", "distutils", "skbuild"})
_Function = ast.FunctionDef | ast.AsyncFunctionDef


def parse(text: str, filename: str = "setup.py") -> Declaration:
    tree = parse_python(text, filename, fallback=lambda error: _read_by_pattern(text, error))
    if isinstance(tree, Declaration):
        return tree
    calls, functions = _setup_calls(tree)
    if not calls:
        return Declaration.no_name("no setup() call")
    unresolved: str | None = None
    # A wrapper `def setup(**kw): _setup(**kw)` makes several calls: the first that names a package wins.
    for call in calls:
        env = _scope_for(tree, call, functions)
        name = argument(call, "name", env)
        if isinstance(name, str):
            reason = private_classifier(flatten(argument(call, "classifiers", env)))
            if reason:
                return Declaration.named(name, intent=False, reason=reason)
            return Declaration.named(name, reason=_INTENT)
        if name is not None and unresolved is None:
            unresolved = name.detail if isinstance(name, Computed) else "the value is not a string"
    if unresolved is not None:
        return Declaration.unsupported(f"setup() name is computed: {unresolved}")
    return Declaration.no_name("setup() has no name argument (it may be in setup.cfg or pyproject.toml)")


def _read_by_pattern(text: str, error: SyntaxError) -> Declaration | None:
    """A Python 2 setup.py that spells its name as a literal; None leaves the file malformed."""
    scanned = scan_setup_call(text)
    if scanned is None:
        return None
    if scanned.private_reason:
        declaration = Declaration.named(scanned.name, intent=False, reason=scanned.private_reason)
    else:
        declaration = Declaration.named(scanned.name, reason=_INTENT)
    detail = f"read by pattern: not Python 3 syntax ({error.msg}, line {error.lineno})"
    return replace(declaration, detail=detail)


# --- which calls are setup() -------------------------------------------------------------------------


def _setup_calls(tree: ast.Module) -> tuple[list[ast.Call], list[_Function]]:
    """The setup() calls in source order (at most _MAX_CALLS), and every function (for scopes)."""
    names, modules = {"setup"}, set(_SETUP_MODULES)
    calls: list[ast.Call] = []
    functions: list[_Function] = []
    for node in ast.walk(tree):  # one pass: the tree of a 1 MiB file is large
        if isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.append(node)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names if alias.name == "setup")
        elif isinstance(node, ast.Import):
            modules.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
    calls = sorted((call for call in calls if _is_setup(call.func, names, modules)), key=position)
    return calls[:_MAX_CALLS], sorted(functions, key=position)


def _is_setup(func: ast.expr, names: set[str], modules: set[str]) -> bool:
    if isinstance(func, ast.Name):
        return func.id in names
    if not (isinstance(func, ast.Attribute) and func.attr == "setup"):
        return False
    root = func.value
    while isinstance(root, ast.Attribute):  # distutils.core.setup
        root = root.value
    return isinstance(root, ast.Name) and root.id in modules


def _scope_for(tree: ast.Module, call: ast.Call, functions: list[_Function]) -> Env:
    """Names visible at the call: module assignments, then those of the enclosing functions."""
    where = position(call)
    enclosing = [f for f in functions if position(f) < where <= (f.end_lineno or 0, f.end_col_offset or 0)]
    if not enclosing:
        return bind(tree.body, {}, before=where)
    env = bind(tree.body, {})  # the function runs after the module body has run
    for function in enclosing:  # outermost first: the walk meets outer functions before inner ones
        bind(function.body, env, before=where)
    return env


PARSER = ManifestParser(
    manifest_type="pypi", key="setup-py", version=3, parse=parse, filenames=frozenset({"setup.py"})
)
