"""Write association_exposures.tsv, the Mann-Whitney / Benjamini-Hochberg test cases.

Run from the repository root: ``python tests/data/signatures/make_association_case.py``.

One row per sample: ``case`` (each case is one ``compare_groups`` call, so BH runs within
it), ``sample``, ``response`` (R or NR) and five signature exposures built to exercise
R's ``wilcox.test`` defaults:

- SBS1: distinct values (no ties), so the exact test applies when both groups have < 50;
- SBS2: zero in most samples (APOBEC absent), more often present in responders: ties;
- SBS3: zero everywhere (no variation: p = 1 by our documented rule);
- SBS5: small whole numbers, many ties;
- SBS13: distinct values shifted up in responders (small exact p-values).

Cases: ``n2v2``, ``n3v5``, ``n5v5`` (small groups), ``n10v12`` (both 9..49: R exact, scipy's
``method="auto"`` asymptotic) and ``n4v50`` (one group of 50: R asymptotic, scipy's auto
exact).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
CASES = {"n2v2": (2, 2), "n3v5": (3, 5), "n5v5": (5, 5), "n10v12": (10, 12), "n4v50": (4, 50)}
SEED = 7


def main() -> None:
    rng = np.random.default_rng(SEED)
    parts = []
    for case, (n_r, n_nr) in CASES.items():
        n = n_r + n_nr
        responder = np.arange(n) < n_r
        distinct = rng.permutation(np.arange(1, 10 * n + 1))[:n] * 0.5  # no ties
        # multiples of 0.25, responders' ending in .1/.35/.6/.85: no ties across groups
        shifted = rng.permutation(np.arange(1, 10 * n + 1))[:n] * 0.25 + responder * (n + 0.1)
        apobec = np.where(rng.random(n) < np.where(responder, 0.6, 0.15), rng.integers(5, 40, n), 0)
        parts.append(
            pd.DataFrame(
                {
                    "case": case,
                    "sample": [f"{case}_{i + 1:02d}" for i in range(n)],
                    "response": np.where(responder, "R", "NR"),
                    "SBS1": distinct,
                    "SBS2": apobec.astype(float),
                    "SBS3": 0.0,
                    "SBS5": rng.integers(0, 4, n).astype(float),
                    "SBS13": shifted,
                }
            )
        )
    pd.concat(parts).to_csv(HERE / "association_exposures.tsv", sep="\t", index=False)


if __name__ == "__main__":
    main()
