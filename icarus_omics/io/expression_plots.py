"""Differential-expression figures: volcano, MA plot and PCA of variance-stabilised samples."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

UP, DOWN, FLAT = "#c62828", "#1565c0", "#b0b0b0"
PCA_GENES = 500  # DESeq2's plotPCA(ntop = 500)
METADATA = {"Software": None}  # no version stamp, so the same data give the same bytes


def _label(results: pd.DataFrame) -> pd.Series:
    return results["symbol"] if "symbol" in results.columns else results["gene"]


def _significance_colours(results: pd.DataFrame, alpha: float) -> np.ndarray:
    significant = (results["padj"] < alpha).to_numpy()
    up = (results["log2FoldChange"] > 0).to_numpy()
    return np.where(significant & up, UP, np.where(significant & ~up, DOWN, FLAT))


def volcano(results: pd.DataFrame, path: Path, alpha: float, title: str, top: int = 10) -> None:
    """log2 fold change against -log10 adjusted p-value; the ``top`` genes by padj named."""
    tested = results[results["padj"].notna()]
    y = -np.log10(tested["padj"].clip(lower=1e-300))
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(tested["log2FoldChange"], y, s=6, c=_significance_colours(tested, alpha),
               linewidths=0, rasterized=True)  # fmt: skip
    ax.axhline(-np.log10(alpha), color="#616161", lw=0.8, ls="--")
    labels = _label(tested)
    for i in np.argsort(tested["padj"].to_numpy(), kind="stable")[:top]:
        if tested["padj"].iloc[i] < alpha:
            ax.annotate(labels.iloc[i], (tested["log2FoldChange"].iloc[i], y.iloc[i]),
                        fontsize=7, xytext=(3, 3), textcoords="offset points")  # fmt: skip
    n_up = int(((tested["padj"] < alpha) & (tested["log2FoldChange"] > 0)).sum())
    n_down = int(((tested["padj"] < alpha) & (tested["log2FoldChange"] < 0)).sum())
    ax.set(xlabel="log2 fold change", ylabel="-log10 adjusted p",
           title=f"{title}\n{n_up} up, {n_down} down at padj < {alpha:g}")  # fmt: skip
    _save(fig, path)


def ma_plot(results: pd.DataFrame, path: Path, alpha: float, title: str) -> None:
    """Mean of normalised counts (log scale) against log2 fold change."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    shown = results[results["baseMean"] > 0]
    ax.scatter(shown["baseMean"], shown["log2FoldChange"], s=5,
               c=_significance_colours(shown.fillna({"padj": 1.0}), alpha), linewidths=0,
               rasterized=True)  # fmt: skip
    ax.set_xscale("log")
    ax.axhline(0, color="#616161", lw=0.8)
    ax.set(xlabel="mean of normalised counts", ylabel="log2 fold change", title=title)
    _save(fig, path)


def pca(vst: pd.DataFrame, colour_by: pd.Series, path: Path, title: str) -> pd.DataFrame:
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
    _save(fig, path)
    return pd.DataFrame(coords, index=vst.columns, columns=["PC1", "PC2"])


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=120, metadata=METADATA)
    plt.close(fig)
