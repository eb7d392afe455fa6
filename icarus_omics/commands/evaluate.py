"""``evaluate``: scores against response or PFS, as papers report them (library: evaluation/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, cast

import typer

from icarus_omics.commands.params import (
    FigureFormat,
    FigureKind,
    OutDir,
    Quiet,
    key_values,
    months,
    say,
    warn,
)
from icarus_omics.errors import IcarusError
from icarus_omics.io.figures import FigureFormat as PlotFormat

_SCORES = ("One row per patient (TSV, or CSV by suffix): an id column and one numeric column "
           "per score.")  # fmt: skip
_OUTCOMES = "The clinical table (clinical's columns: best_response, pfs_months, pfs_event)."


def evaluate(
    scores: Annotated[Path, typer.Argument(metavar="SCORES", exists=True, dir_okay=False,
                                           help=_SCORES)],
    outcomes: Annotated[Path, typer.Argument(metavar="OUTCOMES", exists=True, dir_okay=False,
                                             help=_OUTCOMES)],
    outdir: OutDir = Path("."),
    outcome: Annotated[Literal["response", "pfs"], typer.Option(metavar="OUTCOME",
        help="response (CR/PR vs the rest) or pfs.")] = "response",
    score: Annotated[list[str] | None, typer.Option("--score", metavar="COLUMN",
        help="Score column to evaluate; repeatable (default: every numeric column).")] = None,
    id_column: Annotated[str | None, typer.Option("--id", metavar="COLUMN",
        help="SCORES' patient id column (default: patient, else the first).")] = None,
    where: Annotated[list[str] | None, typer.Option(metavar="COLUMN=VALUE",
        help="Keep SCORES rows with this value (e.g. timepoint=BL); repeatable.")] = None,
    column: Annotated[list[str] | None, typer.Option(metavar="KEY=NAME",
        help="Read OUTCOMES column NAME as KEY (e.g. best_response=BOR); repeatable.")] = None,
    positive: Annotated[str, typer.Option(metavar="CODES",
        help="Best responses counted as response.")] = "CR,PR",
    ne_evaluable: Annotated[bool, typer.Option("--ne-evaluable",
        help="Count NE as non-response instead of leaving it out.")] = False,
    threshold: Annotated[float | None, typer.Option(metavar="X",
        help="Score threshold for sensitivity, specificity, PPV, NPV, kappa (default: "
             "Youden's optimum, flagged as optimistic).")] = None,
    per: Annotated[float | None, typer.Option(min=0.0, metavar="UNITS",
        help="Also give the odds ratio per this many units (e.g. 0.1).")] = None,
    adjust: Annotated[str, typer.Option(metavar="COLUMNS",
        help="OUTCOMES columns to adjust for, comma-separated (e.g. age,stage).")] = "",
    probability: Annotated[list[str] | None, typer.Option(metavar="COLUMN",
        help="A score that is a probability: calibration and decision curve; "
             "repeatable.")] = None,
    versus: Annotated[list[str] | None, typer.Option(metavar="COLUMN",
        help="Compare each score's AUC with this one (DeLong); default every pair.")] = None,
    lower: Annotated[list[str] | None, typer.Option(metavar="COLUMN",
        help="A score where a lower value means response (or higher risk): negated, said "
             "in every row; repeatable.")] = None,
    landmarks: Annotated[str, typer.Option(metavar="M1,M2",
        help="Months for the time-dependent AUC (pfs).")] = "6,12",
    groups: Annotated[Literal["tertiles", "maxstat"], typer.Option(metavar="HOW",
        help="Kaplan-Meier groups: tertiles, or maxstat's cutpoint (data-driven).")] = "tertiles",
    bootstrap: Annotated[int, typer.Option(min=100, max=100_000, metavar="N",
        help="Bootstrap resamples (average precision and ROC bands).")] = 2000,
    seed: Annotated[int, typer.Option(min=0, metavar="SEED", help="Bootstrap seed.")] = 0,
    ci: Annotated[float, typer.Option(min=0.5, max=0.999, metavar="LEVEL")] = 0.95,
    figure_format: FigureFormat = FigureKind.png,
    quiet: Quiet = False,
) -> None:  # fmt: skip
    """Evaluate scores against response (AUC with DeLong's interval, average precision,
    threshold metrics, odds ratios, calibration and decision curves, DeLong's test
    between scores) or PFS (HR per SD, Harrell's C, time-dependent AUC, maxstat cutpoint,
    spline hazard ratio, Kaplan-Meier groups).

    Writes evaluation.tsv (score, outcome, metric, estimate, ci_low, ci_high, p_value,
    method), comparisons.tsv (response), figures and evaluation_summary.json.
    """
    from icarus_omics.clinical.patients import prepare_patients
    from icarus_omics.evaluation import outcomes as sides
    from icarus_omics.evaluation.evaluate import Settings, evaluate_pfs, evaluate_response
    from icarus_omics.io.clinical import read_patient_table, rename_columns
    from icarus_omics.io.evaluation import read_scores, write_figures, write_tables
    from icarus_omics.io.files import staged_outputs
    from icarus_omics.io.summary import write_summary

    raw = rename_columns(read_patient_table(outcomes), column or [], outcomes)
    patients = prepare_patients(raw, str(outcomes))
    codes = tuple(c.strip().upper() for c in positive.split(",") if c.strip())
    side = (sides.response_outcome(patients, codes, ne_evaluable) if outcome == "response"
            else sides.pfs_outcome(patients))  # fmt: skip
    table = read_scores(
        scores, id_column, list(key_values(where or [], "--where", "COLUMN=VALUE").items())
    )
    named = [*(probability or []), *(versus or []), *(lower or [])]
    sides.score_columns(table, named, str(scores))  # each named column exists, numeric
    values = sides.score_columns(table, [*(score or []), *named] if score else [], str(scores))
    for name in named:
        if name not in values.columns:
            raise IcarusError(f"{name!r} is not among the evaluated scores (add --score {name})")
    matched = sides.match(values, side, str(scores))
    names = [c.strip() for c in adjust.split(",") if c.strip()]
    covariates = (sides.covariate_table(raw, names, matched.scores.index, str(outcomes))
                  if names else None)  # fmt: skip
    settings = Settings(ci, bootstrap, seed, threshold, per, tuple(probability or []),
                        tuple(versus or []), months(landmarks), groups,
                        lower=tuple(lower or []))  # fmt: skip
    run = evaluate_response if outcome == "response" else evaluate_pfs
    result = run(matched, settings, covariates)
    if matched.scores_only:
        warn(f"evaluate: {len(matched.scores_only)} patient(s) of SCORES not in OUTCOMES "
             f"(or not evaluable), e.g. {matched.scores_only[0]!r}")  # fmt: skip
    fmt = cast(PlotFormat, figure_format.value)
    with staged_outputs(outdir) as stage:
        write_tables(result, stage.path, comparisons=outcome == "response")
        write_figures(result, outcome, stage.path, fmt, ci)
        summary = {"outcome": outcome, "scores": list(matched.scores.columns),
                   "patients": len(matched.scores), "adjusted_for": names,
                   "scores_only": list(matched.scores_only),
                   "outcome_only": list(matched.outcome_only)}  # fmt: skip
        write_summary(summary, stage.path("evaluation_summary.json"), outdir, seed=seed)
    say(f"evaluate: {len(matched.scores.columns)} score(s) against {outcome} on "
        f"{len(matched.scores)} patients; seed {seed}; outputs in {outdir}", quiet)  # fmt: skip
