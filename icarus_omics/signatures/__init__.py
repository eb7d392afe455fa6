"""Mutational signatures: SBS96 catalogues and COSMIC v3.2 exposures (SPEC section 4).

The method, file by file (MutationalPatterns and SigProfiler functions named where ported):

- :mod:`.catalogue` - SNVs counted by trinucleotide context on the pyrimidine strand
  (MutationalPatterns ``mut_matrix``; adjacent SNVs are doublets, as
  ``read_vcfs_as_granges``); :mod:`.contexts` reads the contexts from the FASTA, with the
  REF-vs-FASTA build check.
- :mod:`.selection` - one sample's fit: ``solve_nnls`` (Lawson-Hanson), the backwards and
  best-subset strict selections (``fit_to_signatures_strict``) and SigProfiler's sparse
  removal step (Pich et al. 2019).
- :mod:`.sigprofiler` - SigProfilerAssignment's ``cosmic_fit`` assignment
  (``process_sample``, ``add_remove_signatures``, ``remove_all_single_signatures``):
  ``fit("sigprofiler")``.
- :mod:`.fitting` - the cohort's fits through one entry, ``fit(method, ...)``
  (``nnls``, ``sparse``, ``strict``, ``sigprofiler``; options in the frozen
  ``FitOptions``), in chunks on several processes; cosine similarity and residuals.
  :mod:`.bootstrap` adds bootstrap intervals (``fit_to_signatures_bootstrapped``),
  :mod:`.exposures` the cohort tables (samples fitted, relative exposures, fit quality),
  :mod:`.exome` the exome-versus-genome check.
- :mod:`.association` - exposures between two response groups: R's ``wilcox.test`` and
  ``p.adjust(method = "BH")`` (the study's SBS2 association).
"""
