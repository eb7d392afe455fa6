"""Signature matrices (COSMIC/SigProfiler and MutationalPatterns layouts) and shortlists.

Readers take paths: the command resolves bundled names (``cosmic-v3.2``, ``breast``) to
files through :mod:`icarus_omics.resources` first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from icarus_omics.errors import IcarusError
from icarus_omics.io.tables import read_gene_list, read_tsv

if TYPE_CHECKING:
    import pandas as pd


def read_signatures(path: Path) -> pd.DataFrame:
    """A 96-channel x signature matrix from a file in SigProfiler (``Type`` + signatures;
    COSMIC's layout, plain or gzipped) or MutationalPatterns (``Type``, ``Subtype`` +
    signatures) layout. Channels (index ``MutationType``) are named like ``A[C>T]G``;
    values are floats (each column a distribution over the channels)."""
    if not path.is_file():
        raise IcarusError(f"signature matrix {path} is not a file")
    table = _read(path)
    columns = list(table.columns)
    if columns[:2] == ["Type", "Subtype"]:
        names = [f"{s[0]}[{t}]{s[2]}" for t, s in zip(table["Type"], table["Subtype"], strict=True)]
        table = table.drop(columns=["Type", "Subtype"]).set_axis(names, axis=0)
    else:
        table = table.set_index(columns[0])
    table.index.name = "MutationType"
    try:
        return table.astype(float)
    except ValueError:
        raise IcarusError(f"{path}: signature values must be numbers") from None


def _read(path: Path) -> pd.DataFrame:
    if path.name.endswith(".gz"):
        import gzip
        import io

        import pandas as pd

        with gzip.open(path, "rt") as handle:
            return pd.read_csv(
                io.StringIO(handle.read()), sep="\t", dtype=str, keep_default_na=False
            )
    return read_tsv(path, what="signature matrix")


def read_signature_set(path: Path, shortlist: str | Path | list[str]) -> pd.DataFrame:
    """The shortlisted columns of a signature matrix (:func:`read_signatures`): 96 channels
    x signatures in shortlist order; ``shortlist`` is a list of names or a
    :func:`read_shortlist` source."""
    matrix = read_signatures(path)
    available = list(matrix.columns)
    names = shortlist if isinstance(shortlist, list) else read_shortlist(shortlist, available)
    return matrix[names]


def read_shortlist(source: str | Path, available: list[str]) -> list[str]:
    """Signature names from ``all``, a file (one name per line, ``#`` comments) or a
    comma-separated list; every name must be in ``available`` (the matrix's columns)."""
    if str(source) == "all":
        return list(available)
    if Path(source).is_file():
        names = read_gene_list(Path(source))
    else:
        names = [n.strip() for n in str(source).split(",") if n.strip()]
    missing = [n for n in names if n not in available]
    if missing:
        raise IcarusError(
            f"shortlist {str(source)!r} names signatures missing from the signature set: "
            f"{', '.join(missing[:5])}"
        )
    return names
