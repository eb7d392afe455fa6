"""Clinical endpoints of the trial and biomarkers against outcome (SPEC.md section 9)."""
