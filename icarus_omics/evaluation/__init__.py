"""Biomarker evaluation against outcome: discrimination, calibration, decision curves and
time-to-event relations of continuous scores (the ``evaluate`` command), and target-gene
expression (``target-expression``)."""
