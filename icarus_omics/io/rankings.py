"""Ranked gene lists and identifier maps read for GSEA.

A ranking comes either from a differential-expression table (``de_results.tsv``: a gene
column and several score columns, one picked by name) or from a two-column ranked list
(``gene<TAB>score``, with or without a header; GSEA's ``.rnk`` files).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from icarus_omics.errors import IcarusError

if TYPE_CHECKING:
    import pandas as pd

# Cells read as "no value": R's NA and what pandas, Excel and DESeq2 exports write for it.
MISSING = frozenset({"", "na", "nan", "n/a", "null", "none", "-"})
GENE_COLUMNS = ("gene", "gene_id", "symbol", "gene_name", "id")


def _read_cells(path: Path, what: str) -> pd.DataFrame:
    """All rows as text (leading ``#`` lines skipped, quotes removed), no header
    interpretation; short rows (an R header line) are padded at their end with empty cells."""
    import pandas as pd

    separator = "," if Path(path).name.lower().removesuffix(".gz").endswith(".csv") else "\t"
    try:
        with open(path, "rb") as probe:
            if b"\0" in probe.read(4096) and not Path(path).name.endswith(".gz"):
                raise IcarusError(f"{path}: is a binary file, not a tab-separated {what}")
        skip, width = _preamble(path, separator)
        cells = pd.read_csv(
            path, sep=separator, header=None, names=list(range(width)), dtype=str,
            keep_default_na=False, skiprows=skip, skip_blank_lines=True,
        ).fillna("")  # fmt: skip
    except pd.errors.EmptyDataError:
        cells = pd.DataFrame()
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as error:
        detail = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise IcarusError(f"{path}: not a readable {what} ({detail})") from None
    if cells.empty:
        raise IcarusError(f"{path}: is empty; expected a {what}")
    return cells


def _preamble(path: Path, separator: str) -> tuple[int, int]:
    """How many ``#`` lines open the file, and the most fields in the next two lines (R's
    ``write.table`` leaves the row-name column out of the header line)."""
    import gzip

    comments, fields = 0, [1]
    opener = gzip.open if Path(path).name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("#") and len(fields) == 1:
                comments += 1
            elif line.strip():
                fields.append(len(line.rstrip("\r\n").split(separator)))
            if len(fields) == 3:
                break
    return comments, max(fields)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def read_ranking(path: Path, rank_by: str = "stat") -> pd.Series:
    """Gene scores from a DE table (column ``rank_by``) or a two-column ranked list.

    Parameters
    ----------
    path
        TSV (``.csv`` read as comma-separated; ``.gz`` unpacked). A table with more than two
        columns needs a header with ``rank_by``; its gene column is ``gene`` (or
        ``gene_id``, ``symbol``...), else the first column. A two-column file is gene, score,
        with an optional header, whatever ``rank_by`` says.
    rank_by
        Score column of a DE table, e.g. ``stat`` or ``log2FoldChange``.

    Returns
    -------
    pandas.Series
        Float scores indexed by gene id, in file order, named after the score column;
        missing values (``NA``, empty) are NaN. Duplicate ids are kept.
    """
    cells = _read_cells(path, "ranked gene list")
    if cells.shape[1] < 2:
        raise IcarusError(
            f"{path}: has one column; expected gene<TAB>score or a DE table with a "
            f"{rank_by!r} column"
        )
    first = [str(cell).strip() for cell in cells.iloc[0]]
    if len(first) > 2 and first[-1] == "" and not _is_number(first[1]):
        first = ["", *first[:-1]]  # R's write.table: no header for the row names
    if cells.shape[1] == 2:
        has_header = not _is_number(first[1]) and first[1].lower() not in MISSING
        genes, scores = cells.iloc[:, 0], cells.iloc[:, 1]
        name = first[1] if has_header else "score"
    else:
        if rank_by not in first:
            shown = ", ".join(c for c in first[:10] if c)
            raise IcarusError(
                f"{path}: has no column {rank_by!r} to rank by (found: {shown}); check --rank-by"
            )
        has_header = True
        gene = next((first.index(c) for c in GENE_COLUMNS if c in first), 0)
        genes, scores, name = cells.iloc[:, gene], cells.iloc[:, first.index(rank_by)], rank_by
    start = 1 if has_header else 0
    return _scores(path, genes.iloc[start:], scores.iloc[start:], name, start + 1)


def _scores(path: Path, genes: pd.Series, cells: pd.Series, name: str, first_row: int) -> pd.Series:
    import pandas as pd

    genes = genes.str.strip()
    cells = cells.str.strip()
    if genes.empty:
        raise IcarusError(f"{path}: has no genes to rank")
    if (genes == "").any():
        row = first_row + int((genes == "").to_numpy().argmax())
        raise IcarusError(f"{path}: data row {row} has no gene id")
    values = pd.to_numeric(cells.where(~cells.str.lower().isin(MISSING)), errors="coerce")
    bad = values.isna() & ~cells.str.lower().isin(MISSING)
    if bad.any():
        where = int(bad.to_numpy().argmax())
        raise IcarusError(
            f"{path}: {name} of gene {genes.iloc[where]!r} is {cells.iloc[where]!r}, not a "
            f"number ({int(bad.sum())} such value(s))"
        )
    return pd.Series(values.to_numpy(dtype=float), index=genes.to_numpy(), name=name)


def read_gene_map(path: Path) -> pd.Series:
    """An identifier map: the first two columns of a TSV (e.g. Ensembl gene id, symbol).

    A header line is read as one more (harmless) pair. Rows with an empty field are
    dropped; an id listed twice keeps its first partner. Returns the second column indexed
    by the first.
    """
    import pandas as pd

    cells = _read_cells(path, "gene identifier map")
    if cells.shape[1] < 2:
        raise IcarusError(f"{path}: has one column; expected two columns: id<TAB>symbol")
    pairs = cells.iloc[:, :2].apply(lambda column: column.str.strip())
    pairs = pairs[(pairs.iloc[:, 0] != "") & (pairs.iloc[:, 1] != "")]
    pairs = pairs.drop_duplicates(subset=pairs.columns[0], keep="first")
    if pairs.empty:
        raise IcarusError(f"{path}: has no id<TAB>symbol pairs")
    return pd.Series(pairs.iloc[:, 1].to_numpy(), index=pairs.iloc[:, 0].to_numpy(), name="to")
