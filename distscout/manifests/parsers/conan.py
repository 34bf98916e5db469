"""conanfile.py / conanfile.txt (Conan): the `name` class attribute of the recipe class.

conanfile.py is read as a Python syntax tree, never executed. The recipe is the class deriving from
`ConanFile` (directly, as `conan.ConanFile`/`conans.ConanFile`, or through a base class defined in the
same file); failing that, the only class that has a `name` attribute and looks like a recipe. The value
may be a literal or a module constant (read by `_pyast`, the evaluator shared with setup.py).
conan-center-index recipes usually omit `name` (the folder gives it): that is `no_name`, as is
`name = None`. A name set in `set_name()` is computed at run time: `unsupported`. conanfile.txt only
lists requirements.

No-publish signal: none. Conan has no "do not upload" flag (`upload_policy = "skip"` only skips binaries).
"""

from __future__ import annotations

import ast

from distscout.manifests.declaration import Declaration
from distscout.manifests.parsers._pyast import Computed, Env, bind, parse_python
from distscout.manifests.registry import ManifestParser

# Attributes that mark a class as a recipe when it does not visibly derive from ConanFile
# (e.g. a base class that comes from `python_requires`).
_RECIPE_ATTRIBUTES = frozenset(
    {"version", "settings", "options", "requires", "generators", "exports_sources", "url", "license"}
)


def parse(text: str, filename: str = "conanfile.py") -> Declaration:
    if filename.lower().endswith(".txt"):
        return Declaration.no_name("conanfile.txt lists requirements only")
    tree = parse_python(text, filename)
    if isinstance(tree, Declaration):
        return tree
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    classes.sort(key=lambda node: (node.lineno, node.col_offset))
    recipes = _recipe_classes(classes)
    recipe = _named_recipe(classes, recipes)
    if recipe is None:
        if any(_has_method(cls, "set_name") for cls in recipes or classes):
            return Declaration.unsupported("the recipe sets its name in set_name() at run time")
        return Declaration.no_name("the recipe has no name attribute (the name comes from its folder or CLI)")
    env: Env = bind(recipe.body, bind(tree.body, {}))  # class attributes see the module's constants
    name = env.get("name")
    if isinstance(name, str):
        return Declaration.named(name, reason="the ConanFile's name attribute")
    detail = name.detail if isinstance(name, Computed) else "the value is not a string"
    return Declaration.unsupported(f"the recipe name is computed: {detail}")


def _recipe_classes(classes: list[ast.ClassDef]) -> list[ast.ClassDef]:
    """Classes deriving from ConanFile, directly or through a recipe base defined earlier in the file."""
    recipes: list[ast.ClassDef] = []
    for cls in classes:
        bases = {_last_name(base) for base in cls.bases}
        if "ConanFile" in bases or bases & {recipe.name for recipe in recipes}:
            recipes.append(cls)
    return recipes


def _named_recipe(classes: list[ast.ClassDef], recipes: list[ast.ClassDef]) -> ast.ClassDef | None:
    named = [cls for cls in recipes if _binds_name(cls)]
    if named:
        return named[-1]  # a subclass overrides its base, and comes after it
    others = [cls for cls in classes if _binds_name(cls)]
    if len(others) == 1 and (not recipes or _looks_like_recipe(others[0])):
        return others[0]
    return None


def _binds_name(cls: ast.ClassDef) -> bool:
    """A class-level `name = ...` other than `name = None` (which Conan treats as unset)."""
    for statement in cls.body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets = [statement.target]
        value = getattr(statement, "value", None)
        if isinstance(value, ast.Constant) and value.value is None:
            continue
        if "name" in _target_names(targets):
            return True
    return False


def _target_names(targets: list[ast.expr]) -> set[str]:
    """Names bound by assignment targets (`name`, `name, version`), not those merely read (`x[name]`)."""
    found: set[str] = set()
    stack = list(targets)
    while stack:
        target = stack.pop()
        if isinstance(target, ast.Name):
            found.add(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            stack.extend(target.elts)
        elif isinstance(target, ast.Starred):
            stack.append(target.value)
    return found


def _looks_like_recipe(cls: ast.ClassDef) -> bool:
    assigned = {
        target.id
        for statement in cls.body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    return bool(assigned & _RECIPE_ATTRIBUTES)


def _has_method(cls: ast.ClassDef, method: str) -> bool:
    return any(
        isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name == method
        for statement in cls.body
    )


def _last_name(node: ast.expr) -> str:
    """`ConanFile` for `ConanFile`, `conan.ConanFile` and `conans.model.conan_file.ConanFile`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


PARSER = ManifestParser(
    manifest_type="conan",
    key="conan",
    version=2,
    parse=parse,
    filenames=frozenset({"conanfile.py", "conanfile.txt"}),
)
