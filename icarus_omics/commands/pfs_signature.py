"""``pfs-signature``: the study's adaptive-lasso Cox signature (library: survival/)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import typer

from icarus_omics.commands.params import (
    DEFAULT_THREADS,
    FigureFormat,
    FigureKind,
    OutDir,
    Quiet,
    Threads,
    progress,
    say,
    warn,
)
from icarus_omics.errors import IcarusError
from icarus_omics.io.figures import FigureFormat as PlotFormat
from icarus_omics.io.files import staged_outputs

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

Scheme = Literal["biospear", "balanced", "stratified"]
_EXPRESSION = "Genes x samples expression (TSV/CSV, .gz); first column the gene."
_SURVIVAL = "Survival table: one row per sample with a sample, a time (> 0) and an event (0/1)."


def pfs_signature(
    expression: Annotated[Path, typer.Argument(metavar="EXPRESSION", exists=True,
                                               dir_okay=False, help=_EXPRESSION)],
    survival: Annotated[Path, typer.Argument(metavar="SURVIVAL", exists=True, dir_okay=False,
                                             help=_SURVIVAL)],
    outdir: OutDir = Path("."),
    sample_column: Annotated[str, typer.Option(metavar="NAME", help="Sample column.")] = "sample",
    time_column: Annotated[str, typer.Option(metavar="NAME", help="Time column.")] = "time",
    event_column: Annotated[str, typer.Option(metavar="NAME",
        help="Event column: 1 progression or death, 0 censored.")] = "event",
    genes: Annotated[Path | None, typer.Option(metavar="FILE", exists=True, dir_okay=False,
        help="Candidate genes (one per line); default: every gene.")] = None,
    method: Annotated[Literal["biospear"], typer.Option(metavar="METHOD",
        help="biospear: alassoR's ridge-weighted adaptive lasso.")] = "biospear",
    repeats: Annotated[int, typer.Option(min=1, max=100_000, metavar="N",
        help="Repeats of the selection.")] = 100,
    folds: Annotated[int, typer.Option(min=2, max=1000, metavar="K",
        help="Cross-validation folds.")] = 5,
    min_frequency: Annotated[float, typer.Option(min=0.0, max=1.0, metavar="X",
        help="Keep genes selected in more than this share of repeats.")] = 0.8,
    seed: Annotated[int, typer.Option(min=0, max=2**31 - 1, metavar="N",
        help="Seed of R's generator: --seed 1 draws the folds set.seed(1) draws in R.")] = 1,
    fold_scheme: Annotated[Scheme, typer.Option(metavar="SCHEME",
        help="biospear (independent draws), balanced (equal sizes) or stratified (events "
             "balanced).")] = "biospear",
    folds_file: Annotated[Path | None, typer.Option(metavar="FILE", exists=True,
        dir_okay=False, help="Replay fold ids: column repeat, then one column per sample "
                             "(folds.tsv of an earlier run, or R's).")] = None,
    thresh: Annotated[float, typer.Option(min=0.0, metavar="X",
        help="glmnet convergence threshold (biospear: 1e-16).")] = 1e-16,
    maxit: Annotated[int, typer.Option(min=1, metavar="N",
        help="glmnet's pass limit per path.")] = 100_000,
    cutoff: Annotated[str, typer.Option(metavar="median|X",
        help="Linear predictor above which a sample is high risk.")] = "median",
    validate: Annotated[int, typer.Option(min=0, max=100, metavar="K",
        help="Nest the whole selection in K-fold cross-validation (0: off).")] = 0,
    auc_times: Annotated[str | None, typer.Option(metavar="T1,T2,..",
        help="Times for the time-dependent AUC; default: quartiles of event times.")] = None,
    allow_missing: Annotated[bool, typer.Option("--allow-missing",
        help="Analyse the samples with expression when some in SURVIVAL have none.")] = False,
    time_unit: Annotated[str, typer.Option(metavar="UNIT",
        help="Label of the time axis.")] = "months",
    threads: Threads = DEFAULT_THREADS,
    figure_format: FigureFormat = FigureKind.png,
    quiet: Quiet = False,
) -> None:  # fmt: skip
    """Build the PFS signature: univariate Cox per gene, then the repeated adaptive-lasso
    Cox selection of biospear's alassoR (z-scores; ridge Cox, lambda by cross-validated
    deviance; weights 1/|beta|; weighted lasso Cox on biospear's grid, same folds), genes
    selected in more than --min-frequency of repeats, refitted by Cox.

    Writes univariate_cox.tsv, selection_frequency.tsv, signature.tsv, per_repeat.tsv,
    folds.tsv, risk_scores.tsv, pfs_km and pfs_selection figures and pfs_summary.json;
    with --validate, validation.tsv and out-of-fold scores.
    """
    import numpy as np
    import pandas as pd

    from icarus_omics.io.counts import read_count_matrix
    from icarus_omics.io.summary import write_summary
    from icarus_omics.io.survival import folds_table, read_folds, read_survival
    from icarus_omics.io.survival_plots import km_figure, selection_figure
    from icarus_omics.io.tables import read_gene_list, write_tsv
    from icarus_omics.survival import signature as sig
    from icarus_omics.survival.folds import draw_folds
    from icarus_omics.survival.km import logrank

    del method  # one method for now; the option names it in the summary
    fixed_cutoff = _cutoff(cutoff)  # options first: a typo must not cost a whole run
    fixed_times = _auc_times(auc_times)
    table = read_count_matrix(expression, "expression table", allow_missing=True)
    surv = read_survival(survival, sample_column, time_column, event_column)
    surv, extra = _match_samples(table, surv, survival, expression, allow_missing)
    if "repeat" in set(surv["sample"]):
        raise IcarusError(
            f"{survival}: a sample is named 'repeat', the name of the fold file's first "
            "column; rename it"
        )
    samples = surv["sample"].tolist()
    fold_ids = read_folds(folds_file, samples) if folds_file is not None else None
    if fold_ids is not None:
        repeats = fold_ids.shape[0]
        folds = int(max(len(np.unique(row)) for row in fold_ids))
    if len(surv) < 2 * folds:
        source = f"--folds {folds}" if fold_ids is None else f"the fold file's {folds} folds"
        raise IcarusError(
            f"{len(surv)} samples with expression and survival: {source} need(s) at least "
            f"{2 * folds}"
        )
    if surv["event"].sum() == 0:
        raise IcarusError(f"{survival}: no sample has an event; a Cox model needs events")
    table = table[surv["sample"].tolist()]
    table, restricted = _candidates(table, genes, read_gene_list)
    with_na = table.index[table.isna().any(axis=1)].tolist()
    if with_na:
        warn(f"{len(with_na)} gene(s) with missing values left out: {_few(with_na)}")
        table = table.drop(index=with_na)
    time = surv["time"].to_numpy(dtype=np.float64)
    event = surv["event"].to_numpy(dtype=np.float64)
    data = sig.standardise(table)
    if data.constant:
        warn(f"{len(data.constant)} constant gene(s) left out: {_few(data.constant)}")
    if not data.genes:
        raise IcarusError(f"{expression}: no gene varies across the samples")
    if fold_ids is None:
        fold_ids = draw_folds(fold_scheme, folds, event, repeats, seed)
    settings = sig.Settings(repeats=repeats, folds=folds, min_frequency=min_frequency, seed=seed,
                            fold_scheme=fold_scheme, thresh=thresh, maxit=maxit)  # fmt: skip
    univariate = sig.univariate_table(data, time, event)
    diverged = univariate.loc[~univariate["converged"], "gene"].tolist()
    if diverged:
        warn(f"univariate Cox did not converge for {len(diverged)} gene(s) (coefficient may "
             f"be infinite: the gene orders the events perfectly): {_few(diverged)}")  # fmt: skip
    with progress("pfs-signature: selection", unit="repeats") as tick:
        selection = sig.select(data, time, event, fold_ids, settings, _mapper(threads, tick))
    signature = sig.signature_from(selection, data, time, event, min_frequency)
    for message in signature.warnings:
        warn(f"signature refit: {message}")
    linear = signature.score(table.loc[signature.genes].to_numpy(dtype=np.float64).T)
    threshold = float(np.median(linear)) if fixed_cutoff is None else fixed_cutoff
    group = np.where(linear > threshold, "high", "low")
    times = sig.default_auc_times(time, event) if fixed_times is None else fixed_times
    if times.max() >= time.max():
        warn(f"AUC time(s) at or beyond the last follow-up ({time.max():g}) have no controls: "
             "their AUC is left empty")  # fmt: skip
    apparent = sig.performance(linear, time, event, times)
    chi2, logrank_p = logrank(time, event, group)
    validation = None
    if validate:
        with progress("pfs-signature: validation", unit="outer folds") as tick:
            validation = sig.validate(table, time, event, settings, validate, times,
                                      _mapper(threads, lambda n=1: None), tick)  # fmt: skip
    scores = pd.DataFrame({"sample": samples, "linear_predictor": linear, "risk_group": group,
                           "time": time, "event": event.astype(int)})  # fmt: skip
    if validation is not None:
        scores["outer_fold"] = validation.outer_folds
        scores["oof_linear_predictor"] = validation.linear_predictor
    per_repeat = selection.per_repeat()
    if not signature.genes:
        warn(f"no gene was selected in more than {min_frequency:g} of the {repeats} repeats; "
             "the signature is empty")  # fmt: skip
    frequencies = selection.table()
    fmt = cast(PlotFormat, figure_format.value)
    document = {
        "method": "biospear alassoR (ridge-weighted adaptive lasso Cox)",
        "samples": len(samples),
        "events": int(event.sum()),
        "samples_without_survival": extra,
        "genes_tested": len(data.genes),
        "genes_restricted_to": restricted,
        "genes_constant": data.constant,
        "genes_with_missing_values": with_na,
        "settings": {
            "repeats": repeats, "folds": folds, "min_frequency": min_frequency,
            "fold_scheme": "file" if folds_file is not None else fold_scheme,
            "folds_file": folds_file, "thresh": thresh, "maxit": maxit, "cutoff": cutoff,
        },
        "signature": signature.table()[["gene", "coefficient", "frequency"]].to_dict("records"),
        "signature_warnings": signature.warnings,
        "repeats_with_solver_warnings": int((per_repeat.get("n_warnings", pd.Series()) > 0).sum()),
        "risk_cutoff": _num(threshold),
        "logrank": {"chi2": _num(chi2), "p_value": _num(logrank_p)},
        "apparent": _perf(apparent, times),
        "validated": None if validation is None else _validated(validation, times),
    }  # fmt: skip
    with staged_outputs(outdir) as stage:
        write_tsv(univariate, stage.path("univariate_cox.tsv"))
        write_tsv(frequencies, stage.path("selection_frequency.tsv"))
        write_tsv(signature.table(), stage.path("signature.tsv"))
        write_tsv(per_repeat, stage.path("per_repeat.tsv"))
        write_tsv(folds_table(fold_ids, samples), stage.path("folds.tsv"))
        write_tsv(scores, stage.path("risk_scores.tsv"))
        note = f"log-rank p = {_fmt_p(logrank_p)}\nC = {apparent.c_index:.3f}"
        km_figure(time, event, group, stage.path(f"pfs_km.{fmt}"),
                  f"PFS by signature risk group ({len(signature.genes)} genes)", note,
                  time_unit.capitalize(), fmt)  # fmt: skip
        selection_figure(frequencies, min_frequency, stage.path(f"pfs_selection.{fmt}"),
                         f"Adaptive lasso, {repeats} repeats", figure_format=fmt)  # fmt: skip
        if validation is not None:
            write_tsv(validation.per_fold, stage.path("validation.tsv"))
        write_summary(document, stage.path("pfs_summary.json"), outdir, seed=seed)
    shown = ", ".join(signature.genes) if signature.genes else "no gene"
    checked = f", validated {validation.pooled.c_index:.3f}" if validation else ""
    say(f"pfs-signature: {len(samples)} samples ({int(event.sum())} events), "
        f"{len(data.genes)} genes, {repeats} repeats: {shown} "
        f"(C = {apparent.c_index:.3f}{checked})", quiet)  # fmt: skip


def _validated(validation: Any, times: np.ndarray) -> dict[str, Any]:
    import numpy as np

    per_fold = [_num(c) for c in validation.per_fold["c_index"]]
    spread = np.std(validation.per_fold["c_index"], ddof=1) if len(per_fold) > 1 else None
    return {
        "outer_folds": len(per_fold),
        **_perf(validation.pooled, times),
        "c_index_per_fold": per_fold,
        "c_index_fold_sd": None if spread is None else _num(spread),
    }


def _perf(perf: Any, times: np.ndarray) -> dict[str, Any]:
    return {"c_index": _num(perf.c_index),
            "auc": {f"{t:g}": _num(a) for t, a in zip(times, perf.auc, strict=True)}}  # fmt: skip


def _num(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _fmt_p(p: float) -> str:
    return "NA" if not math.isfinite(p) else (f"{p:.2g}" if p < 0.001 else f"{p:.3f}")


def _few(names: Sequence[str], count: int = 5) -> str:
    return ", ".join(names[:count]) + (f" and {len(names) - count} more" if len(names) > count
                                       else "")  # fmt: skip


def _match_samples(table: pd.DataFrame, surv: pd.DataFrame, survival: Path, expression: Path,
                   allow_missing: bool) -> tuple[pd.DataFrame, list[str]]:  # fmt: skip
    """Survival rows with expression (in survival order), and expression-only samples."""
    have = set(map(str, table.columns))
    missing = [s for s in surv["sample"] if s not in have]
    if missing and not allow_missing:
        raise IcarusError(
            f"{survival}: {len(missing)} sample(s) have no column in {expression}: "
            f"{_few(missing)}; fix the names or pass --allow-missing to analyse the others"
        )
    if missing:
        warn(f"{len(missing)} sample(s) without expression left out: {_few(missing)}")
    listed = set(surv["sample"])
    extra = [str(s) for s in table.columns if s not in listed]
    if extra:
        warn(f"{len(extra)} expression sample(s) without survival not used: {_few(extra)}")
    return surv[surv["sample"].isin(have)].reset_index(drop=True), extra


def _candidates(
    table: pd.DataFrame, genes: Path | None, read_gene_list: Callable[[Path], list[str]]
) -> tuple[pd.DataFrame, int | None]:
    if genes is None:
        return table, None
    wanted = read_gene_list(genes)
    present = [g for g in wanted if g in table.index]
    absent = [g for g in wanted if g not in table.index]
    if not present:
        raise IcarusError(f"{genes}: none of its {len(wanted)} genes is in the expression")
    if absent:
        warn(f"{len(absent)} gene(s) of {genes.name} not in the expression table: {_few(absent)}")
    return table.loc[present], len(wanted)


def _cutoff(cutoff: str) -> float | None:
    """None for the median, else the number given (finite)."""
    if cutoff == "median":
        return None
    try:
        value = float(cutoff)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value):
        raise IcarusError(f"--cutoff {cutoff!r}: give 'median' or a finite number")
    return value


def _auc_times(text: str | None) -> np.ndarray | None:
    """The AUC times given (sorted, distinct, positive and finite), or None for the default."""
    import numpy as np

    if text is None:
        return None
    try:
        values = np.array([float(t) for t in text.split(",") if t.strip()])
    except ValueError:
        values = np.array([])
    if len(values) == 0 or not (np.isfinite(values) & (values > 0)).all():
        raise IcarusError(f"--auc-times {text!r}: give positive numbers separated by commas")
    return np.unique(values)


def _mapper(threads: int, tick: Callable[..., None]) -> Callable[..., Any]:
    from icarus_omics.parallel import parallel_map

    def run(function: Callable[..., Any], jobs: Sequence[tuple]) -> list[Any]:
        out = []
        for result in parallel_map(function, jobs, threads):
            out.append(result)
            tick()
        return out

    return run
