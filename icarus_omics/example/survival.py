"""Baseline expression and progression-free survival for the example cohort, with planted
prognostic genes.

The study built its PFS signature on the 50 baseline tumours with RNA-seq. The example has
as many: patients ``P13`` ... ``P62`` (after the twelve of the WES and paired RNA-seq
example, whose baseline expression is the PAM50 example's), each with a baseline sample
``<patient>_BL``, log2(TPM + 1) for
:data:`N_GENES` genes (transcription factors, the study's candidates: the planted ones and
``TF001``, ...) and PFS in months.

``log2(TPM + 1) = gene level + noise`` (levels 2 to 8, sd 0.5 to 1.5 per gene), and the
hazard of progression is ``h0 * exp(sum of beta_g * z_g)`` over the planted genes, z the
gene's z-score; :data:`PLANTED` gives their log hazard ratios per SD: FOXM1 (proliferation,
worse), E2F1 (worse) and GATA3 (luminal differentiation, better). PFS times are
exponential (median about 8 months at z = 0), censored at the end of follow-up (uniform
accrual over 24 months, analysis 36 months after the first patient) and by dropout
(exponential, mean 60 months); times are rounded to 0.01 month. With the default seed,
``pfs-signature`` with the study's settings keeps exactly the three planted genes
(``tests/test_example_survival.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PLANTED = {"FOXM1": 1.2, "E2F1": 0.9, "GATA3": -1.0}
N_GENES = 200
N_PATIENTS = 50
FIRST_PATIENT = 13
TRUTH_COLUMNS = ("gene", "log_hazard_ratio_per_sd")


@dataclass(frozen=True)
class ExampleSurvival:
    expression: pd.DataFrame  # genes x baseline samples, log2(TPM + 1)
    pfs: pd.DataFrame  # sample, patient, time (months), event
    truth: pd.DataFrame  # the planted genes and their log hazard ratios


def build_example_survival(n_patients: int = N_PATIENTS, seed: int = 11) -> ExampleSurvival:
    """The example's baseline expression and PFS (see the module docstring)."""
    rng = np.random.default_rng(seed)
    patients = [f"P{i:02d}" for i in range(FIRST_PATIENT, FIRST_PATIENT + n_patients)]
    samples = [f"{p}_BL" for p in patients]
    background = [f"TF{i:03d}" for i in range(1, N_GENES - len(PLANTED) + 1)]
    genes = list(PLANTED) + background
    level = rng.uniform(2, 8, size=len(genes))
    spread = rng.uniform(0.5, 1.5, size=len(genes))
    values = level[:, None] + spread[:, None] * rng.normal(size=(len(genes), n_patients))
    z = (values - values.mean(axis=1, keepdims=True)) / values.std(axis=1, ddof=1, keepdims=True)
    risk = np.array(list(PLANTED.values())) @ z[: len(PLANTED)]
    progression = rng.exponential(8 / np.log(2) * np.exp(-risk))
    follow_up = 36 - rng.uniform(0, 24, size=n_patients)
    dropout = rng.exponential(60, size=n_patients)
    censor = np.minimum(follow_up, dropout)
    time = np.round(np.minimum(progression, censor), 2)
    time = np.maximum(time, 0.01)
    event = (progression <= censor).astype(int)
    expression = pd.DataFrame(np.round(values, 4), index=pd.Index(genes, name="gene"),
                              columns=samples)  # fmt: skip
    order = np.argsort(genes, kind="stable")
    pfs = pd.DataFrame({"sample": samples, "patient": patients, "time": time, "event": event})
    truth = pd.DataFrame({"gene": list(PLANTED), "log_hazard_ratio_per_sd": list(PLANTED.values())})
    return ExampleSurvival(expression.iloc[order], pfs, truth)
