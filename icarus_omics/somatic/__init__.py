"""Somatic mutations: post-filtering of Mutect2/FilterMutectCalls calls (SPEC section 1),
one consequence per call, and MAF records.

The method, file by file:

- :mod:`.rules` - the post-filter rules per allele (``Thresholds``, ``call_alleles``): the
  FilterMutectCalls FILTER allow-list (``is_allowed_filter``, the one place that rule lives),
  tumour depth / alt reads / VAF from AD, normal depth and VAF, excluded regions,
  multi-allelic split or drop.
- :mod:`.batch` - the same rules vectorised over a batch of records (the streaming pass);
  tested record by record against :mod:`.rules` with hypothesis (tests/test_somatic_batch.py).
- :mod:`.attrition` - what the filters did: per-filter failed / only / removed / remaining,
  the tally of a pass and the tumour/normal swap check.
- :mod:`.consequence` - VEP CSQ, SnpEff ANN and Funcotator effects; vcf2maf's choice of one
  effect per allele (PICK, then biotype and Sequence Ontology severity, then canonical).
- :mod:`.maf` - MAF 2.4 rows in vcf2maf's conventions (allele trimming, indel coordinates,
  Variant_Classification, HGVSp_Short, dbSNP_RS).

The streaming pass itself reads and writes files, so it lives in the format layer:
:mod:`icarus_omics.io.wes_inputs` (a run's options ``WesOptions``, its summary
``WesSummary`` and the header and input checks, ``prepare``, including the unfiltered-input
refusal ``mark_unfiltered``) and :mod:`icarus_omics.io.wes_run` (``run_wes``: one process or
contig groups on several, parts joined block-wise, shared by ``wes-filter`` and
``wes-annotate``), which call the rules above and print nothing.
"""
