"""Oncogenic events: mutations and copy-number changes matched to OncoKB and CIViC
(SPEC section 3), and the cohort's alterations by response group.

- :mod:`.oncokb` - OncoKB's alteration vocabulary and matcher, most specific rule first
  (exact protein change, codon, frameshift at a codon, ranges, Truncating Mutations,
  Promoter, Amplification, Deletion; Oncogenic Mutations lends its level), as
  oncokb-annotator's ``MafAnnotator``/``CnaAnnotator`` read a local knowledge base.
- :mod:`.civic` - CIViC evidence and variant summaries: best level, directions,
  significances.
- :mod:`.events` - the verdicts of both for a table of mutations or gene CNAs.
- :mod:`.alterations` - the gene x sample alteration matrix, frequencies per response
  group and Fisher's exact test with Benjamini-Hochberg (the study's oncoplot).
"""
