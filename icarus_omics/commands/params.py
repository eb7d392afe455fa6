"""Option types, the stderr console and progress display shared by all commands."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

# Messages and progress go to stderr; stdout carries only what a command exists to print.
# User text is printed literally: no markup (``[x]``), no emoji codes (``a:b:``), and a
# message is never wrapped into two lines when stderr is a file or a pipe.
stderr = Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)

OutDir = Annotated[
    Path,
    typer.Option(
        "-o",
        "--outdir",
        file_okay=False,
        help="Directory for the outputs; created if missing.",
    ),
]
Prefix = Annotated[
    str | None,
    typer.Option(help="Name used for per-sample outputs; default: the tumour sample name."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


def input_path(help_text: str) -> object:
    """A Typer argument for an existing, readable input file."""
    return typer.Argument(
        help=help_text, exists=True, dir_okay=False, readable=True, resolve_path=False
    )


class Tick(Protocol):
    """Advance a progress display by ``n`` units."""

    def __call__(self, n: int = 1) -> None: ...


@contextmanager
def progress(description: str, unit: str = "records") -> Iterator[Tick]:
    """Show a live counter on a terminal; do nothing in a pipeline (stderr not a TTY)."""
    if not sys.stderr.isatty():
        yield lambda n=1: None
        return
    columns = (
        SpinnerColumn(),
        TextColumn(f"{description}: {{task.completed:,.0f}} {unit}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda n=1: bar.advance(task, n)


def say(message: str, quiet: bool = False) -> None:
    """Print one summary line on stderr unless ``quiet``."""
    if not quiet:
        stderr.print(message, markup=False, highlight=False, soft_wrap=True)
