"""Clinical outcomes of the example cohort, consistent with its biomarkers.

Two groups of patients, as in the trial (99 treated; WES and RNA-seq on subsets):

- ``P01`` ... ``P12``, the WES and paired RNA-seq example: their best response is the
  sample sheet's; their PFS follows it (CR/PR 6 to 24 months, SD 4 to 12, PD 1 to 3.5);
- ``P13`` ... ``P62``, the PFS-signature example (:mod:`icarus_omics.example.survival`):
  their PFS is that example's (driven by the planted FOXM1, E2F1 and GATA3) and their
  response follows it: PD when progression came before 2 months, else a response with
  ``logit P = -2.2 + 0.25 * PFS months``, else SD from 4 months and PD before.

Then: responders CR (1 in 8) or PR, two of the second group unconfirmed (left out of ORR,
counted for CBR when they last 6 months); one patient NE; ``sd_months`` the PFS of SD and
unconfirmed responses; ``dor_months`` for confirmed responders, PFS minus the time to
response (1.5 to 3 months), with the PFS event; ``os_months`` PFS plus an exponential
survival after progression (mean 14 months), censored at the end of follow-up (36 months
after the first patient, accrual over 24); ``tumor_change_pct`` -100 for CR, -30 to -90 for
PR, -29 to +19 for SD, +20 to +80 for PD; ``her3_hscore`` (0-300) higher in responders (the
drug targets HER3); ``esr1_mutation`` yes in about a third, unrelated to outcome.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from icarus_omics.example.survival import build_example_survival

COLUMNS = ("patient", "best_response", "confirmed", "sd_months", "pfs_months", "pfs_event",
           "os_months", "os_event", "dor_months", "dor_event", "tumor_change_pct",
           "her3_hscore", "esr1_mutation")  # fmt: skip
_PFS_BY_RESPONSE = {"CR": (6, 24), "PR": (6, 24), "SD": (4, 12), "PD": (1, 3.5), "NE": (1, 6)}


def build_example_clinical(known: dict[str, str], seed: int = 5) -> pd.DataFrame:
    """One row per patient; ``known``: the WES patients' best responses (patient -> code)."""
    rng = np.random.default_rng(seed)
    first = sorted(known)
    known_best = np.array([known[p] for p in first], dtype=object)
    low, high = np.array([_PFS_BY_RESPONSE[b] for b in known_best]).T
    known_pfs = np.round(rng.uniform(low, high), 2)
    known_event = (rng.uniform(size=len(first)) < 0.75).astype(int)
    pfs = build_example_survival().pfs
    months = pfs["time"].to_numpy(dtype=float)
    chance = 1 / (1 + np.exp(-(-2.2 + 0.25 * months)))
    responds = (months >= 2) & (rng.uniform(size=len(months)) < chance)
    best = np.where(responds, np.where(rng.uniform(size=len(months)) < 1 / 8, "CR", "PR"),
                    np.where(months >= 4, "SD", "PD")).astype(object)  # fmt: skip
    best[int(rng.integers(0, len(best)))] = "NE"
    patients = np.array([*first, *pfs["patient"]], dtype=object)
    best = np.concatenate([known_best, best])
    months = np.concatenate([known_pfs, months])
    events = np.concatenate([known_event, pfs["event"].to_numpy(dtype=int)])
    n = len(patients)
    objective = np.isin(best, ["CR", "PR"])
    confirmed = objective.copy()
    confirmed[[i for i in np.flatnonzero(objective) if i >= len(first)][:2]] = False
    to_response = np.minimum(rng.uniform(1.5, 3.0, size=n), months - 0.5)
    dor = np.where(objective & confirmed, np.round(months - to_response, 2), np.nan)
    sd_months = np.where((best == "SD") | (objective & ~confirmed), months, np.nan)
    after = rng.exponential(14, size=n)
    end = np.maximum(36 - rng.uniform(0, 24, size=n), months)
    os_time = np.where(events == 1, np.minimum(months + after, end), months)
    os_event = ((events == 1) & (months + after <= end)).astype(int)
    change = np.select(
        [best == "CR", best == "PR", best == "SD", best == "PD"],
        [np.full(n, -100.0), rng.uniform(-90, -30, n), rng.uniform(-29, 19, n),
         rng.uniform(20, 80, n)],
        np.nan,
    )  # fmt: skip
    hscore = np.clip(rng.normal(np.where(objective, 180, 110), 50), 0, 300).round()
    return pd.DataFrame({
        "patient": patients,
        "best_response": best,
        "confirmed": np.where(objective, np.where(confirmed, "yes", "no"), ""),
        "sd_months": np.round(sd_months, 2),
        "pfs_months": months,
        "pfs_event": events,
        "os_months": np.round(os_time, 2),
        "os_event": os_event,
        "dor_months": dor,
        "dor_event": np.where(np.isnan(dor), np.nan, events),
        "tumor_change_pct": np.round(change, 1),
        "her3_hscore": hscore,
        "esr1_mutation": np.where(rng.uniform(size=n) < 0.33, "yes", "no"),
    })  # fmt: skip


def build_example_scores(clinical: pd.DataFrame, seed: int = 8) -> pd.DataFrame:
    """Scores per patient of the example clinical table, for ``evaluate``: the HER3 H-score
    (planted: higher in responders), a model's response probability made from it
    (logistic in the H-score, centred at 145 with scale 40: informative, not perfectly
    calibrated) and ``noise_marker``, standard normal and independent of every outcome
    (the negative control)."""
    rng = np.random.default_rng(seed)
    hscore = clinical["her3_hscore"].to_numpy(dtype=float)
    return pd.DataFrame({
        "patient": clinical["patient"].to_numpy(),
        "her3_hscore": hscore,
        "her3_model_probability": np.round(1 / (1 + np.exp(-(hscore - 145) / 40)), 4),
        "noise_marker": np.round(rng.normal(size=len(clinical)), 4),
    })  # fmt: skip
