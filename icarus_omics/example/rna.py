"""Paired bulk RNA-seq counts for the example cohort, with planted treatment effects.

Each patient of the example cohort (``build_example_cohort().samples``) gets a baseline
(``BL``) and an on-treatment (``onT``) sample. Counts are negative binomial around
``base_mean x patient factor x size factor x 2 ** (log2 fold change on treatment)``:

* base means are log-normal across genes (median ~200 counts), with a few highly expressed
  housekeeping and luminal genes and ~4% of background genes at near-zero means, which a
  "fewer than five counts" filter removes;
* each patient multiplies each gene by a log-normal factor (sd 0.4 in natural log) shared by
  its two samples, so that blocking on the patient matters;
* size factors (library sizes) are drawn uniformly from 0.6 to 1.6;
* dispersion follows the DESeq2-like trend 0.04 + 1 / mean, with log-normal gene scatter
  (sd 0.3);
* a few genes carry one outlier count (20-40 times its expected value) in one sample.

Planted on treatment, echoing the study (SPEC section 5-6): interferon-stimulated genes rise
(log2 fold change 1.0 to 1.8 per gene) in responders only; endocytosis genes fall (-1.2 to
-0.8) in every patient; 2% of background genes change by +-0.5 to 1.0 in every patient, so
that the overall test also finds unplanted genes. ``drug_target`` is a made-up grouping for
the unpaired on-treatment comparison and carries no planted effect.

The example gene sets of the cohort (``build_example_rna(build_example_cohort().samples)``)
are also bundled as ``resources/genesets/example_sets.gmt``; a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError

SHEET_COLUMNS = ("sample", "patient", "timepoint", "response", "drug_target")
TRUTH_COLUMNS = (
    "planted_set", "log2fc_responders", "log2fc_non_responders", "base_mean", "dispersion",
    "outlier_sample",
)  # fmt: skip
TIMEPOINTS = ("BL", "onT")
INTERFERON_SET, ENDOCYTOSIS_SET = "EXAMPLE_INTERFERON_RESPONSE", "EXAMPLE_ENDOCYTOSIS"
GMT_DESCRIPTION = "icarus-omics example set"

# Interferon-stimulated genes (type I/II interferon response), from general knowledge.
INTERFERON_GENES = (
    "IFI44L", "RTP4", "IFIT1", "IFIT2", "IFIT3", "AIM2", "ISG15", "MX1", "MX2", "OAS1", "OAS2",
    "OAS3", "OASL", "IFI44", "IFI6", "IFI27", "IFITM1", "IFITM3", "IRF7", "IRF9", "STAT1",
    "STAT2", "RSAD2", "CMPK2", "HERC5", "HERC6", "USP18", "XAF1", "PARP9", "PARP14", "DDX58",
    "DDX60", "IFIH1", "EPSTI1", "SAMD9L", "BST2", "LY6E", "PLSCR1", "TRIM22", "SP110",
)  # fmt: skip
# Clathrin, AP2, dynamin, epsin, RAB, ESCRT and EHD families and their partners.
ENDOCYTOSIS_GENES = (
    "CLTC", "CLTA", "CLTB", "AP2A1", "AP2A2", "AP2B1", "AP2M1", "AP2S1", "DNM1", "DNM2", "DNM3",
    "EPN1", "EPN2", "EPS15", "RAB5A", "RAB5B", "RAB5C", "RAB7A", "RAB11A", "RAB11B", "EEA1",
    "VPS4A", "VPS4B", "CHMP2A", "CHMP4B", "TSG101", "EHD1", "EHD2", "EHD3", "ARF6", "CBL", "HGS",
    "STAM", "SNX1", "SNX2", "PIP5K1A", "ITCH", "NEDD4", "SH3GL1", "FCHO2",
)  # fmt: skip
# Housekeeping, luminal/HER-family, proliferation and immune genes without a planted effect.
OTHER_GENES = (
    "ACTB", "GAPDH", "B2M", "EEF1A1", "RPLP0", "TPT1", "PPIA", "HPRT1", "TBP", "GUSB", "PGK1",
    "SDHA", "YWHAZ", "UBC", "TFRC", "ESR1", "PGR", "ERBB2", "ERBB3", "EGFR", "FOXA1", "GATA3",
    "TFF1", "TFF3", "GREB1", "AR", "BCL2", "KRT8", "KRT18", "KRT19", "KRT5", "KRT14", "KRT17",
    "EPCAM", "CDH1", "VIM", "MKI67", "TOP2A", "CCNB1", "CCND1", "CCNE1", "CDK4", "CDK6", "AURKA",
    "BIRC5", "MYBL2", "MYC", "PIK3CA", "PTEN", "TP53", "AKT1", "BRCA1", "BRCA2", "FOXC1", "MIA",
    "SFRP1", "PTPRC", "CD8A", "CD274", "PDCD1",
)  # fmt: skip
NAMED_GENES = INTERFERON_GENES + ENDOCYTOSIS_GENES + OTHER_GENES
# Expected counts at size factor 1 for abundant transcripts of a luminal breast tumour.
HIGH_EXPRESSION = {
    "EEF1A1": 50_000.0, "ACTB": 40_000.0, "GAPDH": 30_000.0, "B2M": 20_000.0, "RPLP0": 20_000.0,
    "KRT8": 20_000.0, "TPT1": 15_000.0, "KRT18": 15_000.0, "KRT19": 15_000.0, "ESR1": 4_000.0,
}  # fmt: skip

# Expression: natural-log means and sds of the log-normal base means.
MEDIAN_MEAN, MEAN_LOG_SD = 200.0, 1.3
SET_MEDIAN_MEAN, SET_MEAN_LOG_SD = 300.0, 0.7  # planted genes: expressed, as in the study
LOW_COUNT_SHARE, LOW_COUNT_MEAN = 0.04, (0.02, 0.5)
SIZE_FACTOR_RANGE = (0.6, 1.6)
PATIENT_LOG_SD = 0.4
ASYMPTOTIC_DISPERSION, EXTRA_POISSON, DISPERSION_LOG_SD = 0.04, 1.0, 0.3
N_OUTLIERS, OUTLIER_FOLD = 4, (20.0, 40.0)
# Planted log2 fold changes on treatment (drawn uniformly per gene).
INTERFERON_LOG2FC = (1.0, 1.8)
ENDOCYTOSIS_LOG2FC = (-1.2, -0.8)
CHANGED_SHARE, CHANGED_LOG2FC = 0.02, (0.5, 1.0)
# Example gene sets and the made-up drug-target grouping (the study: 5 positive of 12).
N_NULL_SETS, NULL_SET_SIZE = 20, (20, 60)
DRUG_POSITIVE_SHARE = 5 / 12
MIN_BACKGROUND = 100  # synthetic genes needed for the null sets and low-count genes


@dataclass(frozen=True)
class ExampleRna:
    """Paired RNA-seq of the example cohort: counts, sample sheet, gene sets and truth."""

    counts: pd.DataFrame
    sheet: pd.DataFrame
    gene_sets: dict[str, tuple[str, ...]]
    truth: pd.DataFrame


def build_example_rna(samples: pd.DataFrame, seed: int = 11, n_genes: int = 3000) -> ExampleRna:
    """Generate paired baseline/on-treatment RNA-seq counts for the example cohort.

    Parameters
    ----------
    samples
        One row per patient with columns ``patient`` and ``response`` (``"R"``/``"NR"``),
        as in ``build_example_cohort().samples``; at least 2 of each response.
    seed
        Seed of the numpy generator; the same arguments give identical frames.
    n_genes
        Size of the gene universe: the named genes plus synthetic ``GENE0001``, ... genes.

    Returns
    -------
    ExampleRna
        ``counts``: genes x samples int64 raw counts (index ``gene``; columns
        ``<patient>_BL``, ``<patient>_onT`` in patient order). ``sheet``: one row per sample,
        columns ``SHEET_COLUMNS``. ``gene_sets``: set name -> genes, the planted
        ``EXAMPLE_INTERFERON_RESPONSE`` and ``EXAMPLE_ENDOCYTOSIS`` then ``EXAMPLE_NULL_01``,
        ... of random synthetic genes. ``truth``: one row per gene (index ``gene``), columns
        ``TRUTH_COLUMNS``: planted set (``interferon``, ``endocytosis`` or ``""``), planted
        log2 fold change on treatment in responders and non-responders, expected count at size
        factor 1, NB dispersion, and the sample with an outlier count (``""`` if none).
    """
    _check_input(samples, n_genes)
    rng = np.random.default_rng(seed)
    genes = _universe(n_genes)
    sheet = _sample_sheet(rng, samples)
    truth = _truth(rng, genes)
    counts, outlier_sample = _add_outliers(rng, _draw_counts(rng, truth, sheet), truth)
    truth["outlier_sample"] = outlier_sample
    gene_sets: dict[str, tuple[str, ...]] = {
        INTERFERON_SET: INTERFERON_GENES,
        ENDOCYTOSIS_SET: ENDOCYTOSIS_GENES,
    }
    gene_sets |= _null_sets(rng, genes[len(NAMED_GENES) :])
    return ExampleRna(counts, sheet, gene_sets, truth[list(TRUTH_COLUMNS)])


def _check_input(samples: pd.DataFrame, n_genes: int) -> None:
    missing = [column for column in ("patient", "response") if column not in samples.columns]
    if missing:
        raise IcarusError(f"example RNA: samples lack column(s) {', '.join(missing)}")
    unknown = sorted(set(samples["response"]) - {"R", "NR"})
    if unknown:
        raise IcarusError(f"example RNA: response must be 'R' or 'NR', not {unknown}")
    n_responders = int((samples["response"] == "R").sum())
    n_others = len(samples) - n_responders
    if n_responders < 2 or n_others < 2:
        raise IcarusError(
            f"example RNA: responders {n_responders}, non-responders {n_others}; "
            "at least 2 of each are needed for the subgroup analyses"
        )
    if not samples["patient"].is_unique:
        raise IcarusError("example RNA: patients repeat in the samples; give one row per patient")
    if n_genes < len(NAMED_GENES) + MIN_BACKGROUND:
        raise IcarusError(
            f"example RNA: n_genes={n_genes} is too small for the example gene sets; "
            f"choose at least {len(NAMED_GENES) + MIN_BACKGROUND}"
        )


def _universe(n_genes: int) -> list[str]:
    n_synthetic = n_genes - len(NAMED_GENES)
    width = max(4, len(str(n_synthetic)))
    return [*NAMED_GENES, *(f"GENE{i:0{width}d}" for i in range(1, n_synthetic + 1))]


def _sample_sheet(rng: np.random.Generator, samples: pd.DataFrame) -> pd.DataFrame:
    n = len(samples)
    is_positive = np.zeros(n, dtype=bool)
    is_positive[rng.permutation(n)[: round(n * DRUG_POSITIVE_SHARE)]] = True
    rows = []
    pairs = zip(samples["patient"], samples["response"], is_positive.tolist(), strict=True)
    for patient, response, positive in pairs:
        target = "positive" if positive else "negative"
        rows += [[f"{patient}_{t}", patient, t, response, target] for t in TIMEPOINTS]
    return pd.DataFrame(rows, columns=list(SHEET_COLUMNS))


def _truth(rng: np.random.Generator, genes: list[str]) -> pd.DataFrame:
    """Base means, dispersions and planted log2 fold changes, one row per gene."""
    n_named, n = len(NAMED_GENES), len(genes)
    base = np.exp(rng.normal(np.log(MEDIAN_MEAN), MEAN_LOG_SD, n))
    n_planted = len(INTERFERON_GENES) + len(ENDOCYTOSIS_GENES)
    base[:n_planted] = np.exp(rng.normal(np.log(SET_MEDIAN_MEAN), SET_MEAN_LOG_SD, n_planted))
    for gene, mean in HIGH_EXPRESSION.items():
        base[genes.index(gene)] = mean
    synthetic = n_named + rng.permutation(n - n_named)
    n_low, n_changed = round(LOW_COUNT_SHARE * len(synthetic)), round(CHANGED_SHARE * n)
    base[synthetic[:n_low]] = rng.uniform(*LOW_COUNT_MEAN, n_low)
    trend = ASYMPTOTIC_DISPERSION + EXTRA_POISSON / base
    dispersion = trend * np.exp(rng.normal(0.0, DISPERSION_LOG_SD, n))
    truth = pd.DataFrame(
        {"planted_set": "", "log2fc_responders": 0.0, "log2fc_non_responders": 0.0},
        index=pd.Index(genes, name="gene"),
    )
    truth["base_mean"], truth["dispersion"] = base, dispersion
    interferon, endocytosis = list(INTERFERON_GENES), list(ENDOCYTOSIS_GENES)
    truth.loc[interferon, "planted_set"] = "interferon"
    truth.loc[interferon, "log2fc_responders"] = rng.uniform(*INTERFERON_LOG2FC, len(interferon))
    truth.loc[endocytosis, "planted_set"] = "endocytosis"
    down = rng.uniform(*ENDOCYTOSIS_LOG2FC, len(endocytosis))
    changed = synthetic[n_low : n_low + n_changed]
    moderate = rng.uniform(*CHANGED_LOG2FC, n_changed) * rng.choice([-1.0, 1.0], n_changed)
    for rows, log2fc in ((endocytosis, down), (truth.index[changed], moderate)):
        truth.loc[rows, "log2fc_responders"] = log2fc
        truth.loc[rows, "log2fc_non_responders"] = log2fc
    return truth


def _draw_counts(
    rng: np.random.Generator, truth: pd.DataFrame, sheet: pd.DataFrame
) -> pd.DataFrame:
    """Negative-binomial counts (a gamma-Poisson mixture) around each gene's sample mean."""
    patients = sheet["patient"].drop_duplicates().tolist()
    patient_factor = np.exp(rng.normal(0.0, PATIENT_LOG_SD, (len(truth), len(patients))))
    size_factor = rng.uniform(*SIZE_FACTOR_RANGE, len(sheet))
    on_treatment = (sheet["timepoint"] == "onT").to_numpy()
    is_responder = (sheet["response"] == "R").to_numpy()
    log2fc = np.where(
        is_responder,
        truth["log2fc_responders"].to_numpy()[:, None],
        truth["log2fc_non_responders"].to_numpy()[:, None],
    )
    column = sheet["patient"].map({p: i for i, p in enumerate(patients)}).to_numpy()
    mean = (
        truth["base_mean"].to_numpy()[:, None]
        * patient_factor[:, column]
        * size_factor
        * np.exp2(log2fc * on_treatment)
    )
    shape = 1.0 / truth["dispersion"].to_numpy()[:, None]
    counts = rng.poisson(rng.gamma(shape, mean / shape)).astype(np.int64)
    return pd.DataFrame(
        counts, index=truth.index.copy(), columns=pd.Index(sheet["sample"].tolist())
    )


def _add_outliers(
    rng: np.random.Generator, counts: pd.DataFrame, truth: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """Multiply one count of a few unchanged, expressed synthetic genes; name its sample."""
    is_candidate = (
        (truth["planted_set"] == "")
        & (truth["log2fc_responders"] == 0.0)
        & (truth["base_mean"] >= 50.0)
        & ~truth.index.isin(NAMED_GENES)
    ).to_numpy()
    rows = rng.choice(np.flatnonzero(is_candidate), N_OUTLIERS, replace=False)
    columns = rng.integers(0, counts.shape[1], N_OUTLIERS)
    folds = rng.uniform(*OUTLIER_FOLD, N_OUTLIERS)
    outlier_sample = [""] * len(truth)
    values = counts.to_numpy(copy=True)
    for row, column, fold in zip(rows.tolist(), columns.tolist(), folds.tolist(), strict=True):
        values[row, column] = round(max(values[row, column], truth["base_mean"].iloc[row]) * fold)
        outlier_sample[row] = str(counts.columns[column])
    return pd.DataFrame(values, index=counts.index, columns=counts.columns), outlier_sample


def _null_sets(rng: np.random.Generator, background: list[str]) -> dict[str, tuple[str, ...]]:
    """Random sets of synthetic genes, in universe order, for the GSEA null distribution."""
    sets = {}
    for i in range(1, N_NULL_SETS + 1):
        size = int(rng.integers(NULL_SET_SIZE[0], NULL_SET_SIZE[1] + 1))
        chosen = np.sort(rng.choice(len(background), size, replace=False))
        sets[f"EXAMPLE_NULL_{i:02d}"] = tuple(background[j] for j in chosen.tolist())
    return sets
