"""`distscout demo`: the offline main job — the bundled demo world, scanned into a fresh SQLite file."""

from __future__ import annotations

import shlex
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from distscout.commands import doctor as doctor_command
from distscout.commands import stats as stats_command
from distscout.commands.common import database, err, fail, out, quiet_retries, settings

if TYPE_CHECKING:
    from distscout.demo.run import DemoRun
    from distscout.worker.runner import ScanReport


def register(app: typer.Typer) -> None:
    app.command()(demo)


def default_demo_file() -> Path:
    current = settings()
    if current.database_url.startswith("sqlite:///"):
        return Path(current.database_url.removeprefix("sqlite:///")).expanduser().parent / "demo.db"
    return Path.home() / ".local" / "share" / "distscout" / "demo.db"


def demo(
    database_file: Annotated[
        Path | None, typer.Option(help="SQLite file to (re)create (default: demo.db in the data directory).")
    ] = None,
) -> None:
    """Scan distscout's bundled demo world (served offline by the emulator) and show what it finds."""
    from distscout.demo.run import run_demo  # noqa: PLC0415 - lazy: start-up (the emulator, the scanner)

    path = (database_file or default_demo_file()).expanduser().resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    err.print(
        "Serving the demo world offline (34 fictional repositories, 3 of them on GitLab) and scanning it…",
        markup=False,
    )
    quiet_retries()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415 - lazy

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
    ) as progress:
        task = progress.add_task("scanning", total=None)

        def advance(_: ScanReport) -> None:
            progress.advance(task)

        result = run_demo(path, on_report=advance)
    _tell(result, path)


def command_name() -> str:
    """How to run this distscout again: `distscout` when that is the one on PATH, else the script's path
    (a checkout's `.venv/bin/distscout`, which a fresh shell would not find by name)."""
    script = Path(sys.argv[0])
    if script.name != "distscout":  # `python -m …`, a test runner: the script beside the interpreter
        script = Path(sys.executable).parent / "distscout"
        if not script.is_file():
            return "distscout"
    on_path = shutil.which("distscout")
    if on_path is not None and Path(on_path).resolve() == script.resolve():
        return "distscout"
    return shlex.quote(str(script.absolute()))


def _tell(result: DemoRun, path: Path) -> None:
    from distscout.store.queries import fleet_stats, orphans, unclaimed  # noqa: PLC0415 - lazy: start-up

    first = Counter(r.verdict.value if r.verdict else "lost" for r in result.first_pass)
    out.print(
        f"First pass: {len(result.first_pass)} repositories scanned — "
        + ", ".join(f"{n} {verdict}" for verdict, n in sorted(first.items())),
        markup=False,
    )
    if result.second_pass:
        out.print(
            f"ecosyste.ms was down at first (the demo's fault plan): {len(result.second_pass)} partial "
            "scans were re-claimed first once it came back, and completed.",
            markup=False,
        )
    with (
        database(settings().model_copy(update={"database_url": result.database_url})) as engine,
        engine.connect() as connection,
    ):
        stats_command.show_fleet(fleet_stats(connection).as_dict(), as_json=False)
        stats_command.show_rows(
            orphans(connection),
            False,
            ("orphan manifest (intent, never published)", "orphan manifests (intent, never published)"),
            stats_command.ORPHAN_COLUMNS,
        )
        stats_command.show_rows(
            unclaimed(connection),
            False,
            ("unclaimed package (published, no manifest)", "unclaimed packages (published, no manifest)"),
            stats_command.UNCLAIMED_COLUMNS,
        )
    out.print("\nBefore a real fleet scan, check the upstreams with your own credentials (distscout doctor):")
    doctor_command.show(result.preflight)
    url = shlex.quote(f"sqlite:///{path}")
    run = command_name()
    hints = [
        f"export DISTSCOUT_DATABASE_URL={url}",
        f"{run} stats --repo lumen-labs/prism-js     # one repository: registry rows, manifests, history",
        f"{run} export --format csv --table orphans  # the orphan report as CSV",
        f"{run} serve --no-workers                   # the dashboard: http://127.0.0.1:8080/",
        f"{run} doctor                               # the pre-flight of the upstreams you configure",
    ]
    out.print(f"\nDone in {result.seconds:.1f} s. The results are in {path}. Explore them:", markup=False)
    for hint in hints:
        out.print(f"  {hint}", markup=False, soft_wrap=True)
