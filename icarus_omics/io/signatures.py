"""Signature matrices (COSMIC/SigProfiler and MutationalPatterns layouts) and shortlists."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from icarus_omics.errors import IcarusError
from icarus_omics.io.tables import read_gene_list, read_tsv
from icarus_omics.resources import bundled_path

if TYPE_CHECKING:
    import pandas as pd

BUNDLED = {
    "cosmic-v3.2": "signatures/COSMIC_v3.2_SBS_GRCh37.txt.gz",
    "cosmic-v3.2-exome": "signatures/COSMIC_v3.2_SBS_GRCh37_exome.txt.gz",
}
SHORTLISTS = {"breast": "signatures/breast_shortlist.txt"}


def read_signatures(source: str) -> pd.DataFrame:
    """A 96-channel x signature matrix from a bundled name (``cosmic-v3.2``,
    ``cosmic-v3.2-exome``) or a file in SigProfiler (``Type`` + signatures) or
    MutationalPatterns (``Type``, ``Subtype`` + signatures) layout. Channels are named
    like ``A[C>T]G``; values are floats."""
    path = bundled_path(BUNDLED[source]) if source in BUNDLED else Path(source)
    if not path.is_file():
        known = ", ".join(BUNDLED)
        raise IcarusError(f"signature set {source!r} is neither a file nor a bundled set ({known})")
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


def read_shortlist(source: str, available: list[str]) -> list[str]:
    """Signature names from ``breast`` (the study's 21, bundled), ``all``, a file (one name
    per line) or a comma-separated list; every name must be in ``available``."""
    if source == "all":
        return list(available)
    if source in SHORTLISTS:
        names = read_gene_list(bundled_path(SHORTLISTS[source]))
    elif Path(source).is_file():
        names = read_gene_list(Path(source))
    else:
        names = [n.strip() for n in source.split(",") if n.strip()]
    missing = [n for n in names if n not in available]
    if missing:
        raise IcarusError(
            f"shortlist {source!r} names signatures missing from the signature set: "
            f"{', '.join(missing[:5])}"
        )
    return names
