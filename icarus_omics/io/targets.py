"""``target-expression`` files: the expression table (only the wanted genes' rows), the
sample sheet (sample, patient, timepoint) and the figure of log2 expression per gene."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from icarus_omics.errors import IcarusError
from icarus_omics.evaluation.targets import SHEET_COLUMNS
from icarus_omics.io.counts import read_count_matrix
from icarus_omics.io.figures import FigureFormat, save_figure
from icarus_omics.io.tables import check_unique_samples, open_text, read_tsv

if TYPE_CHECKING:
    import pandas as pd


def read_target_expression(path: Path, genes: Sequence[str]) -> pd.DataFrame:
    """Genes x samples expression (TSV/CSV, optionally gzipped; first column gene symbols),
    as floats, holding only the rows of ``genes``: the other rows of a 60,000-gene table are
    skipped unread (their duplicates or text cells do not matter here). Repeated sample
    columns, a repeated wanted gene, an empty or a non-numeric wanted cell are errors."""
    wanted = set(genes)
    table = read_count_matrix(path, "expression table", rows=lambda ids: [g in wanted for g in ids])
    if table.empty:
        with open_text(path) as handle:
            if not handle.readline() or not handle.readline().strip():
                raise IcarusError(f"{path}: the expression table has a header but no gene rows")
    return table


def read_timepoint_sheet(path: Path) -> pd.DataFrame:
    """The sample sheet: columns sample, patient, timepoint (text; others dropped), each
    sample once."""
    table = read_tsv(path, SHEET_COLUMNS, "sample sheet")
    check_unique_samples(table["sample"], path)
    return table[list(SHEET_COLUMNS)]


def target_figure(
    table: pd.DataFrame,
    pairs: Sequence[tuple[str, str]],
    path: Path,
    figure_format: FigureFormat = "png",
) -> None:
    """Box and strip plot of log2 expression per gene (``table``: the long target table).
    Paired samples sit left (baseline) and right (on treatment) of their gene, joined by a
    line; the others are spread evenly across the middle (no random jitter: same bytes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    genes = list(dict.fromkeys(table["gene"]))
    log2 = table.pivot(index="sample", columns="gene", values="log2")
    paired = {s for pair in pairs for s in pair}
    single = [s for s in dict.fromkeys(table["sample"]) if s not in paired]
    figure, ax = plt.subplots(figsize=(1.2 + 1.1 * len(genes), 3.6))
    ax.boxplot([log2[g].to_numpy() for g in genes], positions=range(len(genes)), widths=0.6,
               showfliers=False, medianprops={"color": "black"})  # fmt: skip
    spread = np.linspace(-0.12, 0.12, len(single)) if len(single) > 1 else np.zeros(len(single))
    for x, gene in enumerate(genes):
        ax.scatter(x + spread, log2.loc[single, gene], s=10, color="#4c72b0", zorder=3)
        for baseline, treated in pairs:
            ys = log2.loc[[baseline, treated], gene].to_numpy(dtype=float)
            ax.plot([x - 0.2, x + 0.2], ys, color="#999999", linewidth=0.7, zorder=2)
            ax.scatter([x - 0.2, x + 0.2], ys, s=10, color=["#4c72b0", "#dd8452"], zorder=3)
    ax.set_xticks(range(len(genes)))
    ax.set_xticklabels([g.replace("$", r"\$") for g in genes])  # no mathtext from a name
    ax.set_ylabel("log2(TPM + pseudocount)")
    title = "Target expression" + (", baseline left, on treatment right" if pairs else "")
    ax.set_title(title, fontsize=9)
    figure.tight_layout()
    save_figure(figure, path, figure_format)
