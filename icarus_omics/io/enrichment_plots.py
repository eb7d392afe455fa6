"""GSEA figures: running enrichment score of the top terms, and a clusterProfiler-style dot plot
(matplotlib, Agg backend: no display needed on a cluster node)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap

from icarus_omics.enrichment.gsea import running_sum
from icarus_omics.io.figures import FigureFormat, save_figure

CURVE = "#2e7d32"
HIT = "#212121"
# clusterProfiler's dot plot: red for the smallest adjusted p-value, blue for the largest
PADJ_COLOURS = LinearSegmentedColormap.from_list("padj", ["#d62728", "#7b3294", "#1f77b4"])
LABEL_LENGTH = 48


def _label(term: str) -> str:
    return term if len(term) <= LABEL_LENGTH else term[: LABEL_LENGTH - 3] + "..."


def _top(table: pd.DataFrame, count: int) -> pd.DataFrame:
    """The ``count`` terms with the smallest padj (then p-value, term), NaN scores left out."""
    ranked = table.dropna(subset=["nes", "padj"])
    return ranked.sort_values(["padj", "pvalue", "term"], kind="mergesort").head(count)


def enrichment_plots(
    table: pd.DataFrame,
    ranking: pd.Series,
    gene_sets: Mapping[str, Sequence[str]],
    path: Path,
    top: int = 5,
    gsea_param: float = 1.0,
    title: str = "",
    figure_format: FigureFormat = "png",
) -> None:
    """Running enrichment score and hit positions of the ``top`` terms by padj, one panel
    each titled with its set name, with ES, NES and padj annotated.

    ``table`` is a GSEA results table, ``ranking`` the ranked list it used (gene -> score,
    decreasing) and ``gene_sets`` the tested sets' genes; ``title`` (the gene-set
    collection and the ranking) heads the figure.
    """
    chosen = _top(table, top)
    panels = max(len(chosen), 1)
    # per term: the curve, its hit ticks, and a spacer row before the next term
    figure, axes = plt.subplots(
        3 * panels, 1, figsize=(7.0, 2.8 * panels), squeeze=False,
        gridspec_kw={"height_ratios": [3.0, 0.6, 0.7] * panels, "hspace": 0.06},
    )  # fmt: skip
    axes = axes[:, 0]
    for ax in axes[2::3]:
        ax.set_axis_off()
    if chosen.empty:
        axes[0].text(0.5, 0.5, "no gene set with a p-value", ha="center", va="center")
        axes[1].set_axis_off()
    rows = chosen[["term", "es", "nes", "padj"]].itertuples(index=False, name=None)
    for k, (term, es, nes, padj) in enumerate(rows):
        curve = running_sum(ranking, gene_sets[term], gsea_param)
        _panel(axes[3 * k], axes[3 * k + 1], curve, float(es))
        axes[3 * k].set_title(_label(term), fontsize=8, loc="left")
        axes[3 * k].set_title(f"ES {es:.3f}  NES {nes:.3f}  padj {padj:.3g}", fontsize=7,
                              loc="right")  # fmt: skip
    axes[3 * panels - 2].set_xlabel("rank in ordered gene list", fontsize=7)
    if title:
        figure.suptitle(title, fontsize=9, y=0.995)
    top_margin = 0.6 / (2.8 * panels) if title else 0.04  # inches for the title, as a share
    figure.subplots_adjust(left=0.1, right=0.97, top=min(0.96, 1 - top_margin),
                           bottom=0.02 if panels > 1 else 0.05)  # fmt: skip
    save_figure(figure, path, figure_format)


def _panel(ax: plt.Axes, ticks: plt.Axes, curve: pd.DataFrame, es: float) -> None:
    positions = curve["position"].to_numpy()
    score = curve["running_score"].to_numpy()
    peak = int(np.argmax(score) if es > 0 else np.argmin(score))
    ax.plot(positions, score, color=CURVE, linewidth=1.2)
    ax.axhline(0.0, color="#9e9e9e", linewidth=0.6)
    ax.axvline(positions[peak], color="#c62828", linewidth=0.6, linestyle="--")
    ax.set_ylabel("running ES", fontsize=7)
    ax.set_xlim(1, positions[-1])
    ax.tick_params(labelsize=6, labelbottom=False)
    hits = positions[curve["is_hit"].to_numpy()]
    ticks.vlines(hits, 0.0, 1.0, color=HIT, linewidth=0.4)
    ticks.set_xlim(1, positions[-1])
    ticks.set_ylim(0.0, 1.0)
    ticks.set_yticks([])
    ticks.tick_params(labelsize=6)


def dot_plot(
    table: pd.DataFrame,
    path: Path,
    top: int = 20,
    title: str = "",
    figure_format: FigureFormat = "png",
) -> None:
    """clusterProfiler-style dot plot of the ``top`` terms by padj: x = NES, one row per term
    (its set name), point area = gene ratio (leading edge / set size), colour = padj;
    ``title`` (the gene-set collection and the ranking) heads the figure."""
    chosen = _top(table, top).sort_values(["nes", "term"], kind="mergesort")
    height = max(2.5, 0.28 * len(chosen) + 1.4)
    figure, ax = plt.subplots(figsize=(7.5, height))
    if chosen.empty:
        ax.text(0.5, 0.5, "no gene set with a p-value", ha="center", va="center")
        ax.set_axis_off()
    else:
        padj = chosen["padj"].to_numpy(dtype=float)
        points = ax.scatter(
            chosen["nes"], np.arange(len(chosen)), s=30 + 300 * chosen["gene_ratio"],
            c=padj, cmap=PADJ_COLOURS, vmin=float(padj.min()),
            vmax=max(float(padj.max()), float(padj.min()) + 1e-12), edgecolors="#424242",
            linewidths=0.4,
        )  # fmt: skip
        ax.set_yticks(np.arange(len(chosen)), [_label(t) for t in chosen["term"]], fontsize=7)
        ax.axvline(0.0, color="#9e9e9e", linewidth=0.6)
        ax.set_xlabel("normalised enrichment score (NES)", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_ylim(-0.7, len(chosen) - 0.3)
        bar = figure.colorbar(points, ax=ax, pad=0.02)
        bar.set_label("padj", fontsize=8)
        bar.ax.tick_params(labelsize=7)
        ratios = (0.25, 0.5, 0.75)
        handles = [
            ax.scatter([], [], s=30 + 300 * r, color="#bdbdbd", label=f"{r:g}") for r in ratios
        ]
        ax.legend(handles=handles, title="gene ratio", fontsize=6, title_fontsize=7,
                  loc="lower right", frameon=False)  # fmt: skip
    if title:
        ax.set_title(title, fontsize=9)
    figure.tight_layout()
    save_figure(figure, path, figure_format)
