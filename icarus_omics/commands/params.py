"""Option types, the stderr console and progress display shared by all commands.

Declared once here: ``-o/--outdir``, ``--prefix``, ``--threads`` (default
:data:`DEFAULT_THREADS`), ``-q/--quiet``, and, added to every command by
:func:`common_options` (applied in ``cli.py``), ``-v/--verbose`` and ``--log-file``.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Any, Protocol

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from icarus_omics.errors import IcarusError

# Messages and progress go to stderr; stdout carries only what a command exists to print.
# User text is printed literally: no markup (``[x]``), no emoji codes (``a:b:``), and a
# message is never wrapped into two lines when stderr is a file or a pipe.
stderr = Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)

OutDir = Annotated[
    Path,
    typer.Option(
        "-o",
        "--outdir",
        metavar="DIR",
        file_okay=False,
        help="Directory for the outputs; created if missing.",
    ),
]
Prefix = Annotated[
    str | None,
    typer.Option(
        metavar="NAME", help="Name used for per-sample outputs; default: the tumour sample name."
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
# Two worker processes by default on every command that can split its work: what a
# two-core node gives; outputs are the same bytes for any value.
DEFAULT_THREADS = 2
Threads = Annotated[
    int,
    typer.Option(
        "--threads", "-t", min=1, max=256, metavar="N",
        help=f"Worker processes (default {DEFAULT_THREADS}); outputs do not depend on it.",
    ),
]  # fmt: skip


class FigureKind(str, Enum):
    """The file formats figures can be written in."""

    png = "png"
    svg = "svg"
    pdf = "pdf"


FigureFormat = Annotated[
    FigureKind,
    typer.Option("--figure-format", help="Figure file format (PNG at 300 dpi)."),
]
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Also print the details of each step.")
]
LogFile = Annotated[
    Path | None,
    typer.Option(
        "--log-file", metavar="FILE", dir_okay=False, help="Also append every message to this file."
    ),
]


def typer_app(name: str, help_text: str) -> typer.Typer:
    """A Typer app (the CLI, or a command group) with the suite's settings: help when called
    bare, no completion installer, no local variables in tracebacks, markdown help."""
    return typer.Typer(
        name=name,
        help=help_text,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
        rich_markup_mode="markdown",
    )


class _Tee:
    """stderr and a log file at once."""

    def __init__(self, log: IO[str]) -> None:
        self.log = log

    def write(self, text: str) -> int:
        sys.stderr.write(text)
        self.log.write(text)
        return len(text)

    def flush(self) -> None:
        sys.stderr.flush()
        self.log.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


_VERBOSE = False


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``-v/--verbose`` and ``--log-file`` to ``command`` (one declaration for all)."""

    @functools.wraps(command)
    def run(*args: Any, verbose: bool = False, log_file: Path | None = None, **kwargs: Any) -> Any:
        global _VERBOSE
        _VERBOSE = verbose
        if log_file is None:
            return command(*args, **kwargs)
        previous = stderr.file
        try:
            with open(log_file, "a", encoding="utf-8") as log:
                stderr.file = _Tee(log)  # type: ignore[assignment]
                return command(*args, **kwargs)
        finally:
            stderr.file = previous

    signature = inspect.signature(command, eval_str=True)  # Annotated options, resolved
    keyword = inspect.Parameter.KEYWORD_ONLY
    extra = [
        inspect.Parameter("verbose", keyword, default=False, annotation=Verbose),
        inspect.Parameter("log_file", keyword, default=None, annotation=LogFile),
    ]
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    run.__annotations__ = {
        **{name: p.annotation for name, p in signature.parameters.items()},
        "return": signature.return_annotation,
        "verbose": Verbose,
        "log_file": LogFile,
    }
    return run


def detail(message: str) -> None:
    """Print a line on stderr only with ``-v/--verbose``."""
    if _VERBOSE:
        stderr.print(message, markup=False, highlight=False, soft_wrap=True)


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


def warn(message: str) -> None:
    """Print ``warning: message`` on stderr, even with ``--quiet``: a warning is something
    the user must not miss."""
    stderr.print(f"warning: {message}", markup=False, highlight=False, soft_wrap=True)


def months(text: str, option: str = "--landmarks") -> tuple[float, ...]:
    """Comma-separated positive months (``6,12``), sorted and unique; empty text: none."""
    import math

    if not text.strip():
        return ()
    try:
        values = tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError:
        values = (-1.0,)
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise IcarusError(f"{option} {text!r}: give positive months separated by commas")
    return tuple(sorted(set(values)))


def key_values(items: list[str], option: str, form: str) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict (``--reference MARKER=LEVEL``, ``--where C=V``)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise IcarusError(f"{option} {item!r}: give {form}")
        out[key.strip()] = value.strip()
    return out
