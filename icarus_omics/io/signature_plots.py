"""Figures of the signatures command: SBS96 spectra and stacked exposures (matplotlib, Agg).

Both take the figure format (``png`` at 300 dpi, ``svg`` or ``pdf``) and write files
without a creation date, so the same inputs give the same vector files.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import Rectangle

if TYPE_CHECKING:
    from icarus_omics.signatures.fitting import FitResult

FigureFormat = Literal["png", "svg", "pdf"]
PNG_DPI = 300
SUBSTITUTIONS = ("C>A", "C>G", "C>T", "T>A", "T>C", "T>G")
SUBSTITUTION_COLOURS = ("#03bcee", "#010101", "#e32926", "#cac9c9", "#a1ce63", "#ebc6c4")
NOT_FITTED_COLOUR = "#9e9e9e"


def draw_figures(
    catalogue: pd.DataFrame,
    fit: FitResult,
    path_for: Callable[[str], Path],
    figure_format: FigureFormat = "png",
    with_spectra: bool = True,
) -> None:
    """Draw ``exposures.FORMAT`` and, ``with_spectra``, ``spectra/SAMPLE.FORMAT``.

    ``catalogue`` is channels x all samples (SNV counts); ``fit`` the fit of the samples
    that were fitted; ``path_for`` maps a file name in the output folder to its path.
    """
    from icarus_omics.signatures.exposures import relative_exposures

    if with_spectra:
        paths = {s: path_for(f"spectra/{s}.{figure_format}") for s in catalogue.columns}
        cosine = {str(s): float(c) for s, c in fit.quality["cosine_similarity"].items()}
        spectra(catalogue, fit.reconstructed, cosine, paths, figure_format)
    relative = relative_exposures(fit.exposures)
    exposure_bars(relative, catalogue.sum(axis=0), path_for(f"exposures.{figure_format}"),
                  figure_format)  # fmt: skip


def spectra(
    catalogue: pd.DataFrame,
    reconstructed: pd.DataFrame,
    cosine: Mapping[str, float],
    paths: Mapping[str, Path],
    figure_format: FigureFormat = "png",
) -> None:
    """Draw one 96-channel SBS spectrum per sample.

    Parameters
    ----------
    catalogue
        96 channels (``A[C>T]G``) x samples, SNV counts: the bars, grouped by substitution
        as in COSMIC plots, under coloured, labelled bands.
    reconstructed
        Channels x fitted samples (signatures @ exposures, SNVs): drawn as dots.
    cosine
        Cosine similarity of each fitted sample (in the title).
    paths
        Sample -> output file; the samples to draw. A sample missing from
        ``reconstructed`` is titled as not fitted.
    figure_format
        ``png``, ``svg`` or ``pdf``.

    The figure is laid out once and redrawn per sample, which keeps a thousand-sample
    cohort quick.
    """
    order = sorted(catalogue.index, key=lambda c: (c[2:5], c[0], c[-1]))
    with _quiet_figure(figsize=(11, 3.0)) as (figure, ax):
        colours = [SUBSTITUTION_COLOURS[SUBSTITUTIONS.index(c[2:5])] for c in order]
        bars = ax.bar(range(96), [1.0] * 96, color=colours, width=0.8)
        (dots,) = ax.plot(range(96), [0.0] * 96, "o", color="#333333", markersize=2.2,
                          label="reconstructed (fitted signatures)")  # fmt: skip
        ax.legend(fontsize=7, frameon=False, loc="upper right")
        _substitution_bands(ax)
        labels = [f"{c[0]}{c[2]}{c[-1]}" for c in order]  # 5' base, REF, 3' base
        ax.set_xticks(range(96), labels, rotation=90, fontsize=5, family="monospace")
        for tick, colour in zip(ax.get_xticklabels(), colours, strict=True):
            tick.set_color("#333333" if colour in ("#cac9c9", "#ebc6c4") else colour)
        ax.set_xlim(-0.8, 95.8)
        ax.set_xlabel("trinucleotide context (5' base, mutated base, 3' base)", fontsize=7)
        ax.set_ylabel("SNVs", fontsize=8)
        title = ax.set_title(" ", fontsize=9, pad=26)
        figure.tight_layout()
        for sample, path in paths.items():
            values = catalogue.loc[order, sample].to_numpy(float)
            for bar, value in zip(bars, values, strict=True):
                bar.set_height(value)
            fitted = sample in reconstructed.columns
            model = reconstructed.loc[order, sample].to_numpy(float) if fitted else None
            dots.set_ydata(model if model is not None else [float("nan")] * 96)
            ax.set_ylim(0, max(values.max(), 1.0) * 1.15)
            quality = f"cosine similarity {cosine[sample]:.3f}" if fitted else "not fitted"
            title.set_text(f"{sample}: {int(values.sum())} SNVs, {quality}")
            _save(figure, path, figure_format)


def exposure_bars(
    relative: pd.DataFrame,
    snvs: pd.Series,
    path: Path,
    figure_format: FigureFormat = "png",
    title: str = "Signature exposures (share of each sample's SNVs)",
) -> None:
    """Draw stacked bars of relative exposures, one bar per sample, fitted or not.

    Parameters
    ----------
    relative
        Fitted samples x signatures, fractions summing to 1 per sample (0 to 1).
    snvs
        SNV count of every sample, in plot order (index sample); a sample missing from
        ``relative`` is drawn as an empty bar labelled "not fitted (n SNVs)".
    path, figure_format
        Output file and its format (``png``, ``svg``, ``pdf``).
    title
        Title above the bars.
    """
    shown = relative.reindex(snvs.index).fillna(0.0)
    shown = shown.loc[:, shown.sum(axis=0) > 0]
    fitted = snvs.index.isin(relative.index)
    with _quiet_figure(figsize=(max(5.0, 0.3 * len(shown) + 3), 3.8)) as (figure, ax):
        bottom = pd.Series(0.0, index=shown.index)
        palette = plt.get_cmap("tab20")
        for k, signature in enumerate(shown.columns):
            ax.bar(range(len(shown)), shown[signature], bottom=bottom, color=palette(k % 20),
                   label=signature, width=0.85)  # fmt: skip
            bottom += shown[signature]
        for x, count in enumerate(snvs.to_numpy()):
            if fitted[x]:
                continue
            ax.add_patch(Rectangle((x - 0.425, 0), 0.85, 1, fill=False, hatch="///",
                                   edgecolor=NOT_FITTED_COLOUR, linewidth=0.6))  # fmt: skip
            ax.text(x, 0.5, f"not fitted ({int(count)} SNVs)", rotation=90, ha="center",
                    va="center", fontsize=6, color="#424242")  # fmt: skip
        ax.set_xticks(range(len(shown)), shown.index, rotation=90, fontsize=6)
        ax.set_xlim(-0.6, len(shown) - 0.4)
        ax.set_ylabel("fraction of SNVs", fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(title, fontsize=9)
        if len(shown.columns):
            ax.legend(fontsize=6, frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
        figure.tight_layout()
        _save(figure, path, figure_format)


def _substitution_bands(ax: Any) -> None:
    """The six substitution classes as coloured bands with labels above the bars."""
    band = ax.get_xaxis_transform()  # x in channels, y as a fraction of the axes' height
    for k, substitution in enumerate(SUBSTITUTIONS):
        ax.add_patch(Rectangle((k * 16 - 0.4, 1.02), 15.8, 0.06, color=SUBSTITUTION_COLOURS[k],
                               transform=band, clip_on=False))  # fmt: skip
        ax.text(k * 16 + 7.5, 1.11, substitution, ha="center", fontsize=8, weight="bold",
                family="monospace", transform=band)  # fmt: skip
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)


@contextmanager
def _quiet_figure(figsize: tuple[float, float]) -> Iterator[tuple[Any, Any]]:
    """A figure and axes, closed afterwards; matplotlib's layout warnings are not the
    user's business (a crowded cohort plot is still written)."""
    figure, ax = plt.subplots(figsize=figsize)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield figure, ax
    finally:
        plt.close(figure)


def _save(figure: Any, path: Path, figure_format: FigureFormat) -> None:
    # no creation date in vector files: the same inputs give the same bytes
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(figure_format, {})
    with matplotlib.rc_context({"svg.hashsalt": "icarus-omics"}):  # stable SVG element ids
        figure.savefig(path, dpi=PNG_DPI, format=figure_format, metadata=metadata)
