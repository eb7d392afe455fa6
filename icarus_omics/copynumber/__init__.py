"""Copy number: gene-level categories from FACETS segments (SPEC section 2).

- :mod:`.categories` - the study's WGD-dependent thresholds (``Thresholds``, ``Levels``,
  ``categorise``), the facets-suite WGD rule (Bielski et al. 2018: more than half of the
  autosomal genome at major copy number >= 2), genes assigned to their shortest overlapping
  segment (``index_genes``, ``call_genes``), the focal flag, per-sample summaries and the
  comparison with facets-suite's ``FACETS_CALL_table.tsv``.
"""
