"""What the commands print is wrapped for a person at a terminal only: to a pipe, a file or a daemon's
journal each message is one line, whatever its length (a fleet worker's scan lines are grepped and
shipped as log lines)."""

from __future__ import annotations

import io

from distscout.commands.common import LineConsole

MESSAGE = "github.com/" + "an-organisation-with-a-long-name/" * 3 + "repo: complete (3 registry, 4 manifests)"


def test_a_long_message_to_a_pipe_is_one_line() -> None:
    sink = io.StringIO()
    LineConsole(file=sink, highlight=False, width=40).print(MESSAGE, markup=False)
    assert sink.getvalue() == MESSAGE + "\n"


def test_a_long_message_to_a_terminal_is_wrapped_to_its_width() -> None:
    sink = io.StringIO()
    LineConsole(file=sink, highlight=False, width=40, force_terminal=True).print(MESSAGE, markup=False)
    lines = sink.getvalue().splitlines()
    assert len(lines) > 1 and all(len(line) <= 40 for line in lines)
    assert " ".join(line.strip() for line in lines).replace(" ", "") == MESSAGE.replace(" ", "")


def test_an_explicit_choice_is_kept() -> None:
    sink = io.StringIO()
    console = LineConsole(file=sink, highlight=False, width=40, force_terminal=True, soft_wrap=True)
    console.print(MESSAGE, markup=False)
    assert sink.getvalue().count("\n") == 1


def test_a_pipe_that_asks_for_colours_keeps_its_lines_whole() -> None:
    """FORCE_COLOR and TTY_COMPATIBLE (CI systems, container logs) make rich call a pipe a terminal:
    colours, but no wrapping."""
    for environ in ({"FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "1"}):
        sink = io.StringIO()
        console = LineConsole(file=sink, width=40, _environ=environ)
        console.print(f"[bold]{MESSAGE}[/bold]")
        assert console.is_terminal, "rich's own view: colours"
        assert "\x1b[1m" in sink.getvalue() and sink.getvalue().count("\n") == 1, environ
