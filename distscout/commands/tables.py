"""Every table the CLI prints, built one way: values from outside printed literally, names never cut.

- **Literal.** Names, paths, reasons and errors come from repositories, registries and upstreams. A cell is
  a `rich.text.Text`, never a markup string, so `[link=https://x.example]click[/link]` in a package name is
  printed as those characters and never becomes a terminal hyperlink; control characters (an escape
  sequence, a newline) and bidirectional overrides are shown as `\\x1b`-style escapes, never sent to the
  terminal. Titles are `Text` too: they may carry a package name.
- **Folding by priority.** A column is a KEY (package names, manifest paths, repositories: never
  truncated nor ellipsized, printed whole on one line), TEXT (reasons, errors: wrap at words) or SHORT
  (types, verdicts, counts, dates: one line). At the terminal's width, until the KEY columns fit whole:
  SHORT columns with a `drop` rank are left out (highest rank first), then adjacent KEY columns are
  stacked in one (`repo / manifest`: the two names one above the other), then TEXT columns with a `drop`
  rank are left out; a note on stderr names what was left out and says `--wide` or `--json` shows all.
  `--wide` prints every column at its full width, whatever the terminal's. Only a single name longer
  than the terminal itself is folded onto a second line (never cut).
- **Records when nothing else fits.** Where even the columns never left out cannot fit (a 40-column
  terminal), each row is printed as a record of `header: value` lines, as psql's expanded display.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

TEXT_MIN = 12  # a wrapping column is not squeezed below this many characters to make room
_BORDERS = 1  # the table's left edge; each column adds its padding (2) and its right border (1)
# C0 and C1 controls and DEL; the bidirectional embeddings, overrides and isolates ("Trojan Source")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


class Role(Enum):
    KEY = "key"  # a name or a path: never cut
    TEXT = "text"  # prose: wraps
    SHORT = "short"  # a word, a number, a date: one line


@dataclass(frozen=True)
class Column:
    header: str
    role: Role = Role.SHORT
    drop: int = 0  # 0: always shown; otherwise left out at narrow widths, the highest rank first
    justify: Literal["left", "right"] = "left"


def key(header: str) -> Column:
    return Column(header, Role.KEY)


def text(header: str, drop: int = 0) -> Column:
    return Column(header, Role.TEXT, drop)


def short(header: str, drop: int = 0, justify: Literal["left", "right"] = "left") -> Column:
    return Column(header, Role.SHORT, drop, justify)


def visible(value: str) -> str:
    """`value` with every control character written as an escape (`\\x1b`, `\\n`), none sent as is."""
    return _UNSAFE.sub(lambda m: _ESCAPES.get(m[0]) or repr(m[0])[1:-1], value)


def cell(value: Any) -> Text:
    """A table cell: literal text (never markup), `-` for nothing. A `Text` is taken as built."""
    if isinstance(value, Text):
        return value
    if value is None or value == "":
        return Text("-")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    return Text(visible(str(value)))


def print_table(
    console: Console,
    title: str | Text,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    wide: bool = False,
    notes: Console | None = None,
) -> None:
    """Print `rows` under `columns` on `console`; the columns left out at its width are named on `notes`."""
    cells = [[cell(value) for value in row] for row in rows]
    natural = [
        max([len(column.header), *(row[index].cell_len for row in cells)])
        for index, column in enumerate(columns)
    ]
    groups = [[index] for index in range(len(columns))]
    if not wide:
        groups = _fitting(columns, natural, console.width)
        if _least(columns, natural, groups) > console.width:
            _print_records(console, title, columns, cells)
            return
    table = Table(title=title if isinstance(title, Text) else Text(visible(title)))
    keys_fit = wide or _needed(columns, natural, groups) <= console.width
    for group in groups:
        column = columns[group[0]]
        header = " / ".join(columns[index].header for index in group)
        if wide or column.role is Role.SHORT:
            table.add_column(header, justify=column.justify, no_wrap=True)
        elif column.role is Role.KEY:
            # whole on one line; only a name wider than the terminal itself folds (never an ellipsis)
            table.add_column(header, no_wrap=keys_fit, overflow="fold", min_width=len(column.header))
        else:
            table.add_column(header, overflow="fold", min_width=min(natural[group[0]], TEXT_MIN))
    for row in cells:
        table.add_row(*(Text("\n").join(row[index] for index in group) for group in groups))
    target = console
    total = _width([_group_width(columns, natural, group, stacked=True) for group in groups])
    if wide and total > console.width:  # every column at its full width, wider than the terminal
        target = Console(width=total, highlight=False, file=console.file)
    target.print(table)
    shown = {index for group in groups for index in group}
    left_out = [column.header for index, column in enumerate(columns) if index not in shown]
    if left_out:
        (notes or console).print(
            f"note: at {console.width} columns {', '.join(left_out)} left out; "
            "--wide or --json shows every column",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _print_records(
    console: Console, title: str | Text, columns: Sequence[Column], cells: list[list[Text]]
) -> None:
    """Each row as a record, a `header: value` line a column (psql's expanded display, which its `\\x auto`
    chooses when a table is wider than the terminal): at a width where even the columns that are never left
    out cannot fit, a table squeezed its cells to nothing or cut the numbers themselves."""
    console.print(title if isinstance(title, Text) else Text(visible(title)), style="bold", soft_wrap=False)
    for number, row in enumerate(cells, 1):
        console.print(Text(f"-[ {number} ]-", style="dim"))
        for column, value in zip(columns, row, strict=True):
            label = (f"{column.header}: ", "bold") if column.header else ""
            console.print(Text.assemble(label, value))  # a pipe gets the line whole, a terminal wraps it


def _width(widths: Sequence[int]) -> int:
    return _BORDERS + sum(width + 3 for width in widths)


def _group_width(
    columns: Sequence[Column], natural: Sequence[int], group: list[int], *, stacked: bool
) -> int:
    """A shown column's width: stacked names as wide as the widest; TEXT wrapped to TEXT_MIN unless whole."""
    if columns[group[0]].role is Role.TEXT and not stacked:
        return min(natural[group[0]], TEXT_MIN)
    return max(natural[index] for index in group)


def _needed(columns: Sequence[Column], natural: Sequence[int], groups: list[list[int]]) -> int:
    """The narrowest the shown columns can be: KEY and SHORT whole, TEXT wrapped to TEXT_MIN."""
    return _width([_group_width(columns, natural, group, stacked=False) for group in groups])


def _least(columns: Sequence[Column], natural: Sequence[int], groups: list[list[int]]) -> int:
    """The narrowest the table can be at all: names folded to their header's width (a name wider than the
    terminal folds), SHORT columns whole, TEXT wrapped to TEXT_MIN."""
    widths = [
        max(len(columns[i].header) for i in group)
        if columns[group[0]].role is Role.KEY
        else _group_width(columns, natural, group, stacked=False)
        for group in groups
    ]
    return _width(widths)


def _fitting(columns: Sequence[Column], natural: Sequence[int], width: int) -> list[list[int]]:
    """The columns to show at `width`, by priority: droppable SHORT ones left out (highest rank first); then
    adjacent names stacked in one column (`repo / manifest`, one above the other, each whole); then
    droppable TEXT ones left out."""
    groups = [[index] for index in range(len(columns))]

    def fits() -> bool:
        return _needed(columns, natural, groups) <= width

    def drop(role: Role) -> None:
        chosen = [i for i, c in enumerate(columns) if c.drop and c.role is role]
        for index in sorted(chosen, key=lambda i: -columns[i].drop):
            if fits():
                return
            groups.remove([index])

    drop(Role.SHORT)
    while not fits():
        pair = next(
            (
                at
                for at in range(len(groups) - 1)
                if all(columns[i].role is Role.KEY for i in groups[at] + groups[at + 1])
            ),
            None,
        )
        if pair is None:
            break
        groups[pair : pair + 2] = [groups[pair] + groups[pair + 1]]
    drop(Role.TEXT)
    return groups
