"""``evaluate``'s files: the scores table in, evaluation.tsv, comparisons.tsv and the
figures out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.evaluation.evaluate import Evaluation
from icarus_omics.io.clinical import read_patient_table
from icarus_omics.io.figures import FigureFormat
from icarus_omics.io.files import safe_name
from icarus_omics.io.tables import write_tsv


def read_scores(path: Path, id_column: str | None, where: list[tuple[str, str]]) -> pd.DataFrame:
    """The scores table as text, indexed by ``id_column`` (default ``patient`` when the
    table has one, else its first column), keeping the rows matching every ``where``
    (COLUMN, VALUE) pair; an id given twice is an error (add --where timepoint=BL)."""
    table = read_patient_table(path, "scores table")
    column = id_column or ("patient" if "patient" in table.columns else str(table.columns[0]))
    for name in [column, *(c for c, _ in where)]:
        if name not in table.columns:
            raise IcarusError(f"{path}: no column {name!r} (columns: "
                              f"{', '.join(map(str, table.columns))})")  # fmt: skip
    for name, value in where:
        table = table[table[name].astype(str).str.strip() == value]
    if len(table) == 0:
        raise IcarusError(f"{path}: no row left after --where")
    ids = table[column].astype(str).str.strip()
    if (ids == "").any():
        raise IcarusError(f"{path}: a row has no {column}")
    repeated = ids[ids.duplicated()]
    if len(repeated):
        raise IcarusError(f"{path}: {column} {repeated.iloc[0]!r} has more than one row "
                          "(one row per patient; e.g. --where timepoint=BL)")  # fmt: skip
    out = table.drop(columns=[column]).set_axis(pd.Index(ids, name=column))
    return out


def write_tables(evaluation: Evaluation, outdir_path: Any, comparisons: bool) -> None:
    """evaluation.tsv (and comparisons.tsv) through the staging folder's ``path``."""
    write_tsv(evaluation.table(), outdir_path("evaluation.tsv"))
    if comparisons:
        write_tsv(evaluation.comparison_table(), outdir_path("comparisons.tsv"))


def write_figures(evaluation: Evaluation, outcome: str, outdir_path: Any,
                  fmt: FigureFormat, level: float) -> None:  # fmt: skip
    """ROC, precision-recall, calibration and decision curves (response) or Kaplan-Meier
    groups and the spline hazard ratio per score (PFS), and the forest plot of every
    score's ratio per SD."""
    curves = evaluation.curves
    if outcome == "response":
        from icarus_omics.io.calibration_plots import calibration_figure, decision_figure
        from icarus_omics.io.roc_plots import pr_figure, roc_figure

        roc_figure(curves.get("roc", {}), outdir_path(f"roc.{fmt}"), "ROC: response",
                   figure_format=fmt)  # fmt: skip
        pr_figure(curves.get("pr", {}), outdir_path(f"precision_recall.{fmt}"),
                  "Precision-recall: response", figure_format=fmt)  # fmt: skip
        if curves.get("calibration"):
            calibration_figure(curves["calibration"], outdir_path(f"calibration.{fmt}"),
                               "Calibration", figure_format=fmt)  # fmt: skip
            decision_figure(curves["decision"], outdir_path(f"decision_curve.{fmt}"),
                            "Decision curve", figure_format=fmt)  # fmt: skip
    else:
        from icarus_omics.io.spline_plots import spline_figure
        from icarus_omics.io.survival_plots import km_figure

        for score, (time, event, groups) in curves.get("km", {}).items():
            stem = safe_name(score, "score", "rename the column")
            km_figure(time, event, np.asarray(groups).astype(str), outdir_path(f"km_{stem}.{fmt}"),
                      f"PFS by {score}", time_label="Months", figure_format=fmt,
                      show_median=True, conf_level=level)  # fmt: skip
        for score, spline in curves.get("spline", {}).items():
            stem = safe_name(score, "score", "rename the column")
            spline_figure(spline, outdir_path(f"spline_{stem}.{fmt}"), f"PFS hazard by {score}",
                          figure_format=fmt, x_label=score)  # fmt: skip
    _forest(curves.get("forest", {}), outcome, outdir_path(f"forest.{fmt}"), fmt)


def _forest(metrics: dict[str, Any], outcome: str, path: Path, fmt: FigureFormat) -> None:
    from icarus_omics.io.survival_plots import forest_figure

    ratio = "OR for response" if outcome == "response" else "HR for PFS"
    columns = ["label", "estimate", "ci_low", "ci_high", "p_value", "group"]
    rows = pd.DataFrame([{"label": score, "estimate": m.estimate, "ci_low": m.ci_low,
                          "ci_high": m.ci_high, "p_value": m.p_value,
                          "group": f"{ratio}, per SD"} for score, m in metrics.items()],
                        columns=columns)  # fmt: skip
    forest_figure(rows, path, f"Scores against {outcome}", figure_format=fmt,
                  x_label=f"{ratio.split()[0]} per SD (log scale)")  # fmt: skip
