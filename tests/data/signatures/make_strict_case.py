"""Write strict_catalogue.tsv and strict_signatures.tsv, the strict-selection test case.

Run from the repository root: ``python tests/data/signatures/make_strict_case.py``.

Nine COSMIC v3.2 SBS signatures (GRCh37, genome; the bundled matrix, values copied exactly)
and seven samples, each a Poisson draw around 3-5 planted signatures. The samples were kept
from 40 draws (``DRAW`` below) because a step of their backwards selection loses a cosine
similarity close to a threshold used in the tests:

- T33: removing SBS18 loses 0.00435 (kept at 0.005 and 0.0048, refused at the default 0.004);
- T34: removing SBS17b loses 0.00354 (kept at 0.004, refused at 0.003), then SBS5 0.00452;
- T25: removing SBS13 loses 0.00415 (kept at 0.005, refused at 0.004);
- T07: removing SBS13 loses 0.0479 (kept at 0.05, refused at 0.045);
- T02: removing SBS17b loses 0.0520 (refused at 0.05, kept at 0.06);
- T05, T31, T36: their decisive losses (0.0059, 0.0085, 0.0028) are far from the
  thresholds near 0.004.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
COSMIC = HERE.parents[2] / "resources" / "signatures" / "COSMIC_v3.2_SBS_GRCh37.txt.gz"
NAMES = ["SBS1", "SBS2", "SBS3", "SBS5", "SBS8", "SBS13", "SBS17b", "SBS18", "SBS40"]
KEEP = (2, 5, 7, 25, 31, 33, 34, 36)  # draws whose selection sits near a threshold
SEED = 2024


def main() -> None:
    signatures = pd.read_csv(COSMIC, sep="\t", index_col=0, float_precision="round_trip")[NAMES]
    signatures.index.name = "channel"
    profiles = signatures.to_numpy()
    rng = np.random.default_rng(SEED)
    samples = {}
    for draw in range(40):
        total = rng.integers(150, 1500)
        k = rng.integers(3, 6)
        chosen = rng.choice(len(NAMES), k, replace=False)
        exposures = np.zeros(len(NAMES))
        exposures[chosen] = rng.dirichlet(np.ones(k)) * total
        counts = rng.poisson(profiles @ exposures)
        if draw in KEEP:
            samples[f"T{draw:02d}"] = counts
    catalogue = pd.DataFrame(samples, index=signatures.index)
    catalogue.to_csv(HERE / "strict_catalogue.tsv", sep="\t")
    signatures.to_csv(HERE / "strict_signatures.tsv", sep="\t")


if __name__ == "__main__":
    main()
