"""Biomarker evaluation against outcome (the ``evaluate`` command) and target-gene
expression (``target-expression``).

- ``metrics.py``: the ``Metric`` row of evaluation.tsv.
- ``outcomes.py``: score columns, the response or PFS outcome from the clinical table,
  matching by patient, adjustment covariates.
- ``binary.py``: ROC AUC with DeLong's interval, DeLong's test (pROC ``ci.auc``,
  ``roc.test``), average precision (scikit-learn) with a stratified bootstrap, Youden's
  threshold, sensitivity/specificity/PPV/NPV/kappa.
- ``probability.py``: logistic odds ratios, calibration (val.prob) and decision curves.
- ``time_to_event.py``: Cox HR, Harrell's C (R survival's jackknife SE), landmark AUC,
  tertiles, the maxstat cutpoint (R maxstat, Lau94), the spline hazard ratio.
- ``evaluate.py``: every score of a table against one outcome.
- ``targets.py``: target-gene expression per sample, z, percentile, paired change.
"""
