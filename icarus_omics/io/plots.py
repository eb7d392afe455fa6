"""Figures (matplotlib, Agg backend: no display needed on a cluster node)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import Patch, Rectangle

if TYPE_CHECKING:
    from icarus_omics.oncogenic.alterations import Groups

COLOURS = {
    "missense": "#2e7d32",
    "truncating": "#212121",
    "inframe": "#8d6e63",
    "other": "#9e9e9e",
    "amplification": "#c62828",
    "deletion": "#1565c0",
}
GROUP_COLOURS = ("#ef6c00", "#5e35b1")


def oncoplot(matrix: pd.DataFrame, groups: Groups, path: Path, title: str = "") -> None:
    """Oncoplot of a gene x sample alteration matrix (cells: ';'-joined types), samples
    ordered by group then by alteration pattern, per-group frequencies on the right.
    Samples not profiled (``NA`` columns) are drawn hatched, after their group's profiled
    samples, and left out of the frequencies."""
    from icarus_omics.oncogenic.alterations import NOT_PROFILED

    altered = (matrix != "") & (matrix != NOT_PROFILED)
    absent = {s for s in matrix.columns if (matrix[s] == NOT_PROFILED).all() and len(matrix)}
    genes = list(altered.sum(axis=1).sort_values(ascending=False, kind="stable").index)
    order = []
    for label in (groups.a, groups.b):
        members = [s for s in groups.members(label) if s in matrix.columns and s not in absent]
        pattern = altered.loc[genes, members].T.astype(int)
        order += list(pattern.sort_values(by=genes, ascending=False, kind="stable").index)
        order += [s for s in groups.members(label) if s in absent]
    width = max(6.0, 0.22 * len(order) + 4.0)
    height = max(3.0, 0.28 * len(genes) + 1.6)
    figure, (ax, side) = plt.subplots(
        1, 2, figsize=(width, height), gridspec_kw={"width_ratios": [max(len(order), 1), 6]}
    )
    _cells(ax, matrix, genes, order, groups)
    _frequencies(side, altered.drop(columns=sorted(absent)), genes, groups)
    handles = [Patch(color=c, label=t) for t, c in COLOURS.items()]
    if absent:
        handles.append(Patch(facecolor="white", edgecolor="#9e9e9e", hatch="///",
                             label="not profiled"))  # fmt: skip
    handles += [Patch(color=GROUP_COLOURS[i], label=f"{groups.column} {g}")
                for i, g in enumerate((groups.a, groups.b))]  # fmt: skip
    figure.legend(handles=handles, loc="lower center", ncol=4, fontsize=7, frameon=False)
    figure.suptitle(title or "Oncoplot", fontsize=10)
    figure.tight_layout(rect=(0, 0.08, 1, 0.96))
    figure.savefig(path, dpi=150, format="png")
    plt.close(figure)


def _cells(ax: plt.Axes, matrix: pd.DataFrame, genes: list[str], order: list[str],
           groups: Groups) -> None:  # fmt: skip
    from icarus_omics.oncogenic.alterations import NOT_PROFILED

    for x, sample in enumerate(order):
        label = groups.samples.get(sample)
        colour = GROUP_COLOURS[0] if label == groups.a else GROUP_COLOURS[1]
        ax.add_patch(Rectangle((x, -1.2), 0.9, 0.8, color=colour))
        for y, gene in enumerate(genes):
            if matrix.loc[gene, sample] == NOT_PROFILED:
                ax.add_patch(Rectangle((x, y), 0.9, 0.9, facecolor="white", linewidth=0.3,
                                       edgecolor="#9e9e9e", hatch="///"))  # fmt: skip
                continue
            types = [t for t in str(matrix.loc[gene, sample]).split(";") if t]
            ax.add_patch(Rectangle((x, y), 0.9, 0.9, color="#eeeeee"))
            for k, kind in enumerate(types):
                share = 0.9 / len(types)
                ax.add_patch(Rectangle((x, y + k * share), 0.9, share, color=COLOURS[kind]))
    ax.set_xlim(0, max(len(order), 1))
    ax.set_ylim(len(genes), -1.3)
    ax.set_yticks([y + 0.45 for y in range(len(genes))], genes, fontsize=7, style="italic")
    ax.set_xticks([x + 0.45 for x in range(len(order))], order, fontsize=6, rotation=90)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _frequencies(ax: plt.Axes, altered: pd.DataFrame, genes: list[str], groups: Groups) -> None:
    for i, label in enumerate((groups.a, groups.b)):
        members = [s for s in groups.members(label) if s in altered.columns]
        share = (
            altered.loc[genes, members].mean(axis=1) * 100
            if members
            else altered.loc[genes].sum(axis=1) * 0
        )
        ax.barh([y + 0.25 + 0.4 * i for y in range(len(genes))], share, height=0.4,
                color=GROUP_COLOURS[i])  # fmt: skip
    ax.set_ylim(len(genes), -1.3)
    ax.set_yticks([])
    ax.set_xlabel("% altered", fontsize=7)
    ax.tick_params(labelsize=6)
    for spine in ("top", "right", "left"):
        ax.spines[spine].set_visible(False)
