"""PAM50 intrinsic subtypes of breast cancer (issue 12): nearest-centroid calls and ROR.

The method is the UNC single sample predictor (Parker et al. 2009, J Clin Oncol 27:1160):
PAM50 genes, centred per gene, correlated (Spearman) with the five subtype centroids; the
highest correlation is the call; the correlations, a proliferation score and tumour size
give the risk-of-recurrence scores. Which step lives where, and what it ports:

- :mod:`.reference` - ``PAM50_SUBTYPES``, the frozen ``Pam50Reference`` (centroids,
  annotation, subgroup quantiles, ROR model) and ``RorModel``; ``make_reference`` renames the
  hoadley-lab centroid columns and the old UNC symbols (CDCA1, KNTC2, ORC6L);
  ``ror_model_from_json`` reads the parsed hoadley-lab ``ror_coeffs.json`` /
  ``ror_thresholds.json``.
- :mod:`.preparation` - ``prepare_expression``: id mapping (symbols, aliases, Ensembl, HGNC),
  log2 decision, duplicate collapsing (UNC ``collapseIDs`` / ``readarray``), missing genes and
  the minimum-gene refusal (hoadley-lab ``read_input`` / ``filter_sort``).
- :mod:`.normalisation` - ``centre_expression``: ``median`` (UNC ``medianCtr``, hoadley-lab
  ``preprocess_input``), ``er-her2-subgroup`` (afernan4/PAM50_ER_HER2_normalization notebook
  ``quantile_centering`` with ``SIGMA.txt``), ``none``; optional reference samples.
- :mod:`.predictor` - ``spearman_to_centroids`` and ``predict_subtypes`` (UNC ``sspPredict``
  with ``distm = "spearman"``, hoadley-lab ``assign_subtypes``), ``proliferation_scores``
  (UNC ``prolifScore``, hoadley-lab ``calc_proliferation_scores``), ``ror_scores`` /
  ``ror_group`` (UNC ``subtypePrediction_distributed.R`` risk block, hoadley-lab
  ``calc_ror_scores`` / ``ror_group``).
- :mod:`.classify` - ``classify_samples`` and ``Pam50Options``: the three steps in order.

References read: GitHub hoadley-lab/pam50 @ 17837fa (``R/pam50.R``, ``R/ror.R``, ``R/io.R``,
``.legacy/bioclassifier_R/subtypePrediction_functions.R`` and
``subtypePrediction_distributed.R``); afernan4/PAM50_ER_HER2_normalization @ af7b478
(notebook "PAM50 gene normalization by clinically defined breast cancer subgroups").
"""

from icarus_omics.subtypes.classify import Pam50Options, classify_samples
from icarus_omics.subtypes.normalisation import CENTRING_METHODS, centre_expression
from icarus_omics.subtypes.predictor import (
    CALL_COLUMNS,
    predict_subtypes,
    proliferation_scores,
    ror_scores,
    spearman_to_centroids,
)
from icarus_omics.subtypes.preparation import PreparationReport, map_gene_ids, prepare_expression
from icarus_omics.subtypes.reference import (
    GENE_ALIASES,
    PAM50_SUBTYPES,
    Pam50Reference,
    RorFormula,
    RorModel,
    make_reference,
    ror_model_from_json,
)

__all__ = [
    "CALL_COLUMNS",
    "CENTRING_METHODS",
    "GENE_ALIASES",
    "PAM50_SUBTYPES",
    "Pam50Options",
    "Pam50Reference",
    "PreparationReport",
    "RorFormula",
    "RorModel",
    "centre_expression",
    "classify_samples",
    "make_reference",
    "map_gene_ids",
    "predict_subtypes",
    "prepare_expression",
    "proliferation_scores",
    "ror_model_from_json",
    "ror_scores",
    "spearman_to_centroids",
]
