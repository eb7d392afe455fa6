"""Atomic outputs: a command's files appear together, complete, or not at all.

Staged files are named ``.NAME.icarus-HOST-PID.partial`` and scratch folders
``.icarus-HOST-PID-XXXX``, so that a later run into the same folder can tell the leftovers
of a killed run of ours (same host, process gone) from anything else, and remove only
those. Writing errors of the machine (disk full, quota, read-only) become one line naming
the path.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
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
            self._scratch = Path(tempfile.mkdtemp(prefix=f".{_owner()}-", dir=self.outdir))
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
        temporary = final.parent / f".{final.name}.{_owner()}.partial"
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


def safe_name(name: str, what: str, advice: str = "rename it or set --prefix") -> str:
    """Return ``name`` when it is safe as part of an output file name, else refuse it.

    One rule for every name that reaches the file system (``--prefix``, a VCF sample, a
    MAF barcode, a catalogue column): no ``/`` or ``\\``, no ``..``, no NUL or control
    character, no leading ``-`` or ``.``, not empty. ``what`` names the source in the
    error, e.g. ``"tumour sample"``; ``advice`` ends it (by default: ``--prefix``).
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
            f"{what} {name!r} {problem} and cannot be used in an output file name; {advice}"
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


def _owner() -> str:
    """``icarus-HOST-PID``: who staged a file (dots dropped from the host name)."""
    return f"icarus-{socket.gethostname().replace('.', '_')}-{os.getpid()}"


_LEFTOVER = re.compile(r"^\.(?:.+\.)?icarus-(?P<host>[^.]+)-(?P<pid>\d+)(?:\.partial|-\w+)$")


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's live process
        return True
    return True


def remove_leftovers(outdir: Path, depth: int = 3) -> list[Path]:
    """Remove staged files and scratch folders left in ``outdir`` by killed runs of ours.

    Only names that match our staging pattern, written on this host by a process that no
    longer exists, are touched; other files and live runs are left alone. Returns what was
    removed.
    """
    host = socket.gethostname().replace(".", "_")
    removed = []
    for folder, subfolders, files in os.walk(outdir):
        level = Path(folder).relative_to(outdir).parts
        for name in [*files, *subfolders]:
            match = _LEFTOVER.match(name)
            if not match or match["host"] != host or _is_alive(int(match["pid"])):
                continue
            path = Path(folder) / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
        subfolders[:] = [d for d in subfolders if len(level) < depth and not _LEFTOVER.match(d)]
    return removed


# Errors that mean the machine could not take the outputs (not a bug, not bad input).
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


@contextmanager
def staged_outputs(outdir: Path) -> Iterator[Staging]:
    """Stage a command's outputs; publish them all on success, none on any failure."""
    staging = Staging(make_outdir(outdir))
    remove_leftovers(staging.outdir)
    try:
        yield staging
    except OSError as error:
        staging.discard()
        if error.errno not in _WRITE_ERRORS:
            raise
        where = error.filename or outdir
        raise IcarusError(f"cannot write {where}: {error.strerror}") from None
    except BaseException:
        staging.discard()
        raise
    try:
        staging.commit()
    except OSError as error:
        staging.discard()
        raise IcarusError(f"cannot publish outputs in {outdir}: {error.strerror}") from None


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (resource integrity; which gene-set file a run used)."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
