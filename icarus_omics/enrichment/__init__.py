"""Gene set enrichment: preranked GSEA with fgsea's statistic (SPEC section 6).

- :mod:`.null` - the enrichment score (fgsea ``calcGseaStat``: the larger running-sum
  extreme, 0 on an exact tie) for one set or many, and fgsea's "simple" permutation null,
  one random sample per permutation serving every set size, in seeded chunks.
- :mod:`.gsea` - the ranking (NA, duplicates, ties by gene id), set sizes, NES, p-values,
  Benjamini-Hochberg, leading edge and gene ratio (clusterProfiler's), the running sums
  drawn in the plots.
"""
