"""The example cohort: a small trial cohort built in memory from a seed, with planted
truths the tests check (``demo`` runs every step on it).

- :mod:`.cohort` - patients, response, a synthetic 13-contig genome, the mutations of each
  tumour (hotspots, APOBEC-rich responders, a tumour-only patient, multi-allelic sites).
- :mod:`.vcf` - those calls as Mutect2 + FilterMutectCalls + VEP records.
- :mod:`.annotation` - VEP-like consequences from the gene models.
- :mod:`.copy_number` - FACETS-like segments with planted amplifications, deletions, a WGD
  tumour and an NA minor copy number.
- :mod:`.rna` - paired RNA-seq counts with interferon genes up in responders and an
  endocytosis set down in everyone; the example gene sets.
- :mod:`.subtypes` - baseline tumour TPM with planted PAM50 subtypes (mostly LumA and LumB).
"""
