"""The icarus-omics command line: one Typer app, commands registered by name.

This is the only place that turns :class:`IcarusError` into an exit code:
0 ok, 1 IcarusError (one line on stderr), 2 bad usage (Typer). Anything else is a bug
and crashes with a traceback whose local variables are hidden.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from icarus_omics import __version__
from icarus_omics.commands import (
    alterations,
    cna,
    demo,
    gsea,
    oncokb,
    resources,
    rna_de,
    signatures,
    wes_annotate,
    wes_filter,
)
from icarus_omics.commands.params import stderr
from icarus_omics.errors import IcarusError

app = typer.Typer(
    name="icarus-omics",
    help="Genomic and transcriptomic biomarker analysis of a targeted-therapy cancer trial.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

COMMANDS: dict[str, Callable[..., Any]] = {
    "wes-filter": wes_filter.wes_filter,
    "wes-annotate": wes_annotate.wes_annotate,
    "cna": cna.cna,
    "oncokb": oncokb.oncokb,
    "alterations": alterations.alterations,
    "signatures": signatures.signatures,
    "rna-de": rna_de.rna_de,
    "gsea": gsea.gsea,
    "demo": demo.demo,
}
for _name, _function in COMMANDS.items():
    app.command(name=_name)(_function)
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


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map IcarusError to a one-line message and exit code 1."""
    try:
        app(args=argv, standalone_mode=False)
    except IcarusError as error:
        stderr.print(f"error: {error}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        stderr.print("aborted", markup=False)
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # click usage errors carry their own exit code
        exit_code = getattr(error, "exit_code", None)
        show = getattr(error, "show", None)
        if exit_code is not None and callable(show):
            show()
            sys.exit(exit_code)
        raise
