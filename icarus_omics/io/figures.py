"""Saving figures: one place for format, resolution and reproducible bytes.

Every command that draws takes ``--figure-format png|svg|pdf``; PNG is written at 300 dpi.
Metadata that would change between runs (creation dates, software strings, SVG ids) is
fixed, so the same data give the same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

FigureFormat = Literal["png", "svg", "pdf"]
FORMATS: tuple[FigureFormat, ...] = ("png", "svg", "pdf")
PNG_DPI = 300
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


def figure_name(stem: str, figure_format: FigureFormat) -> str:
    """``stem`` with the extension of ``figure_format`` (``volcano`` -> ``volcano.svg``)."""
    return f"{stem}.{figure_format}"


def save_figure(figure: Any, path: Path, figure_format: FigureFormat = "png") -> None:
    """Write a matplotlib ``figure`` to ``path`` in ``figure_format`` and close it."""
    import matplotlib
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"svg.hashsalt": "icarus-omics", "svg.fonttype": "none"}):
        figure.savefig(path, format=figure_format, dpi=PNG_DPI,
                       metadata=_METADATA[figure_format])  # fmt: skip
    plt.close(figure)
