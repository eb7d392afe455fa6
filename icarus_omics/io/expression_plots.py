"""Differential-expression figures: volcano, MA plot and PCA of variance-stabilised samples.

Every title names the comparison (``DeRequest.title()``); figures are saved by
:func:`icarus_omics.io.figures.save_figure` (PNG at 300 dpi, SVG or PDF, fixed metadata).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.text import Annotation

from icarus_omics.io.figures import FigureFormat, save_figure

UP, DOWN, FLAT = "#c62828", "#1565c0", "#b0b0b0"
PCA_GENES = 500  # DESeq2's plotPCA(ntop = 500)
LABEL_PAD = 1.5  # points kept free between two gene labels
REPEL_STEPS = 200  # rounds of pushing overlapping labels apart (stops early when none overlap)


def _label(results: pd.DataFrame) -> pd.Series:
    return results["symbol"] if "symbol" in results.columns else results["gene"]


def _significance_colours(results: pd.DataFrame, alpha: float) -> np.ndarray:
    significant = (results["padj"] < alpha).to_numpy()
    up = (results["log2FoldChange"] > 0).to_numpy()
    return np.where(significant & up, UP, np.where(significant & ~up, DOWN, FLAT))


def volcano(
    results: pd.DataFrame,
    path: Path,
    alpha: float,
    title: str,
    top: int = 10,
    figure_format: FigureFormat = "png",
) -> None:
    """log2 fold change against -log10 adjusted p-value, the ``top`` significant genes by
    padj named (labels pushed apart so that none overlap, joined to their point)."""
    tested = results[results["padj"].notna()]
    y = -np.log10(tested["padj"].clip(lower=1e-300))
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(tested["log2FoldChange"], y, s=6, c=_significance_colours(tested, alpha),
               linewidths=0, rasterized=True)  # fmt: skip
    ax.axhline(-np.log10(alpha), color="#616161", lw=0.8, ls="--")
    ax.margins(x=0.12, y=0.08)  # room for the labels of the outermost genes
    labels = _label(tested)
    texts = []
    for i in np.argsort(tested["padj"].to_numpy(), kind="stable")[:top]:
        if tested["padj"].iloc[i] < alpha:
            texts.append(ax.annotate(
                labels.iloc[i], (tested["log2FoldChange"].iloc[i], y.iloc[i]), fontsize=7,
                xytext=(3, 3), textcoords="offset points",
                arrowprops={"arrowstyle": "-", "color": "#757575", "lw": 0.4, "shrinkA": 0,
                            "shrinkB": 1},
            ))  # fmt: skip
    n_up = int(((tested["padj"] < alpha) & (tested["log2FoldChange"] > 0)).sum())
    n_down = int(((tested["padj"] < alpha) & (tested["log2FoldChange"] < 0)).sum())
    ax.set(xlabel="log2 fold change", ylabel="-log10 adjusted p",
           title=f"{title}\n{n_up} up, {n_down} down at padj < {alpha:g}")  # fmt: skip
    fig.tight_layout()
    repel_labels(fig, texts)
    save_figure(fig, path, figure_format)


def repel_labels(fig: plt.Figure, texts: list[Annotation]) -> None:
    """Move annotation labels (``textcoords="offset points"``) apart until no two overlap.

    Deterministic: each round, every overlapping pair is pushed apart vertically by half
    their overlap plus :data:`LABEL_PAD` (the upper label up, on a tie the later one), until
    a round finds no overlap or :data:`REPEL_STEPS` rounds have run.
    """
    if len(texts) < 2:
        return
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    scale = 72.0 / fig.dpi  # display pixels -> points
    boxes = [t.get_window_extent(renderer) for t in texts]
    offsets = np.array([t.xyann for t in texts], dtype=float)
    corners = np.array([(b.x0, b.y0) for b in boxes]) * scale - offsets  # box at offset 0
    sizes = np.array([(b.width, b.height) for b in boxes]) * scale
    for _ in range(REPEL_STEPS):
        low = corners + offsets
        high = low + sizes
        moved = False
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                dx = min(high[i, 0], high[j, 0]) - max(low[i, 0], low[j, 0])
                dy = min(high[i, 1], high[j, 1]) - max(low[i, 1], low[j, 1])
                if dx > -LABEL_PAD and dy > -LABEL_PAD:
                    upper, lower = (i, j) if low[i, 1] > low[j, 1] else (j, i)
                    step = (dy + LABEL_PAD) / 2
                    offsets[upper, 1] += step
                    offsets[lower, 1] -= step
                    moved = True
        if not moved:
            break
    for text, offset in zip(texts, offsets, strict=True):
        text.xyann = (float(offset[0]), float(offset[1]))


def ma_plot(
    results: pd.DataFrame,
    path: Path,
    alpha: float,
    title: str,
    figure_format: FigureFormat = "png",
) -> None:
    """Mean of normalised counts (log scale) against log2 fold change."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    shown = results[results["baseMean"] > 0]
    ax.scatter(shown["baseMean"], shown["log2FoldChange"], s=5,
               c=_significance_colours(shown.fillna({"padj": 1.0}), alpha), linewidths=0,
               rasterized=True)  # fmt: skip
    ax.set_xscale("log")
    ax.axhline(0, color="#616161", lw=0.8)
    ax.set(xlabel="mean of normalised counts", ylabel="log2 fold change", title=title)
    fig.tight_layout()
    save_figure(fig, path, figure_format)


def pca(
    vst: pd.DataFrame,
    colour_by: pd.Series,
    path: Path,
    title: str,
    figure_format: FigureFormat = "png",
) -> pd.DataFrame:
    """PCA of the ``PCA_GENES`` most variable genes (samples as points, coloured by
    ``colour_by``); returns the sample coordinates on PC1 and PC2."""
    variances = vst.var(axis=1).to_numpy()
    top = np.argsort(-variances, kind="stable")[: min(PCA_GENES, len(vst))]
    data = vst.iloc[top].T.to_numpy()
    centred = data - data.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    share = s**2 / np.sum(s**2)
    sign = np.sign(u[np.argmax(np.abs(u), axis=0), range(u.shape[1])])  # deterministic signs
    coords = u[:, :2] * s[:2] * sign[:2]
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    levels = sorted(colour_by.astype(str).unique())
    palette = plt.get_cmap("tab10")
    for k, level in enumerate(levels):
        mask = (colour_by.astype(str) == level).to_numpy()
        ax.scatter(coords[mask, 0], coords[mask, 1], s=28, color=palette(k % 10), label=level)
    ax.legend(title=str(colour_by.name), fontsize=8)
    ax.set(xlabel=f"PC1 ({share[0]:.0%} of variance)", ylabel=f"PC2 ({share[1]:.0%})", title=title)
    fig.tight_layout()
    save_figure(fig, path, figure_format)
    return pd.DataFrame(coords, index=vst.columns, columns=["PC1", "PC2"])
