"""The icarus-omics command line: one Typer app, commands registered by name.

This is the only place that turns :class:`IcarusError` into an exit code:
0 ok, 1 IcarusError (one line on stderr), 2 bad usage (Typer). Anything else is a bug
and crashes with a traceback whose local variables are hidden.
"""

from __future__ import annotations

import errno
import importlib
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer

from icarus_omics import __version__
from icarus_omics.commands import resources
from icarus_omics.commands.params import common_options, stderr, typer_app
from icarus_omics.errors import IcarusError
from icarus_omics.io import summary


def _type_unless_named(parameter: Any, ctx: Any) -> str | None:
    """In --help, a parameter with a plain-words metavar (``VCF``, ``FILE``) shows no
    ``<list[Path]>``-style type beside it (Typer's private help hook, patched once here)."""
    if getattr(parameter, "metavar", None):
        return None
    return str(parameter.display_type(ctx))


setattr(typer.core._TyperParameter, "display_type_rich", _type_unless_named)  # noqa: B010

app = typer_app(
    "icarus-omics",
    "Genomic and transcriptomic biomarker analysis of a targeted-therapy cancer trial.",
)

# command name -> its module in icarus_omics.commands (the function has the module's name);
# imported when registered, so that a command starts without importing every other one
COMMANDS: dict[str, str] = {
    "wes-filter": "wes_filter",
    "wes-annotate": "wes_annotate",
    "cna": "cna",
    "oncokb": "oncokb",
    "alterations": "alterations",
    "signatures": "signatures",
    "rna-de": "rna_de",
    "gsea": "gsea",
    "pam50": "pam50",
    "pfs-signature": "pfs_signature",
    "clinical": "clinical",
    "target-expression": "target_expression",
    "evaluate": "evaluate",
    "run": "run",
    "demo": "demo",
}
_registered: set[str] = set()


def register(names: list[str] | None = None) -> None:
    """Add the commands ``names`` (default: all, in COMMANDS order) to the app, once each."""
    for name in names or list(COMMANDS):
        if name in _registered:
            continue
        module = importlib.import_module(f"icarus_omics.commands.{COMMANDS[name]}")
        app.command(name=name)(common_options(getattr(module, COMMANDS[name])))
        _registered.add(name)


app.add_typer(resources.app, name="resources")


def _print_version(value: bool) -> None:
    if value:
        print(f"icarus-omics {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Genomic and transcriptomic biomarker analysis of a targeted-therapy cancer trial."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: unwind (staged outputs are discarded) and exit 128 + N."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


@contextmanager
def _signals_caught() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted`, even where the shell that started
    us ignores SIGINT (a background job), so every way of stopping a run cleans up; the
    previous handlers come back afterwards (the CLI may run inside another program)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, _on_signal) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fail(message: str, code: int) -> NoReturn:
    stderr.print(f"error: {_one_line(message)}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)


def _usage_message(error: typer.TyperException) -> str:
    """Click's usage error as one line, with where to look for help."""
    message = error.format_message()
    context = getattr(error, "ctx", None)
    if context is not None:
        message += f" (see '{context.command_path} --help')"
    return message


def main(argv: list[str] | None = None) -> None:
    """Run the CLI: exit 0 ok, 1 IcarusError, 2 bad usage, 130/143 interrupted; every
    failure is one ``error: ...`` line on stderr."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    summary.begin(arguments)
    # the one command asked for, else every command (for --help, --version, a typo)
    register([arguments[0]] if arguments and arguments[0] in COMMANDS else None)
    try:
        with _signals_caught():
            app(args=arguments, standalone_mode=False)
    except IcarusError as error:
        _fail(str(error), 1)
    except Interrupted as stop:
        _fail("interrupted", 128 + stop.signum)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort as abort:
        if isinstance(abort.__context__, EOFError):  # gzip / reader hit a truncated input
            _fail(f"an input ended early (truncated file?): {abort.__context__}", 1)
        _fail("interrupted", 130)
    except typer.TyperException as error:  # click's usage errors (Typer vendors click)
        if type(error).__name__ == "NoArgsIsHelpError":
            error.show()  # type: ignore[attr-defined]
            sys.exit(2)
        _fail(_usage_message(error), getattr(error, "exit_code", 2))
    except OSError as error:
        if error.errno not in _ENVIRONMENT_ERRORS:
            raise
        where = f"{error.filename}: " if error.filename else ""
        _fail(f"{where}{error.strerror or error}", 1)


# Errors of the machine or the user's files rather than bugs: one line, exit 1.
_ENVIRONMENT_ERRORS = {
    errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT,
    errno.EISDIR, errno.ENOTDIR, errno.EFBIG, errno.EIO, errno.EMFILE, errno.ENAMETOOLONG,
}  # fmt: skip
