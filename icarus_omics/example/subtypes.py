"""Baseline tumour expression (TPM) for the example cohort, with planted PAM50 subtypes.

Each patient's baseline biopsy (``<patient>_BL``, the name of the baseline sample of the
paired RNA-seq in :mod:`icarus_omics.example.rna`) gets linear TPM for the 50 PAM50 genes and
~200 background genes. The PAM50 centroid table is licensed and not bundled, so the subtypes
are planted from the biology stated here, not from the centroids:

``log2 TPM = gene level + sum over programs (subtype shift x gene weight) + noise``

with these gene programs (current HGNC symbols; UNC's CDCA1, KNTC2 and ORC6L are NUF2, NDC80
and ORC6), listed in :data:`PROGRAMS`:

* luminal: ESR1 and genes co-expressed with it in ER+ tumours (SLC39A6, CXXC5, GPR160,
  BLVRA, MDM2) plus the ER output genes below;
* ER output: the pioneer factor FOXA1 and ER-driven differentiation genes (NAT1, MLPH, MAPT,
  BAG1, PGR, BCL2), high in well-differentiated luminal A, low in luminal B (which often
  loses the progesterone receptor);
* HER2 amplicon (17q12): ERBB2, GRB7;
* HER2-enriched co-expression: FGFR4, TMEM45B, MMP11;
* proliferation (cell cycle): ANLN, BIRC5, CCNB1, CCNE1, CDC20, CDC6, NUF2, CENPF, CEP55,
  EXO1, KIF2C, NDC80, MELK, MKI67, MYBL2, ORC6, PTTG1, RRM2, TYMS, UBE2C, UBE2T (the UNC
  proliferation score averages 11 of them: BIRC5, CCNB1, CDC20, NUF2, CEP55, NDC80, MKI67,
  PTTG1, RRM2, TYMS, UBE2C);
* myoepithelial (basal keratins, SFRP1): KRT5, KRT14, KRT17, SFRP1; luminal A tumours, often
  low grade, keep some adjacent normal breast, luminal B ones less;
* basal tumour cells: FOXC1, MIA, CDH3 (P-cadherin), EGFR, PHGDH (serine synthesis), ACTR3B,
  MYC.

:data:`SUBTYPE_SHIFTS` gives the log2 shift of each program in each subtype: LumA = luminal
and ER output high, proliferation low; LumB = luminal high with ER kept (its luminal shift
exceeds LumA's, so that with half the cohort luminal A its ESR1 stays above the cohort
median) but ER output low, proliferation high, basal genes lowest; Her2 = amplicon and
HER2-enriched genes high, luminal low, proliferation high; Basal = basal genes high, luminal
very low, proliferation high. Each gene scales the shifts by its own weight (0.7 to 1.3),
and each value gets Gaussian noise (sd 0.3 log2). The study cohort is HR+/HER2-, so most
patients are luminal: :data:`SUBTYPE_PLAN` gives P01, P02, ... their subtypes (6 LumA,
4 LumB, 1 Her2, 1 Basal in 12; in the example cohort the Basal tumour carries TP53 R175H
and the Her2 one ERBB2 L755S) and repeats for larger cohorts. With the default seed a
Spearman nearest-centroid call on the 50 genes recovers every planted subtype, both after
median centring and after ERpos_HER2neg subgroup-quantile centring
(``tests/test_example_subtypes.py``).

Background genes are the named genes of the RNA part that are not PAM50 genes, then
``GENE0001``, ... as there; their levels are log-normal (median ~16 TPM) with the abundant
housekeeping and keratin genes high. The genes are a subset of a transcriptome, so columns
do not sum to 1e6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.example.rna import HIGH_EXPRESSION, NAMED_GENES, TIMEPOINTS

TRUTH_COLUMNS = ("sample", "patient", "planted_subtype")
SUBTYPES = ("LumA", "LumB", "Her2", "Basal")

# fmt: off
PAM50_GENES = (
    "ACTR3B", "ANLN", "BAG1", "BCL2", "BIRC5", "BLVRA", "CCNB1", "CCNE1", "CDC20", "CDC6",
    "NUF2", "CDH3", "CENPF", "CEP55", "CXXC5", "EGFR", "ERBB2", "ESR1", "EXO1", "FGFR4",
    "FOXA1", "FOXC1", "GPR160", "GRB7", "KIF2C", "NDC80", "KRT14", "KRT17", "KRT5", "MAPT",
    "MDM2", "MELK", "MIA", "MKI67", "MLPH", "MMP11", "MYBL2", "MYC", "NAT1", "ORC6", "PGR",
    "PHGDH", "PTTG1", "RRM2", "SFRP1", "SLC39A6", "TMEM45B", "TYMS", "UBE2C", "UBE2T",
)
PROGRAMS: dict[str, tuple[str, ...]] = {
    "luminal": ("ESR1", "SLC39A6", "CXXC5", "GPR160", "BLVRA", "MDM2", "FOXA1", "NAT1", "MLPH",
                "MAPT", "BAG1", "PGR", "BCL2"),
    "er_output": ("FOXA1", "NAT1", "MLPH", "MAPT", "BAG1", "PGR", "BCL2"),
    "her2_amplicon": ("ERBB2", "GRB7"),
    "her2_enriched": ("FGFR4", "TMEM45B", "MMP11"),
    "proliferation": ("ANLN", "BIRC5", "CCNB1", "CCNE1", "CDC20", "CDC6", "NUF2", "CENPF",
                      "CEP55", "EXO1", "KIF2C", "NDC80", "MELK", "MKI67", "MYBL2", "ORC6",
                      "PTTG1", "RRM2", "TYMS", "UBE2C", "UBE2T"),
    "myoepithelial": ("KRT5", "KRT14", "KRT17", "SFRP1"),
    "basal_tumour": ("FOXC1", "MIA", "CDH3", "EGFR", "PHGDH", "ACTR3B", "MYC"),
}
# log2 shift of each program in each subtype
SUBTYPE_SHIFTS: dict[str, dict[str, float]] = {
    "LumA": {"luminal": 2.0, "er_output": 1.0, "her2_amplicon": 0.0, "her2_enriched": 0.0,
             "proliferation": -1.5, "myoepithelial": 0.5, "basal_tumour": -0.5},
    "LumB": {"luminal": 3.0, "er_output": -2.0, "her2_amplicon": 0.0, "her2_enriched": 0.0,
             "proliferation": 1.0, "myoepithelial": -1.5, "basal_tumour": -1.5},
    "Her2": {"luminal": -1.0, "er_output": 0.0, "her2_amplicon": 3.0, "her2_enriched": 1.5,
             "proliferation": 1.0, "myoepithelial": -0.5, "basal_tumour": -0.5},
    "Basal": {"luminal": -3.0, "er_output": -0.5, "her2_amplicon": -0.5, "her2_enriched": -1.0,
              "proliferation": 1.5, "myoepithelial": 2.0, "basal_tumour": 3.0},
}
# the subtypes of patients P01, P02, ... (beyond 12: repeated)
SUBTYPE_PLAN = ("LumB", "LumA", "Basal", "LumA", "LumA", "LumB", "LumA", "LumB", "LumA", "LumB",
                "Her2", "LumA")
# fmt: on

PAM50_LOG2_LEVEL = (2.0, 7.0)  # gene levels drawn uniformly (log2 TPM)
GENE_WEIGHT = (0.7, 1.3)
NOISE_SD = 0.3
N_BACKGROUND = 200
BACKGROUND_LOG2_MEDIAN, BACKGROUND_LOG2_SD = 4.0, 2.0
COUNTS_PER_TPM = 20.0  # HIGH_EXPRESSION of the RNA part is in counts; ~2,500 TPM for EEF1A1


@dataclass(frozen=True)
class ExampleExpression:
    """Baseline tumour TPM of the example cohort and the planted PAM50 subtypes."""

    tpm: pd.DataFrame
    truth: pd.DataFrame


def build_example_expression(samples: pd.DataFrame, seed: int = 4) -> ExampleExpression:
    """Generate baseline TPM with planted intrinsic subtypes (module docstring).

    Parameters
    ----------
    samples
        One row per patient with column ``patient``, as in ``build_example_cohort().samples``;
        the n-th patient gets the n-th subtype of :data:`SUBTYPE_PLAN`.
    seed
        Seed of the numpy generator; the same arguments give identical frames.

    Returns
    -------
    ExampleExpression
        ``tpm``: genes x samples linear TPM (index ``gene``: the 50 PAM50 genes, then the
        background genes; columns ``<patient>_BL`` in patient order). ``truth``: one row per
        sample, columns ``TRUTH_COLUMNS``.
    """
    if "patient" not in samples.columns:
        raise IcarusError("example expression: samples lack column 'patient'")
    patients = samples["patient"].astype(str).tolist()
    if len(set(patients)) != len(patients):
        raise IcarusError("example expression: patients repeat; give one row per patient")
    names = [f"{patient}_{TIMEPOINTS[0]}" for patient in patients]
    planted = [SUBTYPE_PLAN[i % len(SUBTYPE_PLAN)] for i in range(len(patients))]
    rng = np.random.default_rng(seed)
    pam50 = _pam50_log2(rng, planted)
    background = _background_log2(rng, len(patients))
    log2 = pd.concat([pam50, background])
    tpm = pd.DataFrame(
        np.exp2(log2.to_numpy()), index=pd.Index(log2.index, name="gene"), columns=names
    )
    truth = pd.DataFrame(
        {"sample": names, "patient": patients, "planted_subtype": planted},
        columns=list(TRUTH_COLUMNS),
    )
    return ExampleExpression(tpm, truth)


def _pam50_log2(rng: np.random.Generator, planted: list[str]) -> pd.DataFrame:
    """log2 TPM of the PAM50 genes: level + weighted program shifts + noise."""
    n_genes, n_samples = len(PAM50_GENES), len(planted)
    level = rng.uniform(*PAM50_LOG2_LEVEL, n_genes)
    shift = np.zeros((n_genes, n_samples))
    for program, genes in PROGRAMS.items():
        rows = [PAM50_GENES.index(gene) for gene in genes]
        weight = rng.uniform(*GENE_WEIGHT, len(rows))
        by_sample = np.array([SUBTYPE_SHIFTS[subtype][program] for subtype in planted])
        shift[rows, :] += weight[:, None] * by_sample[None, :]
    noise = rng.normal(0.0, NOISE_SD, (n_genes, n_samples))
    return pd.DataFrame(level[:, None] + shift + noise, index=list(PAM50_GENES))


def _background_log2(rng: np.random.Generator, n_samples: int) -> pd.DataFrame:
    """log2 TPM of background genes: log-normal levels, abundant genes high, noise."""
    named = [gene for gene in NAMED_GENES if gene not in PAM50_GENES]
    n_synthetic = N_BACKGROUND - len(named)
    genes = [*named, *(f"GENE{i:04d}" for i in range(1, n_synthetic + 1))]
    level = rng.normal(BACKGROUND_LOG2_MEDIAN, BACKGROUND_LOG2_SD, len(genes))
    for gene, counts in HIGH_EXPRESSION.items():
        if gene in genes:
            level[genes.index(gene)] = np.log2(counts / COUNTS_PER_TPM)
    noise = rng.normal(0.0, NOISE_SD, (len(genes), n_samples))
    return pd.DataFrame(level[:, None] + noise, index=genes)
