"""The shape the design asks for, checked on the source: the store stores (it never imports the scan
stack), and one place builds the running application (the scan's clients and cache, dispatcher, batch)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "distscout"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _calls(path: Path) -> set[str]:
    return {
        node.func.id
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


def test_the_store_never_imports_the_scan_stack() -> None:
    scan_stack = ("distscout.scanner", "distscout.sources", "distscout.upstreams", "distscout.worker")
    for path in (PACKAGE / "store").rglob("*.py"):
        wrong = {m for m in _imports(path) if m.startswith(scan_stack)}
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_the_store_keeps_sql_and_the_rows_are_derived_outside_it() -> None:
    """What rows captures stand for is pure (`distscout.rows`, beside `interpret`); `store/` runs SQL."""
    rows = _imports(PACKAGE / "rows.py")
    assert not {m for m in rows if m.startswith(("distscout.store", "sqlalchemy"))}, rows
    assert "def derived_rows" not in (PACKAGE / "store" / "derive.py").read_text(encoding="utf-8")


def test_one_place_builds_the_running_application() -> None:
    """`Application` alone builds the dispatcher, a batch, and the scan's clients over the store's cache;
    elsewhere clients are built without the cache only to probe or list (doctor, `repos add`)."""
    builders = {"Dispatcher", "BatchScan", "StoreConditionalCache"}
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "bench").glob("*.py")]:
        if path.name == "app.py" and path.parent == PACKAGE:
            continue
        built = _calls(path) & builders
        assert not built, f"{path.relative_to(ROOT)} builds {built} itself: use distscout.app.Application"
