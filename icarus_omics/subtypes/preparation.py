"""Expression preparation: gene identifiers, duplicates, log2 scale, missing genes.

Reference behaviour (read, not copied):

- UNC bioclassifier (hoadley-lab/pam50 ``.legacy/bioclassifier_R``): ``readarray`` collapses
  repeated gene ids with ``collapseIDs`` (``method = "mean"``: the rows are averaged, the
  default for long-oligo arrays; ``"iqr"``: the row with the largest IQR, for Affymetrix),
  and ``sspPredict`` keeps the genes shared with the centroids (``overlapSets``), so any
  number of missing genes is accepted.
- hoadley-lab pam50 ``read_input``/``filter_sort`` take the first row of a repeated symbol and
  stop unless all 50 genes are present.

Decisions here, reported in :class:`PreparationReport`:

- Identifiers: a row name is tried as a gene symbol, an old symbol (:data:`GENE_ALIASES`), an
  Ensembl gene id (version suffix ignored) or an HGNC id of the annotation table.
- Duplicates (several rows for one gene, e.g. a symbol and its Ensembl id, or two Ensembl ids
  of one symbol): ``"highest-mean"`` (default) keeps the row with the highest mean across
  samples, the usual rule for RNA-seq where the extra row is a low, readthrough or paralog
  id that averaging would dilute; ``"mean"`` averages them as UNC ``collapseIDs`` does.
  Collapsing happens after the log2 step.
- Minimum genes: the call is refused below ``min_genes`` PAM50 genes (default 40, i.e. 80%
  of the panel): hoadley-lab requires all 50, UNC none; with fewer than 40 genes the
  centroid correlations lose the genes that separate neighbouring subtypes.
- ``log2="auto"``: values are taken as linear, and transformed with log2(x + 1), when no value
  is negative and the largest exceeds 100 (log2 expression of RNA-seq or arrays stays below
  ~25, linear TPM/FPKM/counts of ESR1, KRT5 or ERBB2 exceed 100 in any real cohort).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.subtypes.reference import GENE_ALIASES, Pam50Reference

LINEAR_MAXIMUM = 100.0
DEFAULT_MIN_GENES = 40

Log2Choice = Literal["auto", "yes", "no"]
CollapseRule = Literal["highest-mean", "mean"]

_ENSEMBL_VERSION = re.compile(r"^(ENS[A-Z]*G\d+)\.\d+(_PAR_Y)?$")


@dataclass(frozen=True)
class PreparationReport:
    """What :func:`prepare_expression` did, for the summary file.

    Attributes
    ----------
    genes_used
        PAM50 genes found, in centroid order.
    genes_missing
        PAM50 genes absent from the input (or all NaN).
    renamed
        Input row name -> PAM50 symbol, for rows that were not already the symbol.
    duplicates
        PAM50 genes that had several input rows, collapsed by ``collapse_rule``.
    collapse_rule
        ``"highest-mean"`` or ``"mean"``.
    log2_applied
        Whether log2(x + 1) was applied.
    log2_reason
        One sentence: the choice and the values it was based on.
    """

    genes_used: tuple[str, ...]
    genes_missing: tuple[str, ...]
    renamed: dict[str, str]
    duplicates: tuple[str, ...]
    collapse_rule: str
    log2_applied: bool
    log2_reason: str


def map_gene_ids(index: pd.Index, annotation: pd.DataFrame) -> pd.Series:
    """Map row names to PAM50 symbols; unmapped names get NaN.

    Parameters
    ----------
    index
        Row names: symbols, old symbols, Ensembl gene ids (``ENSG...`` with or without a
        version) or HGNC ids (``HGNC:...``).
    annotation
        The PAM50 annotation (``gene_name``, ``gene_id``, ``hgnc_id``).

    Returns
    -------
    Series indexed like ``index`` with the PAM50 symbol or NaN.
    """
    symbols = set(annotation["gene_name"].astype(str))
    lookup = {name: name for name in symbols}
    lookup.update({old: new for old, new in GENE_ALIASES.items() if new in symbols})
    lookup.update(zip(annotation["gene_id"].astype(str), annotation["gene_name"], strict=True))
    lookup.update(zip(annotation["hgnc_id"].astype(str), annotation["gene_name"], strict=True))
    mapped = []
    for name in index.astype(str):
        key = name.strip()
        version = _ENSEMBL_VERSION.match(key)
        # GENCODE's ENSG..._PAR_Y rows duplicate the X copy; they stay unmapped.
        if version and not version.group(2):
            key = version.group(1)
        mapped.append(lookup.get(key, np.nan))
    return pd.Series(mapped, index=index, dtype=object)


def decide_log2(values: np.ndarray, log2: Log2Choice) -> tuple[bool, str]:
    """Decide whether to apply log2(x + 1); see the module docstring for the auto rule.

    Raises
    ------
    IcarusError
        When a log2 transform is asked for (``"yes"``) or detected, and a value is negative.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise IcarusError("expression: the PAM50 rows hold no numeric values")
    low, high = float(finite.min()), float(finite.max())
    span = f"values range from {low:.6g} to {high:.6g}"
    if log2 == "no":
        return False, f"log2 not applied (log2=no); {span}"
    if log2 == "yes":
        if low < 0:
            raise IcarusError(
                f"expression: negative values ({low:.6g}) on a linear scale; "
                "the data look already log-transformed or centred, use log2=no"
            )
        return True, f"log2(x+1) applied (log2=yes); {span}"
    if low < 0:
        return False, f"log2 not applied (auto: negative values, taken as log scale); {span}"
    if high > LINEAR_MAXIMUM:
        return True, f"log2(x+1) applied (auto: maximum > {LINEAR_MAXIMUM:g}); {span}"
    return False, f"log2 not applied (auto: maximum <= {LINEAR_MAXIMUM:g}); {span}"


def collapse_duplicates(expression: pd.DataFrame, rule: CollapseRule) -> pd.DataFrame:
    """Collapse rows with the same index into one row per gene.

    ``"highest-mean"`` keeps the row with the highest NaN-skipping mean over samples (the
    first such row on ties); ``"mean"`` averages the rows sample by sample (UNC
    ``collapseIDs(method = "mean")``, NaN skipped). Output rows follow the first appearance.
    """
    if not expression.index.has_duplicates:
        return expression
    order = pd.unique(expression.index)
    if rule == "mean":
        return expression.groupby(level=0, sort=False).mean().loc[order]
    if rule != "highest-mean":
        raise IcarusError(f"unknown duplicate rule '{rule}'; use highest-mean or mean")
    means = expression.mean(axis=1, skipna=True).to_numpy()
    positions = pd.Series(np.arange(len(expression)), index=expression.index)
    keep = []
    for gene in order:
        rows = np.atleast_1d(positions.loc[[gene]].to_numpy())
        row_means = np.where(np.isnan(means[rows]), -np.inf, means[rows])
        keep.append(rows[int(np.argmax(row_means))])
    return expression.iloc[keep]


def prepare_expression(
    expression: pd.DataFrame,
    reference: Pam50Reference,
    *,
    log2: Log2Choice = "auto",
    collapse: CollapseRule = "highest-mean",
    min_genes: int = DEFAULT_MIN_GENES,
) -> tuple[pd.DataFrame, PreparationReport]:
    """Select the PAM50 genes of an expression matrix, on a log2 scale, one row per gene.

    Parameters
    ----------
    expression
        Genes x samples, index gene symbols / Ensembl ids / HGNC ids, numeric values
        (log2 or linear, e.g. TPM). Rows that are not PAM50 genes are ignored.
    reference
        Gives the centroid gene order and the annotation used for id mapping.
    log2, collapse, min_genes
        See the module docstring.

    Returns
    -------
    matrix
        PAM50 genes present x samples, rows in centroid order, index PAM50 symbols.
    report
        :class:`PreparationReport`.

    Raises
    ------
    IcarusError
        Fewer than ``min_genes`` PAM50 genes, no samples, duplicate sample names,
        non-numeric values, or negative values that would be log-transformed.
    """
    if expression.shape[1] == 0:
        raise IcarusError("expression: no sample columns")
    if expression.columns.has_duplicates:
        repeated = sorted(
            {str(name) for name in expression.columns[expression.columns.duplicated()]}
        )
        raise IcarusError(f"expression: sample columns {repeated} appear twice")
    symbols = map_gene_ids(expression.index, reference.annotation)
    kept = expression.loc[symbols.notna().to_numpy()]
    try:
        values = kept.to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise IcarusError(f"expression: non-numeric values in the PAM50 rows ({error})") from error
    matrix = pd.DataFrame(
        values, index=pd.Index(symbols.dropna(), dtype=object), columns=kept.columns
    )
    matrix = matrix.loc[matrix.notna().any(axis=1)]
    if matrix.empty:
        raise IcarusError(_too_few(0, min_genes, reference))
    applied, reason = decide_log2(matrix.to_numpy(), log2)
    if applied:
        matrix = pd.DataFrame(
            np.log2(matrix.to_numpy() + 1.0), index=matrix.index, columns=matrix.columns
        )
    duplicates = tuple(sorted(set(matrix.index[matrix.index.duplicated()])))
    matrix = collapse_duplicates(matrix, collapse)
    order = [gene for gene in reference.centroids.index if gene in matrix.index]
    missing = tuple(gene for gene in reference.centroids.index if gene not in matrix.index)
    if len(order) < min_genes:
        raise IcarusError(_too_few(len(order), min_genes, reference, missing))
    renamed = {
        str(name): str(symbol)
        for name, symbol in symbols.dropna().items()
        if str(name) != str(symbol)
    }
    report = PreparationReport(
        genes_used=tuple(order),
        genes_missing=missing,
        renamed=renamed,
        duplicates=duplicates,
        collapse_rule=collapse,
        log2_applied=applied,
        log2_reason=reason,
    )
    return matrix.loc[order], report


def _too_few(
    found: int, min_genes: int, reference: Pam50Reference, missing: tuple[str, ...] = ()
) -> str:
    listed = ", ".join(missing) if missing else "all"
    return (
        f"expression: {found} of {len(reference.centroids)} PAM50 genes found, at least "
        f"{min_genes} are needed (missing: {listed}); check that the row names are gene "
        "symbols or Ensembl gene ids"
    )
