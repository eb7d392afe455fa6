"""Atomic outputs: a command's files appear together, complete, or not at all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from icarus_omics.errors import IcarusError


class Staging:
    """Temporary paths in the output directory, renamed to their real names on commit."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self._pending: dict[Path, Path] = {}

    def path(self, name: str) -> Path:
        """A temporary path that becomes ``outdir/name`` when the command succeeds."""
        final = self.outdir / name
        temporary = self.outdir / f".{name}.{os.getpid()}.partial"
        self._pending[final] = temporary
        return temporary

    def commit(self) -> list[Path]:
        """Rename every staged file that was written to its final name."""
        done = []
        for final, temporary in self._pending.items():
            if temporary.exists():
                os.replace(temporary, final)
                done.append(final)
        self._pending.clear()
        return done

    def discard(self) -> None:
        """Delete every staged file."""
        for temporary in self._pending.values():
            temporary.unlink(missing_ok=True)
        self._pending.clear()


def make_outdir(outdir: Path) -> Path:
    """Create ``outdir`` (and parents) or fail with a one-line error."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise IcarusError(f"cannot create output directory {outdir}: {error.strerror}") from None
    if not os.access(outdir, os.W_OK):
        raise IcarusError(f"output directory {outdir} is not writable")
    return outdir


@contextmanager
def staged_outputs(outdir: Path) -> Iterator[Staging]:
    """Stage a command's outputs; publish them all on success, none on any failure."""
    staging = Staging(make_outdir(outdir))
    try:
        yield staging
    except BaseException:
        staging.discard()
        raise
    staging.commit()
