"""The PFS signature of the study (SPEC.md section 8), end to end on in-memory data.

:func:`build_signature` z-scores the genes, fits the univariate Cox models, runs the
repeated adaptive-lasso selection (:mod:`icarus_omics.survival.alasso`) on the given
folds, keeps the genes selected in more than ``min_frequency`` of the repeats, refits an
unpenalised Cox model on them and scores the samples. :func:`validate` nests all of that
(the repeats included) in an outer K-fold cross-validation so that the signature is judged
on samples that did not choose it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from icarus_omics.survival import alasso
from icarus_omics.survival.cox import (
    CoxFit,
    cox_fit,
    cumulative_dynamic_auc,
    harrell_c,
    univariate_cox,
)
from icarus_omics.survival.folds import draw_folds

Mapper = Callable[[Callable[..., object], Sequence[tuple]], object]


@dataclass(frozen=True)
class Settings:
    repeats: int = 100
    folds: int = 5
    min_frequency: float = 0.8
    seed: int = 1
    fold_scheme: str = "biospear"
    thresh: float = alasso.BIOSPEAR_THRESH
    maxit: int = 100_000


@dataclass(frozen=True)
class Standardised:
    """Genes z-scored across samples (sd with n - 1); constant genes left out."""

    x: np.ndarray  # samples x genes
    genes: list[str]
    mean: np.ndarray
    sd: np.ndarray
    constant: list[str]


def standardise(expression: pd.DataFrame) -> Standardised:
    """``expression``: genes (index) x samples. Returns samples x genes z-scores."""
    values = expression.to_numpy(dtype=np.float64).T
    sd = values.std(axis=0, ddof=1) if values.shape[0] > 1 else np.zeros(values.shape[1])
    constant = ~(sd > 0) | ~np.isfinite(sd)
    keep = ~constant
    mean = values[:, keep].mean(axis=0)
    x = (values[:, keep] - mean) / sd[keep]
    genes = [str(g) for g in expression.index]
    return Standardised(
        x=x,
        genes=[g for g, k in zip(genes, keep, strict=True) if k],
        mean=mean,
        sd=sd[keep],
        constant=[g for g, k in zip(genes, constant, strict=True) if k],
    )


def univariate_table(data: Standardised, time: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """gene, hr_per_sd, ci_low, ci_high, coef, se, z, pvalue, padj (BH), converged."""
    from scipy.stats import false_discovery_control

    fit = univariate_cox(data.x, time, event)
    p = fit.p_value
    padj = np.full(len(p), np.nan)
    finite = np.isfinite(p)
    if finite.any():
        padj[finite] = false_discovery_control(p[finite], method="bh")
    z = 1.959963984540054
    with np.errstate(over="ignore"):  # a diverging (infinite) coefficient gives inf
        hr, low, high = (
            np.exp(fit.coef),
            np.exp(fit.coef - z * fit.se),
            np.exp(fit.coef + z * fit.se),
        )
    table = pd.DataFrame({
        "gene": data.genes,
        "hr_per_sd": hr,
        "ci_low": low,
        "ci_high": high,
        "coef": fit.coef,
        "se": fit.se,
        "z": fit.z,
        "pvalue": p,
        "padj": padj,
        "converged": fit.converged,
    })  # fmt: skip
    return table.sort_values(["pvalue", "gene"], kind="mergesort").reset_index(drop=True)


@dataclass
class Selection:
    genes: list[str]
    folds: np.ndarray  # repeats x samples
    repeats: list[alasso.RepeatResult]

    @property
    def selected(self) -> np.ndarray:  # repeats x genes, bool
        return np.array([r.coef != 0 for r in self.repeats]).reshape(len(self.repeats), -1)

    @property
    def n_selected(self) -> np.ndarray:
        return self.selected.sum(axis=0)

    @property
    def frequency(self) -> np.ndarray:
        return self.selected.mean(axis=0) if self.repeats else np.zeros(len(self.genes))

    @property
    def mean_coef(self) -> np.ndarray:
        coefs = np.array([r.coef for r in self.repeats]).reshape(len(self.repeats), -1)
        counts = self.n_selected
        return np.where(counts > 0, coefs.sum(axis=0) / np.maximum(counts, 1), 0.0)

    def table(self) -> pd.DataFrame:
        """gene, n_selected, frequency, mean_coef_when_selected; most frequent first."""
        table = pd.DataFrame({
            "gene": self.genes,
            "n_selected": self.n_selected,
            "frequency": self.frequency,
            "mean_coef_when_selected": self.mean_coef,
        })  # fmt: skip
        table["_order"] = -table["frequency"]
        table = table.sort_values(["_order", "gene"], kind="mergesort")
        return table.drop(columns="_order").reset_index(drop=True)

    def per_repeat(self) -> pd.DataFrame:
        rows = []
        for number, result in enumerate(self.repeats, start=1):
            chosen = [self.genes[i] for i in result.selected]
            rows.append({
                "repeat": number,
                "lambda_ridge": result.lambda_ridge,
                "lambda_alasso": result.lambda_alasso,
                "n_selected": len(chosen),
                "n_warnings": len(result.warnings),
                "selected": ",".join(chosen),
                "warnings": " | ".join(result.warnings),
            })  # fmt: skip
        return pd.DataFrame(rows)


def select(
    data: Standardised,
    time: np.ndarray,
    event: np.ndarray,
    folds: np.ndarray,
    settings: Settings,
    mapper: Mapper | None = None,
) -> Selection:
    """The repeated adaptive-lasso selection, one repeat per row of ``folds``."""
    repeat_settings = alasso.Settings(thresh=settings.thresh, maxit=settings.maxit)
    results = alasso.run_repeats(data.x, time, event, folds, repeat_settings, mapper)
    return Selection(data.genes, folds, results)


@dataclass
class Signature:
    """Genes kept (frequency > threshold), Cox refit coefficients (per SD of the gene)."""

    genes: list[str]
    coef: np.ndarray
    se: np.ndarray
    frequency: np.ndarray
    mean: np.ndarray  # expression mean and sd used to z-score each gene
    sd: np.ndarray
    warnings: list[str] = field(default_factory=list)

    def score(self, expression: np.ndarray) -> np.ndarray:
        """Linear predictor for samples x signature-genes raw expression."""
        if not self.genes:
            return np.zeros(expression.shape[0])
        return ((expression - self.mean) / self.sd) @ self.coef

    def table(self) -> pd.DataFrame:
        z = self.coef / self.se
        from scipy.stats import norm

        return pd.DataFrame({
            "gene": self.genes,
            "coefficient": self.coef,
            "frequency": self.frequency,
            "hazard_ratio": np.exp(self.coef),
            "se": self.se,
            "pvalue": 2 * norm.sf(np.abs(z)),
            "mean": self.mean,
            "sd": self.sd,
        })  # fmt: skip


def signature_from(selection: Selection, data: Standardised, time: np.ndarray,
                   event: np.ndarray, min_frequency: float) -> Signature:  # fmt: skip
    """Genes selected in more than ``min_frequency`` of repeats, refitted by Cox."""
    frequency = selection.frequency
    keep = np.flatnonzero(frequency > min_frequency)
    order = keep[np.lexsort((np.array(data.genes, dtype=object)[keep], -frequency[keep]))]
    genes = [data.genes[i] for i in order]
    messages: list[str] = []
    if len(order) == 0:
        fit = CoxFit(np.zeros(0), np.zeros(0), True, 0.0)
    else:
        fit, messages = cox_fit(data.x[:, order], time, event)
        if not fit.converged:
            messages.append("the Cox refit on the signature genes did not converge")
    return Signature(genes, fit.coef, fit.se, frequency[order], data.mean[order],
                     data.sd[order], messages)  # fmt: skip


def default_auc_times(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """The quartiles of the event times."""
    return np.percentile(time[event > 0], [25, 50, 75])


@dataclass(frozen=True)
class Performance:
    c_index: float
    auc: np.ndarray  # at the AUC times


def performance(risk: np.ndarray, time: np.ndarray, event: np.ndarray,
                times: np.ndarray) -> Performance:  # fmt: skip
    return Performance(harrell_c(risk, time, event),
                       cumulative_dynamic_auc(risk, time, event, times))  # fmt: skip


@dataclass
class Validation:
    outer_folds: np.ndarray  # fold id per sample
    linear_predictor: np.ndarray  # out-of-fold
    pooled: Performance
    per_fold: pd.DataFrame


def validate(
    expression: pd.DataFrame,
    time: np.ndarray,
    event: np.ndarray,
    settings: Settings,
    outer: int,
    times: np.ndarray,
    mapper: Mapper | None = None,
    progress: Callable[[int], None] | None = None,
) -> Validation:
    """Nested cross-validation of the whole procedure.

    Outer folds are stratified by event and drawn from the R stream of ``seed + 1``; for
    outer fold f, the training samples are z-scored on their own, their folds are drawn
    with ``seed + 1 + f`` and the selection, the frequency threshold and the Cox refit run
    on them alone; the held-out samples are scored with the training means, sds and
    coefficients. Returns the out-of-fold linear predictor, Harrell's C and the AUCs of
    it pooled, and per-fold values.
    """
    outer_folds = draw_folds("stratified", outer, event, 1, settings.seed + 1)[0]
    linear = np.zeros(len(time))
    rows = []
    for fold in range(1, outer + 1):
        test = outer_folds == fold
        train = ~test
        data = standardise(expression.loc[:, train])
        inner = draw_folds(settings.fold_scheme, settings.folds, event[train],
                           settings.repeats, settings.seed + 1 + fold)  # fmt: skip
        chosen = select(data, time[train], event[train], inner, settings, mapper)
        signature = signature_from(chosen, data, time[train], event[train],
                                   settings.min_frequency)  # fmt: skip
        raw = expression.loc[signature.genes].to_numpy(dtype=np.float64).T
        linear[test] = signature.score(raw[test])
        fold_perf = performance(linear[test], time[test], event[test], times)
        rows.append({
            "fold": fold,
            "n_train": int(train.sum()),
            "n_test": int(test.sum()),
            "events_test": int(event[test].sum()),
            "signature": ",".join(signature.genes),
            "n_genes": len(signature.genes),
            "c_index": fold_perf.c_index,
            **{f"auc_{t:g}": a for t, a in zip(times, fold_perf.auc, strict=True)},
        })  # fmt: skip
        if progress is not None:
            progress(fold)
    pooled = performance(linear, time, event, times)
    return Validation(outer_folds, linear, pooled, pd.DataFrame(rows))
