"""pydeseq2's ``DeseqDataSet`` with DESeq2's own dispersion trend fit.

pydeseq2 fits the parametric trend on every gene (DESeq2 uses only estimates above
100 x the minimum dispersion), drops outlying genes cumulatively rather than re-selecting
them against each new curve, and loops over genes in Python to do so. The trend feeds
every MAP dispersion, so this is where pydeseq2 and DESeq2 parted most on the same data;
:class:`DeseqData` fits it exactly as ``parametricDispersionFit`` does. Its dispersion prior
variance is DESeq2's too: pydeseq2 applies the large-sample rule at every size and so
floors the prior at 0.25 when three or fewer residual degrees of freedom are left, where
DESeq2 estimates it by simulation (:func:`icarus_omics.expression.dispersion.prior_variance`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pydeseq2.dds import DeseqDataSet

from icarus_omics.expression.dispersion import parametric_trend, prior_variance, residual_variance


class DeseqData(DeseqDataSet):
    """A ``DeseqDataSet`` whose parametric dispersion trend and prior variance are DESeq2's.

    ``prior_variance_override``, when set, replaces the estimated prior variance (the
    residuals are still computed). It exists for comparisons with R only: with three or
    fewer residual degrees of freedom R's estimate depends on R's random numbers, so a test
    injects R's value to compare the rest of the pipeline exactly."""

    prior_variance_override: float | None = None

    def fit_dispersion_prior(self) -> None:
        if "fitted_dispersions" not in self.var:
            self.fit_dispersion_trend()
        non_zero = self.var["non_zero"].to_numpy()
        genewise = self.var["genewise_dispersions"].to_numpy()[non_zero]
        residuals = np.log(genewise) - np.log(self.var["fitted_dispersions"].to_numpy()[non_zero])
        used = residuals[genewise >= 100 * self.min_disp]
        # DESeq2's varLogDispEsts; pydeseq2 flags dispersion outliers with it
        self.uns["_squared_logres"] = residual_variance(used)
        residual_df = self.n_obs - self.obsm["design_matrix"].shape[-1]
        if self.prior_variance_override is not None:
            self.uns["prior_disp_var"] = np.float64(self.prior_variance_override)
            return
        if 0 < residual_df <= 3:
            warnings.warn(
                f"small design: {residual_df} residual degree(s) of freedom, so the "
                "dispersion prior variance is estimated by simulation as DESeq2 does "
                "(fixed seed)",
                UserWarning,
                stacklevel=2,
            )
        self.uns["prior_disp_var"] = np.float64(prior_variance(used, residual_df))

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
