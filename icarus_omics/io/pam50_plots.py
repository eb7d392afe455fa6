"""The PAM50 figure: the 50 genes over samples ordered by call, and the call distribution.

Left: a heatmap of the centred expression (genes x samples; genes ordered as the centroid
table, samples grouped by their call, best-correlated first within a call; colour clipped
at +-3) with the call as a coloured band above. Right: the number of samples per subtype,
split by a group column (e.g. response) when one is given.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from icarus_omics.io.figures import FigureFormat, save_figure

SUBTYPE_COLOURS = {  # the conventional PAM50 palette
    "LumA": "#1f4e9c",
    "LumB": "#76b7e5",
    "Her2": "#e377c2",
    "Basal": "#d62728",
    "Normal": "#2ca02c",
}


def pam50_figure(
    centred: pd.DataFrame,
    calls: pd.DataFrame,
    path: Path,
    groups: pd.Series | None = None,
    title: str = "PAM50",
    figure_format: FigureFormat = "png",
) -> None:
    """Draw the heatmap and the call distribution to ``path``.

    ``centred``: genes x samples (the values the predictor correlated); ``calls``: one row
    per sample with ``sample``, ``subtype`` and ``margin``; ``groups``: sample -> group.
    """
    order = _sample_order(calls)
    values = centred.reindex(columns=order).to_numpy(dtype=float)
    width = min(max(6.0, 0.12 * len(order) + 4.5), 18.0)
    figure, (heat, bars) = plt.subplots(
        1, 2, figsize=(width, 7.5), gridspec_kw={"width_ratios": [4, 1.4]}
    )
    image = heat.imshow(np.clip(values, -3, 3), aspect="auto", cmap="RdBu_r", vmin=-3, vmax=3,
                        interpolation="nearest")  # fmt: skip
    heat.set_yticks(range(len(centred.index)), centred.index, fontsize=5.5, family="monospace")
    heat.set_xticks(range(len(order)), order if len(order) <= 60 else [""] * len(order),
                    rotation=90, fontsize=5.5)  # fmt: skip
    subtype = calls.set_index("sample").loc[order, "subtype"]
    for x, name in enumerate(subtype):
        colour = SUBTYPE_COLOURS.get(name, "grey")
        heat.add_patch(plt.Rectangle((x - 0.5, -2.2), 1, 1.4, color=colour, clip_on=False))
    heat.set_ylim(len(centred.index) - 0.5, -2.4)
    figure.colorbar(image, ax=heat, fraction=0.03, pad=0.01, label="centred expression")
    _distribution(bars, calls, groups)
    handles = [Patch(color=c, label=s) for s, c in SUBTYPE_COLOURS.items()]
    figure.legend(handles=handles, loc="lower center", ncol=5, fontsize=8, frameon=False)
    figure.suptitle(title, fontsize=11)
    figure.subplots_adjust(left=0.08, right=0.97, top=0.92, bottom=0.14, wspace=0.6)
    save_figure(figure, path, figure_format)


def _sample_order(calls: pd.DataFrame) -> list[str]:
    rank = {name: i for i, name in enumerate(SUBTYPE_COLOURS)}
    table = calls.assign(_rank=calls["subtype"].map(rank).fillna(len(rank)))
    table = table.sort_values(["_rank", "margin", "sample"], ascending=[True, False, True])
    return table["sample"].astype(str).tolist()


def _distribution(ax: plt.Axes, calls: pd.DataFrame, groups: pd.Series | None) -> None:
    subtypes = list(SUBTYPE_COLOURS)
    if groups is None:
        counts = calls["subtype"].value_counts().reindex(subtypes, fill_value=0)
        ax.barh(subtypes, counts.to_numpy(), color=[SUBTYPE_COLOURS[s] for s in subtypes])
        ax.set_xlabel("samples")
    else:
        table = calls.assign(group=calls["sample"].map(groups).fillna("NA").astype(str))
        levels = sorted(table["group"].unique())
        height = 0.8 / max(len(levels), 1)
        for i, level in enumerate(levels):
            counts = table[table["group"] == level]["subtype"].value_counts()
            y = np.arange(len(subtypes)) + (i - (len(levels) - 1) / 2) * height
            ax.barh(y, counts.reindex(subtypes, fill_value=0).to_numpy(), height=height,
                    color=[SUBTYPE_COLOURS[s] for s in subtypes], alpha=1.0 - 0.45 * i,
                    edgecolor="black", linewidth=0.3, label=str(level))  # fmt: skip
        ax.set_yticks(range(len(subtypes)), subtypes)
        ax.legend(title=str(groups.name or "group"), fontsize=7, title_fontsize=7,
                  frameon=False)  # fmt: skip
        ax.set_xlabel("samples")
    ax.invert_yaxis()
    ax.set_title("calls", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
