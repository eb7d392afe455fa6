"""RNA-seq inputs: gene x sample count matrices, Salmon ``quant.sf`` files (summed to genes
the way tximport does), transcript-to-gene tables and gene-id-to-symbol maps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from icarus_omics.errors import IcarusError
from icarus_omics.io.tables import READ_ERRORS, open_text, read_tsv, unreadable

if TYPE_CHECKING:
    import pandas as pd

SALMON_COLUMNS = ("Name", "Length", "EffectiveLength", "TPM", "NumReads")
SALMON_NAMES = ("{sample}/quant.sf", "{sample}.quant.sf", "{sample}.sf")


class SalmonGenes(NamedTuple):
    """Gene-level estimates from Salmon (genes x samples): ``counts`` (summed NumReads,
    tximport's ``countsFromAbundance = "no"``) and ``tpm`` (summed TPM)."""

    counts: pd.DataFrame
    tpm: pd.DataFrame


def _separator(path: Path) -> str:
    return "," if path.suffix.lower() == ".csv" or path.name.lower().endswith(".csv.gz") else "\t"


def read_count_matrix(
    path: Path,
    what: str = "count table",
    unique_genes: bool = True,
    allow_missing: bool = False,
    rows: Callable[[pd.Index], Sequence[bool]] | None = None,
) -> pd.DataFrame:
    """A genes x samples table: first column gene ids, one column per sample.

    Values are parsed as numbers; checking them (integers, non-negative) is the caller's
    business, so that the same rules apply to Salmon input. Raises for duplicate sample
    names, duplicate gene ids (unless ``unique_genes`` is False: expression tables whose
    duplicates the caller collapses), an empty table and any cell that is not a number;
    ``what`` names the table in messages (``count table``, ``expression table``); empty
    cells are an error unless ``allow_missing`` (they become NaN). ``rows``, given the gene
    ids, says which rows to read: the others are skipped unparsed (a 20,000-gene table read
    for 50 genes in a tenth of the time).
    """
    import pandas as pd

    skip = None
    if rows is not None:
        try:
            ids = pd.read_csv(path, sep=_separator(path), usecols=[0], dtype=str).iloc[:, 0]
        except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError) as error:
            raise IcarusError(f"{path}: not a readable {what} ({error})") from None
        except READ_ERRORS as error:
            raise unreadable(path, what, error) from None
        wanted = {0} | {i + 1 for i, keep in enumerate(rows(pd.Index(ids))) if keep}
        skip = lambda line: line not in wanted  # noqa: E731
    try:
        # Fast path: numbers parsed by the C reader (exactly, round_trip); a table with any
        # text cell is read again as text so that the error can name the cell.
        table = pd.read_csv(path, sep=_separator(path), index_col=0, comment=None,
                            float_precision="round_trip", low_memory=False,
                            skiprows=skip)  # fmt: skip
        if not all(pd.api.types.is_numeric_dtype(t) for t in table.dtypes):
            table = pd.read_csv(path, sep=_separator(path), index_col=0, comment=None,
                                dtype=str, skiprows=skip)  # fmt: skip
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as error:
        raise IcarusError(f"{path}: not a readable {what} ({error})") from None
    except READ_ERRORS as error:
        raise unreadable(path, what, error) from None
    if (table.shape[0] == 0 and rows is None) or table.shape[1] == 0:
        raise IcarusError(f"{path}: the {what} has no genes or no sample columns")
    table.index = table.index.astype(str)
    table.index.name = "gene"
    table.columns = _header(path)[1 : len(table.columns) + 1]  # pandas renames repeats
    if unique_genes:
        _check_unique(table.index, path, "gene id")
    _check_unique(table.columns, path, "sample column")
    if all(pd.api.types.is_numeric_dtype(t) for t in table.dtypes):
        numbers = table.astype(float)
    else:
        numbers = table.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() & table.notna()
    if bad.any().any():
        column = bad.any().idxmax()
        gene = bad[column].idxmax()
        raise IcarusError(
            f"{path}: value for gene {gene} in sample {column} is not a number "
            f"({table.at[gene, column]!r})"
        )
    if not allow_missing and numbers.isna().any().any():
        column = numbers.isna().any().idxmax()
        raise IcarusError(f"{path}: missing value(s) in sample column {column}")
    return numbers.astype(float)


def _header(path: Path) -> list[str]:
    """The header line's fields as written (pandas would rename a repeated one ``S1.1``)."""
    with open_text(path) as handle:
        return [
            field.strip().strip('"')
            for field in handle.readline().rstrip("\r\n").split(_separator(path))
        ]


def _check_unique(values: pd.Index, path: Path, what: str) -> None:
    duplicated = values[values.duplicated()]
    if len(duplicated):
        shown = ", ".join(map(str, duplicated.unique()[:5]))
        raise IcarusError(f"{path}: duplicate {what}(s): {shown}; ids must be unique")


def read_two_columns(path: Path, what: str) -> dict[str, str]:
    """A two-column mapping (transcript -> gene, gene id -> symbol), with or without a
    header; extra columns are ignored."""
    table = read_tsv(path, what=what)
    if table.shape[1] < 2:
        raise IcarusError(f"{path}: {what} needs two tab-separated columns")
    keys, values = table.iloc[:, 0], table.iloc[:, 1]
    mapping = dict(zip(keys, values, strict=True))
    header = (str(table.columns[0]), str(table.columns[1]))
    if not header[0].lower().startswith(("transcript", "tx", "gene", "id", "ensembl", "name")):
        mapping[header[0]] = header[1]  # no header line: the first row is data
    if not mapping:
        raise IcarusError(f"{path}: {what} is empty")
    return mapping


def find_salmon_files(directory: Path, samples: list[str]) -> dict[str, Path]:
    """The ``quant.sf`` of each sample under ``directory`` (``SAMPLE/quant.sf``,
    ``SAMPLE.quant.sf`` or ``SAMPLE.sf``)."""
    found: dict[str, Path] = {}
    for sample in samples:
        for pattern in SALMON_NAMES:
            candidate = directory / pattern.format(sample=sample)
            if candidate.is_file():
                found[sample] = candidate
                break
        else:
            raise IcarusError(
                f"{directory}: no Salmon quant.sf for sample {sample} "
                f"(looked for {', '.join(p.format(sample=sample) for p in SALMON_NAMES)})"
            )
    return found


def read_salmon(files: Mapping[str, Path], tx2gene: Mapping[str, str]) -> SalmonGenes:
    """Sum Salmon transcript estimates to genes, as tximport (``countsFromAbundance =
    "no"``): gene counts are summed NumReads, gene TPM summed TPM. Transcript ids are
    matched exactly, else without a version suffix (``ENST...1``). Transcripts missing from
    ``tx2gene`` are an error, as in tximport."""
    import pandas as pd

    counts, tpm = {}, {}
    gene_of = versioned_lookup(tx2gene)
    for sample, path in files.items():
        table = read_tsv(path, SALMON_COLUMNS, what="Salmon quant.sf")
        names = table["Name"].astype(str)
        genes = names.map(gene_of)
        if genes.isna().any():
            missing = names[genes.isna()]
            raise IcarusError(
                f"{path}: {len(missing)} transcript(s) not in the transcript-to-gene table, "
                f"e.g. {missing.iloc[0]}; check --tx2gene matches the Salmon index"
            )
        values = table[["NumReads", "TPM"]].apply(pd.to_numeric, errors="coerce")
        if values.isna().any().any():
            raise IcarusError(f"{path}: NumReads/TPM must be numbers")
        summed = values.groupby(genes.to_numpy()).sum()
        counts[sample], tpm[sample] = summed["NumReads"], summed["TPM"]
    count_table = pd.DataFrame(counts).fillna(0.0).sort_index()
    count_table.index.name = "gene"
    tpm_table = pd.DataFrame(tpm).fillna(0.0).loc[count_table.index]
    return SalmonGenes(count_table, tpm_table)


def versioned_lookup(mapping: Mapping[str, str]) -> Callable[[str], str | None]:
    """Look an id up exactly, else by the part before its first dot against keys cut the
    same way (``ENST00000456328.2`` finds ``ENST00000456328`` or ``ENST00000456328.1``)."""
    bare = {key.split(".")[0]: value for key, value in mapping.items()}
    return lambda key: mapping.get(key) or bare.get(key.split(".")[0])


def read_rna_counts(
    path: Path, samples: list[str], tx2gene: Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The counts of ``rna-de``: a count matrix, or a folder of Salmon ``quant.sf`` files.

    Parameters
    ----------
    path
        A genes x samples TSV/CSV (:func:`read_count_matrix`), or a folder holding one
        ``quant.sf`` per sample (:func:`find_salmon_files`).
    samples
        The sample sheet's sample names (which Salmon files to read).
    tx2gene
        Transcript-to-gene table, required for a Salmon folder.

    Returns
    -------
    tuple
        Counts (genes x samples, float) and, for Salmon input, gene TPM (genes x samples,
        transcripts per million), else None.
    """
    if not path.is_dir():
        return read_count_matrix(path), None
    if tx2gene is None:
        raise IcarusError(f"{path}: a Salmon folder needs --tx2gene (transcript -> gene)")
    files = find_salmon_files(path, samples)
    genes = read_salmon(files, read_two_columns(tx2gene, "transcript-to-gene table"))
    return genes.counts, genes.tpm


def read_symbol_lookup(path: Path) -> Callable[[str], str | None]:
    """A gene id -> symbol map (two columns, :func:`read_two_columns`) as a lookup that
    also matches ids without their version suffix (:func:`versioned_lookup`)."""
    return versioned_lookup(read_two_columns(path, "gene map"))
