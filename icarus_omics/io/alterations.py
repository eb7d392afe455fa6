"""Tables of alterations as users bring them: MAFs, icarus-omics mutation and CNA tables,
oncokb-annotator's CNA layouts. Each is read and given the normalised columns the
oncogenic-event library expects."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from icarus_omics.errors import IcarusError
from icarus_omics.io.tables import read_tsv

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["mutations", "copy_number"]
PROTEIN_COLUMNS = (
    "protein_change",
    "HGVSp_Short",
    "hgvsp_short",
    "HGVSp",
    "Protein_Change",
    "Alteration",
)
CNA_VALUES = {"2": "amplification", "-2": "deletion", "amplification": "amplification",
              "deletion": "deletion"}  # fmt: skip
CATEGORY_CHANGES = {"high_level_gain": "amplification", "homozygous_deletion": "deletion"}
MATRIX_EXTRA = {"entrez_gene_id", "locus id", "cytoband"}


def read_alterations(path: Path, include_non_focal: bool = False) -> tuple[Kind, pd.DataFrame]:
    """The table at ``path`` with normalised columns: ``gene``, ``protein_change``,
    ``variant_classification`` for mutations; ``gene``, ``change`` (and ``sample`` when
    known) for copy-number changes, keeping only amplifications and deletions (focal ones
    only for icarus-omics CNA tables unless ``include_non_focal``)."""
    kind, table, _ = read_profiled_alterations(path, include_non_focal)
    return kind, table


def read_profiled_alterations(
    path: Path, include_non_focal: bool = False
) -> tuple[Kind, pd.DataFrame, list[str] | None]:
    """As :func:`read_alterations`, plus the samples the table covers (profiled samples,
    whether or not any of their events is kept): the ``Tumor_Sample_Barcode``/``sample``
    values or sample columns of the whole file; None when the table names no sample (a
    per-sample table, named by its file)."""
    table = read_tsv(path, what="alteration table")
    kind, normalised = _normalise(path, table, include_non_focal)
    return kind, normalised, _profiled(table)


def _profiled(table: pd.DataFrame) -> list[str] | None:
    for column in ("Tumor_Sample_Barcode", "sample"):
        if column in table.columns:
            return list(dict.fromkeys(table[column].astype(str)))
    first = table.columns[0]
    if first in ("Hugo_Symbol", "Gene Symbol", "gene") and not _is_long(table):
        return [c for c in table.columns[1:] if c.lower() not in MATRIX_EXTRA]
    return None


def _is_long(table: pd.DataFrame) -> bool:
    """A table of one row per event (mutations, cna_genes), not a gene x sample matrix."""
    columns = set(table.columns)
    return bool(
        {"Variant_Classification", "variant_classification", "category", "Copy_Number_Alteration"}
        & columns
    )


def _normalise(
    path: Path, table: pd.DataFrame, include_non_focal: bool
) -> tuple[Kind, pd.DataFrame]:
    columns = set(table.columns)
    if "Variant_Classification" in columns and "Hugo_Symbol" in columns:
        return "mutations", _mutations(path, table, "Hugo_Symbol", "Variant_Classification")
    if {"gene", "variant_classification"} <= columns:
        return "mutations", _mutations(path, table, "gene", "variant_classification")
    if {"gene", "category"} <= columns:
        keep = table["category"].isin(list(CATEGORY_CHANGES))
        if "focal" in columns and not include_non_focal:
            keep &= table["focal"].str.lower() == "true"
        kept = table[keep].copy()
        kept["change"] = kept["category"].map(CATEGORY_CHANGES)
        return "copy_number", kept.reset_index(drop=True)
    if {"Hugo_Symbol", "Copy_Number_Alteration"} <= columns:
        long = table.rename(columns={"Hugo_Symbol": "gene", "Tumor_Sample_Barcode": "sample"})
        return "copy_number", _known_changes(long, "Copy_Number_Alteration")
    first = table.columns[0]
    if first in ("Hugo_Symbol", "Gene Symbol", "gene"):
        return "copy_number", _from_matrix(table, first)
    raise IcarusError(
        f"{path}: not a mutation or copy-number table (expected a MAF, an icarus-omics "
        f"mutations/cna_genes table or an oncokb-annotator CNA table; found columns: "
        f"{', '.join(table.columns[:6])})"
    )


def _mutations(path: Path, table: pd.DataFrame, gene: str, classification: str) -> pd.DataFrame:
    protein = next((c for c in PROTEIN_COLUMNS if c in table.columns), None)
    if protein is None:
        raise IcarusError(f"{path}: no protein-change column ({', '.join(PROTEIN_COLUMNS)})")
    table = table.copy()
    table["gene"] = table[gene]
    table["variant_classification"] = table[classification]
    table["protein_change"] = table[protein]
    return table


def _known_changes(table: pd.DataFrame, column: str) -> pd.DataFrame:
    change = table[column].astype(str).str.strip().str.lower().map(CNA_VALUES)
    kept = table[change.notna()].copy()
    kept["change"] = change[change.notna()]
    return kept.reset_index(drop=True)


def _from_matrix(table: pd.DataFrame, gene: str) -> pd.DataFrame:
    samples = [c for c in table.columns[1:] if c.lower() not in MATRIX_EXTRA]
    long = table.melt(id_vars=[gene], value_vars=samples, var_name="sample", value_name="value")
    long = long.rename(columns={gene: "gene"})
    return _known_changes(long, "value")


def read_alteration_tables(paths: list[Path], kind: Kind) -> tuple[pd.DataFrame, set[str]]:
    """Alteration tables of one ``kind`` (``mutations`` or ``copy_number``), concatenated,
    each row with a ``sample`` column; and the samples they profile (named in them, else
    the file name's first dot-part of a per-sample table). A table of the other kind is an
    error naming the file."""
    import pandas as pd

    parts, profiled = [], set()
    for path in paths:
        found, table, covered = read_profiled_alterations(path, include_non_focal=False)
        if found != kind:
            raise IcarusError(
                f"{path}: a {found.replace('_', '-')} table given as {kind.replace('_', '-')}"
            )
        if "sample" not in table.columns:
            sample = table.get("Tumor_Sample_Barcode")
            table = table.assign(sample=sample if sample is not None else path.name.split(".")[0])
        profiled.update(covered if covered is not None else [path.name.split(".")[0]])
        parts.append(table)
    return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()), profiled
