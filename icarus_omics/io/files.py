"""Atomic outputs: a command's files appear together, complete, or not at all."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from icarus_omics.errors import IcarusError


class Staging:
    """Temporary paths in the output directory, renamed to their real names on commit."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self._pending: dict[Path, Path] = {}
        self._scratch: Path | None = None
        self._folders: list[Path] = []

    def scratch(self) -> Path:
        """A private working folder in the output directory, removed at the end."""
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix=".icarus-", dir=self.outdir))
        return self._scratch

    def _remove_scratch(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def path(self, name: str) -> Path:
        """A temporary path that becomes ``outdir/name`` when the command succeeds;
        ``name`` may include subfolders, made as needed (and removed again on failure).

        Second line of defence behind :func:`safe_name`: a path that does not resolve
        inside the output folder is refused."""
        final = self.outdir / name
        inside_outdir(self.outdir, final)
        temporary = final.parent / f".{final.name}.{os.getpid()}.partial"
        if not final.parent.exists():
            for folder in reversed([final.parent, *final.parent.parents]):
                if not folder.exists():
                    folder.mkdir()
                    self._folders.append(folder)
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
        self._remove_scratch()
        return done

    def discard(self) -> None:
        """Delete every staged file."""
        for temporary in self._pending.values():
            temporary.unlink(missing_ok=True)
        self._pending.clear()
        self._remove_scratch()
        for folder in reversed(self._folders):  # deepest first; only if we made them empty
            if folder.exists() and not any(folder.iterdir()):
                folder.rmdir()
        self._folders.clear()


# Characters that must never reach a file name taken from data (sample, barcode, prefix).
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")


def safe_name(name: str, what: str) -> str:
    """Return ``name`` when it is safe as part of an output file name, else refuse it.

    One rule for every name that reaches the file system (``--prefix``, a VCF sample, a
    MAF barcode, a catalogue column): no ``/`` or ``\\``, no ``..``, no NUL or control
    character, no leading ``-`` or ``.``, not empty. ``what`` names the source in the
    error, e.g. ``"tumour sample"``; the message points at ``--prefix``.
    """
    problem = ""
    if not name:
        problem = "is empty"
    elif _UNSAFE.search(name):
        problem = "contains a path separator or a control character"
    elif ".." in name:
        problem = "contains '..'"
    elif name[0] in "-.":
        problem = f"starts with '{name[0]}'"
    if problem:
        raise IcarusError(
            f"{what} {name!r} {problem} and cannot be used in an output file name; "
            "rename it or set --prefix"
        )
    return name


def inside_outdir(outdir: Path, path: Path) -> Path:
    """Refuse ``path`` unless it resolves inside ``outdir`` (symlinks followed)."""
    root = outdir.resolve()
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise IcarusError(f"output path {path} resolves outside the output folder {outdir}")
    return path


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


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (resource integrity; which gene-set file a run used)."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
