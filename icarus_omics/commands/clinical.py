"""``clinical``: the trial's endpoints and every biomarker against outcome (library: clinical/)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

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
from icarus_omics.io.files import safe_name, staged_outputs

if TYPE_CHECKING:
    import pandas as pd

_CLINICAL = ("One row per patient (TSV, or CSV by its .csv suffix): patient, best_response, "
             "confirmed, sd_months, pfs_months/pfs_event, os_..., dor_..., tumor_change_pct, "
             "or dates.")  # fmt: skip
Level = Annotated[float, typer.Option(min=0.5, max=0.999, metavar="LEVEL")]


def clinical(
    table: Annotated[Path, typer.Argument(metavar="CLINICAL", exists=True, dir_okay=False,
                                          help=_CLINICAL)],
    outdir: OutDir = Path("."),
    column: Annotated[list[str] | None, typer.Option(metavar="KEY=NAME",
        help="Read column NAME as KEY (e.g. best_response=BOR); repeatable.")] = None,
    by: Annotated[list[str] | None, typer.Option(metavar="COLUMN",
        help="Biomarker column (of CLINICAL or --biomarkers) to set against outcome; "
             "repeatable.")] = None,
    biomarkers: Annotated[Path | None, typer.Option(metavar="TABLE", exists=True,
        dir_okay=False, help="Biomarker table joined by its patient column.")] = None,
    reference: Annotated[list[str] | None, typer.Option(metavar="MARKER=LEVEL",
        help="Reference level of a categorical marker; default: the first (R's order).")] = None,
    ci: Level = 0.95,
    orr_ci: Annotated[float | None, typer.Option(min=0.5, max=0.999, metavar="LEVEL",
        help="Level of the ORR interval; default --ci (the study: 0.90).")] = None,
    ci_type: Annotated[Literal["log-log", "log", "plain"], typer.Option(metavar="TYPE",
        help="Kaplan-Meier interval: log-log (SAS, most trial reports), log (R's default) "
             "or plain.")] = "log-log",
    cbr_months: Annotated[float, typer.Option(min=0.0, metavar="MONTHS",
        help="Stable disease at least this long counts for CBR.")] = 6.0,
    null_orr: Annotated[float | None, typer.Option(min=0.0, max=1.0, metavar="RATE",
        help="Test ORR > RATE (one-sided exact binomial; the study: 0.12).")] = None,
    ne_evaluable: Annotated[bool, typer.Option("--ne-evaluable",
        help="Count NE as non-response (intention to treat) instead of leaving it out.")] = False,
    landmarks: Annotated[str, typer.Option(metavar="M1,M2",
        help="Months at which to report Kaplan-Meier rates.")] = "6,12",
    death_window_weeks: Annotated[float, typer.Option(min=0.0, metavar="WEEKS",
        help="With dates: a death this close to the last assessment counts as "
             "progression.")] = 12.0,
    figure_format: FigureFormat = FigureKind.png,
    quiet: Quiet = False,
) -> None:  # fmt: skip
    """Compute the trial's endpoints (ORR, CBR, DCR with exact intervals; Kaplan-Meier
    PFS, OS and DoR medians and landmark rates; median follow-up by reverse Kaplan-Meier)
    and, with --by, every endpoint per biomarker group with Fisher, logistic, Cox and
    log-rank tests.

    Writes endpoints.tsv, patients.tsv, association.tsv (with --by), Kaplan-Meier figures,
    a waterfall (with tumor_change_pct), a forest plot (with --by) and clinical_summary.json.
    """
    from icarus_omics.clinical.associations import associations, evaluable_responders
    from icarus_omics.clinical.endpoints import Settings, endpoint_table, grouping, levels
    from icarus_omics.clinical.patients import prepare_patients
    from icarus_omics.clinical.responses import classify
    from icarus_omics.io.clinical import read_patient_table, rename_columns
    from icarus_omics.io.summary import write_summary
    from icarus_omics.io.tables import write_tsv

    marks = months(landmarks)
    references = key_values(reference or [], "--reference", "MARKER=LEVEL")
    raw = rename_columns(read_patient_table(table), column or [], table)
    patients = prepare_patients(raw, str(table), death_window_weeks)
    markers = _markers(by or [], raw, patients, biomarkers)
    for name, level in references.items():
        if name not in markers:
            raise IcarusError(f"--reference {name}=...: {name} is not a --by marker")
        if level not in levels(grouping(markers[name])):
            raise IcarusError(
                f"--reference {name}={level}: {name} has no level {level!r} (levels: "
                f"{', '.join(levels(grouping(markers[name])))})"
            )
    settings = Settings(level=ci, orr_level=orr_ci, cbr_months=cbr_months, null_orr=null_orr,
                        ne_evaluable=ne_evaluable, landmarks=marks, conf_type=ci_type)  # fmt: skip
    endpoints = endpoint_table(patients, settings, markers)
    derived = patients.copy()
    association = None
    if "best_response" in patients:
        classes = classify(patients, cbr_months)
        derived = derived.join(classes.drop(columns="patient"))
    if markers:
        responders = (evaluable_responders(classes, ne_evaluable) if "best_response" in patients
                      else None)  # fmt: skip
        association = associations(patients, markers, responders, references)
        for marker, values in markers.items():
            derived[marker] = values.to_numpy()
    fmt = cast(PlotFormat, figure_format.value)
    document = _summary(endpoints, association, patients, markers, settings)
    with staged_outputs(outdir) as stage:
        write_tsv(endpoints, stage.path("endpoints.tsv"))
        write_tsv(derived, stage.path("patients.tsv"))
        if association is not None:
            write_tsv(association, stage.path("association.tsv"))
        _figures(stage, patients, markers, association, settings, fmt)
        write_summary(document, stage.path("clinical_summary.json"), outdir)
    orr = endpoints[(endpoints["endpoint"] == "ORR") & (endpoints["group"] == "all")]
    shown = ""
    if len(orr):
        row = orr.iloc[0]
        shown = (f": ORR {int(row['events'])}/{int(row['n'])} = {100 * row['estimate']:.1f}% "
                 f"({100 * row['ci_level']:.0f}% CI {100 * row['ci_low']:.1f}-"
                 f"{100 * row['ci_high']:.1f})")  # fmt: skip
    say(f"clinical: {len(patients)} patients{shown}; {len(endpoints)} endpoint rows"
        + (f", {len(markers)} marker(s)" if markers else ""), quiet)  # fmt: skip


def _markers(names: list[str], raw: pd.DataFrame, patients: pd.DataFrame,
             biomarkers: Path | None) -> dict[str, pd.Series]:  # fmt: skip
    """Each --by column as a Series aligned with ``patients`` (missing values NaN)."""
    import pandas as pd

    from icarus_omics.io.clinical import read_patient_table

    extra = None
    if biomarkers is not None:
        extra = read_patient_table(biomarkers, "biomarker table")
        key = "patient" if "patient" in extra.columns else extra.columns[0]
        extra = extra.assign(**{key: extra[key].astype(str).str.strip()})
        if extra[key].duplicated().any():
            name = extra.loc[extra[key].duplicated(), key].iloc[0]
            raise IcarusError(f"{biomarkers}: patient {name!r} has more than one row")
        unknown = sorted(set(extra[key]) - set(patients["patient"]))
        if unknown:
            warn(f"{len(unknown)} patient(s) of {biomarkers.name} not in the clinical table: "
                 f"{', '.join(unknown[:5])}")  # fmt: skip
        extra = extra.set_index(key)
    out: dict[str, pd.Series] = {}
    for name in names:
        if name in raw.columns:
            values = raw[name].astype(str).str.strip().to_numpy()
        elif extra is not None and name in extra.columns:
            values = extra[name].reindex(patients["patient"]).astype(object).to_numpy()
        else:
            where = " or the --biomarkers table" if extra is not None else ""
            raise IcarusError(f"--by {name}: no such column in the clinical table{where}")
        series = pd.Series(values, index=patients.index, dtype=object)
        series = series.where(~series.isin(["", "NA", "nan", None]))
        if series.notna().sum() == 0:
            raise IcarusError(f"--by {name}: the column has no values")
        out[name] = series
    return out


def _summary(endpoints: pd.DataFrame, association: pd.DataFrame | None,
             patients: pd.DataFrame, markers: dict[str, Any],
             settings: Any) -> dict[str, Any]:  # fmt: skip
    def clean(value: object) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    overall = endpoints[endpoints["group"] == "all"]
    return {
        "patients": len(patients),
        "settings": {"ci": settings.level, "orr_ci": settings.orr_level or settings.level,
                     "ci_type": settings.conf_type, "cbr_months": settings.cbr_months,
                     "null_orr": settings.null_orr, "ne_evaluable": settings.ne_evaluable,
                     "landmarks": list(settings.landmarks)},
        "endpoints": [{k: clean(v) for k, v in row.items()}
                      for row in overall.to_dict("records")],
        "markers": list(markers),
        "associations": 0 if association is None else len(association),
    }  # fmt: skip


def _figures(stage: Any, patients: pd.DataFrame, markers: dict[str, Any],
             association: pd.DataFrame | None, settings: Any, fmt: PlotFormat) -> None:  # fmt: skip
    import numpy as np

    from icarus_omics.clinical.endpoints import grouping
    from icarus_omics.io.survival_plots import forest_figure, km_figure, waterfall_figure

    for name, prefix in (("PFS", "pfs"), ("OS", "os"), ("DoR", "dor")):
        if f"{prefix}_months" not in patients:
            continue
        known = patients[f"{prefix}_months"].notna().to_numpy()
        if not known.any():
            continue
        time = patients[f"{prefix}_months"].to_numpy(dtype=float)[known]
        event = patients[f"{prefix}_event"].to_numpy(dtype=float)[known]
        km_figure(time, event, np.array(["all"] * len(time)), stage.path(f"km_{prefix}.{fmt}"),
                  f"{name}, all patients", time_label="Months", figure_format=fmt,
                  landmarks=settings.landmarks, show_median=True,
                  conf_level=settings.level)  # fmt: skip
        for marker, values in markers.items():
            groups = grouping(values).to_numpy()[known]
            has = np.array([g is not None and g == g for g in groups])
            if has.sum() == 0:
                continue
            stem = safe_name(f"km_{prefix}_by_{marker}", "marker", "rename the column")
            km_figure(time[has], event[has], groups[has].astype(str),
                      stage.path(f"{stem}.{fmt}"), f"{name} by {marker}", time_label="Months",
                      figure_format=fmt, landmarks=settings.landmarks, show_median=True,
                      conf_level=settings.level)  # fmt: skip
    if "tumor_change_pct" in patients and "best_response" in patients:
        waterfall_figure(patients["tumor_change_pct"].to_numpy(dtype=float),
                         patients["best_response"].to_numpy(), stage.path(f"waterfall.{fmt}"),
                         "Best change in target lesions", figure_format=fmt)  # fmt: skip
    if association is not None:
        rows = association[association["test"].isin(["cox", "logistic"])].copy()
        if len(rows):
            rows["label"] = rows["marker"] + ": " + rows["comparison"]
            rows["group"] = np.where(rows["test"] == "cox", "HR for " + rows["outcome"],
                                     "OR for response")  # fmt: skip
            forest_figure(rows[["label", "estimate", "ci_low", "ci_high", "p_value", "group"]],
                          stage.path(f"forest.{fmt}"), "Biomarkers against outcome",
                          figure_format=fmt)  # fmt: skip
