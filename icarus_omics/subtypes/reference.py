"""PAM50 reference data as frozen dataclasses: centroids, annotation, subgroup quantiles, ROR.

The reference tables are read by ``io/`` and handed in here; nothing in this module opens a
file. The helpers only rename and check: the hoadley-lab centroid columns
(``basal, her2, luminal_a, luminal_b, normal``) become :data:`PAM50_SUBTYPES`, and the old
gene symbols of the UNC files (``CDCA1``, ``KNTC2``, ``ORC6L``, still used by ``SIGMA.txt``)
become the current HGNC symbols of the hoadley-lab centroid table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from icarus_omics.errors import IcarusError

PAM50_SUBTYPES = ("LumA", "LumB", "Her2", "Basal", "Normal")

# hoadley-lab pam50 (R/data.R, tests/testthat/data/pam50_centroids.tsv) column names.
CENTROID_COLUMNS = {
    "luminal_a": "LumA",
    "luminal_b": "LumB",
    "her2": "Her2",
    "basal": "Basal",
    "normal": "Normal",
}

# Old symbol -> current HGNC symbol. These are exactly the three renames between the UNC
# bioclassifier files (pam50_centroids.txt, proliferationGenes in
# subtypePrediction_distributed.R, SIGMA.txt of afernan4/PAM50_ER_HER2_normalization) and the
# hoadley-lab centroid table; genefu users apply the same three (pam50.robust rownames).
GENE_ALIASES = {"CDCA1": "NUF2", "KNTC2": "NDC80", "ORC6L": "ORC6"}

ANNOTATION_COLUMNS = ("gene_name", "gene_id", "hgnc_id", "proliferative")

# Clinical subgroups of SIGMA.txt (Fernandez-Martinez et al. 2020, UNC323 training set).
DEFAULT_SUBGROUP = "ERpos_HER2neg"

# Term names of the ROR linear predictors (hoadley-lab R/ror.R, ror_coeffs.json).
ROR_TERMS = ("basal", "her2", "luminal_a", "luminal_b", "tumor_size", "prolif_score")
ROR_MODELS = ("subtype", "prolif", "clinical", "prolif_clinical")


@dataclass(frozen=True)
class RorFormula:
    """One risk-of-recurrence linear predictor and its group thresholds.

    ``coefficients`` maps terms of :data:`ROR_TERMS` to weights; the raw score is
    ``sum(weight * term)``. ``low`` and ``high`` are thresholds on that raw score.
    """

    coefficients: Mapping[str, float]
    low: float
    high: float


@dataclass(frozen=True)
class RorModel:
    """The four ROR scores of Parker et al. 2009 (ROR-S, ROR-P, ROR-C, ROR-PC).

    Reported scores are ``100 * (raw + offset) / scale`` (0.35 and 0.85 in both the UNC
    bioclassifier and hoadley-lab ``calc_ror_scores``); groups use the raw score.
    """

    subtype: RorFormula
    prolif: RorFormula
    clinical: RorFormula
    prolif_clinical: RorFormula
    offset: float = 0.35
    scale: float = 0.85


@dataclass(frozen=True)
class Pam50Reference:
    """Everything the predictor needs; build it with :func:`make_reference`.

    Attributes
    ----------
    centroids
        50 genes x 5 subtypes, index current HGNC symbols, columns :data:`PAM50_SUBTYPES`.
    annotation
        One row per PAM50 gene, columns :data:`ANNOTATION_COLUMNS` (``proliferative`` 0/1).
    subgroup_quantiles
        Genes (current symbols) x clinical subgroup, values in [0, 1]; None when not given.
    ror
        ROR coefficients and thresholds; None to leave the ROR columns empty.
    """

    centroids: pd.DataFrame
    annotation: pd.DataFrame
    subgroup_quantiles: pd.DataFrame | None = None
    ror: RorModel | None = None


def current_symbols(index: pd.Index) -> pd.Index:
    """Replace the old PAM50 symbols (:data:`GENE_ALIASES`) by the current ones."""
    return pd.Index([GENE_ALIASES.get(str(name), str(name)) for name in index])


def make_reference(
    centroids: pd.DataFrame,
    annotation: pd.DataFrame,
    subgroup_quantiles: pd.DataFrame | None = None,
    ror: RorModel | None = None,
) -> Pam50Reference:
    """Check and rename the reference tables into a :class:`Pam50Reference`.

    Parameters
    ----------
    centroids
        Genes x subtypes, index gene symbols (old or current), columns either the
        hoadley-lab names (``basal, her2, luminal_a, luminal_b, normal``) or
        :data:`PAM50_SUBTYPES`.
    annotation
        Columns :data:`ANNOTATION_COLUMNS`, one row per PAM50 gene.
    subgroup_quantiles
        ``SIGMA.txt``: genes x subgroups (old symbols allowed); None when not used.
    ror
        See :class:`RorModel`.
    """
    table = centroids.rename(columns=CENTROID_COLUMNS)
    missing = [name for name in PAM50_SUBTYPES if name not in table.columns]
    if missing:
        raise IcarusError(
            f"PAM50 centroids: missing subtype columns {missing}; expected "
            f"{sorted(CENTROID_COLUMNS)} or {list(PAM50_SUBTYPES)}"
        )
    table = table.loc[:, list(PAM50_SUBTYPES)].astype(float)
    table.index = current_symbols(table.index)
    _check_unique(table.index, "PAM50 centroids")
    absent = [name for name in ANNOTATION_COLUMNS if name not in annotation.columns]
    if absent:
        raise IcarusError(f"PAM50 annotation: missing columns {absent}")
    genes = annotation.copy()
    genes["gene_name"] = current_symbols(pd.Index(genes["gene_name"])).to_list()
    unknown = sorted(set(table.index) - set(genes["gene_name"]))
    if unknown:
        raise IcarusError(f"PAM50 annotation: centroid genes {unknown} have no annotation row")
    quantiles = None
    if subgroup_quantiles is not None:
        quantiles = subgroup_quantiles.astype(float)
        quantiles.index = current_symbols(quantiles.index)
        _check_unique(quantiles.index, "PAM50 subgroup quantiles")
        lacking = sorted(set(table.index) - set(quantiles.index))
        if lacking:
            raise IcarusError(f"PAM50 subgroup quantiles: no row for centroid genes {lacking}")
    return Pam50Reference(table, genes.reset_index(drop=True), quantiles, ror)


def _check_unique(index: pd.Index, what: str) -> None:
    repeated = sorted(set(index[index.duplicated()]))
    if repeated:
        raise IcarusError(f"{what}: genes {repeated} appear twice (after alias renaming)")


def ror_model_from_json(
    coefficients: Mapping[str, Mapping[str, float]],
    thresholds: Mapping[str, Mapping[str, float]],
) -> RorModel:
    """Build a :class:`RorModel` from the parsed hoadley-lab ``ror_coeffs.json`` and
    ``ror_thresholds.json``.

    The coefficient file spells the last model ``prolif_clinial``; both spellings are accepted.
    """
    coefficients = dict(coefficients)
    if "prolif_clinical" not in coefficients and "prolif_clinial" in coefficients:
        coefficients["prolif_clinical"] = coefficients["prolif_clinial"]
    formulas = {}
    for model in ROR_MODELS:
        if model not in coefficients or model not in thresholds:
            raise IcarusError(
                f"ROR model '{model}' is missing from the coefficients or thresholds; "
                f"expected models {list(ROR_MODELS)}"
            )
        terms = {str(term): float(value) for term, value in coefficients[model].items()}
        unknown = sorted(set(terms) - set(ROR_TERMS))
        if unknown:
            raise IcarusError(f"ROR model '{model}': unknown terms {unknown}")
        limits = thresholds[model]
        formulas[model] = RorFormula(terms, float(limits["low"]), float(limits["high"]))
    return RorModel(
        subtype=formulas["subtype"],
        prolif=formulas["prolif"],
        clinical=formulas["clinical"],
        prolif_clinical=formulas["prolif_clinical"],
    )
