"""pydeseq2's ``DeseqDataSet`` with DESeq2's own dispersion trend fit.

pydeseq2 fits the parametric trend on every gene (DESeq2 uses only estimates above
100 x the minimum dispersion), drops outlying genes cumulatively rather than re-selecting
them against each new curve, and loops over genes in Python to do so. The trend feeds
every MAP dispersion, so this is where pydeseq2 and DESeq2 parted most on the same data;
:class:`DeseqData` fits it exactly as ``parametricDispersionFit`` does.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pydeseq2.dds import DeseqDataSet

from icarus_omics.nb_dispersion import parametric_trend


class DeseqData(DeseqDataSet):
    """A ``DeseqDataSet`` whose parametric dispersion trend is DESeq2's."""

    def _fit_parametric_dispersion_trend(self, vst: bool = False) -> None:
        name = "vst_genewise_dispersions" if vst else "genewise_dispersions"
        if name not in self.var:
            self.fit_genewise_dispersions(vst)
        non_zero = self.var["non_zero"].to_numpy()
        means = self.var["_normed_means"].to_numpy()[non_zero]
        dispersions = self.var[name].to_numpy()[non_zero]
        coefficients = parametric_trend(means, dispersions, self.min_disp)
        if coefficients is None:
            warnings.warn(
                "the parametric dispersion trend did not converge; using the mean dispersion",
                UserWarning,
                stacklevel=2,
            )
            self._fit_mean_dispersion_trend(vst)
            return
        trend = pd.Series(coefficients, index=["a0", "a1"])
        if vst:
            self.uns["vst_trend_coeffs"] = trend
            return
        self.uns["trend_coeffs"] = trend
        self.uns["disp_function_type"] = "parametric"
        fitted = np.full(self.n_vars, np.nan)
        fitted[non_zero] = coefficients[0] + coefficients[1] / means
        self.var["fitted_dispersions"] = fitted
