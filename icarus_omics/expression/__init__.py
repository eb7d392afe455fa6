"""Differential expression of RNA-seq counts with DESeq2's model (SPEC section 5).

pydeseq2 runs the pipeline; its per-gene loops are replaced by vectorised fits, and where
it departs from DESeq2 we follow DESeq2. Which R function lives where:

- :mod:`.design` - samples, subsets, design formula and contrast (``model.matrix``,
  ``results(contrast = ...)``; the nested interaction layout of DESeq2's vignette).
- :mod:`.request` - one test asked and prepared: contrast, subsets, pairing, the gene
  filter, integer counts (``DESeqDataSetFromMatrix``'s checks, tximport's rounding).
- :mod:`.pipeline` - the whole run (``DESeq``, ``results``): size factors, dispersions,
  Wald test, Cook's filtering and independent filtering, shrinkage; the run's summary.
- :mod:`.transform` - ``vst`` / ``varianceStabilizingTransformation`` and
  ``getVarianceStabilizedData``.
- :mod:`.dataset` - ``DeseqDataSet`` with DESeq2's parametric trend (``parametricDispersionFit``)
  and prior variance (``estimateDispersionsPriorVar``).
- :mod:`.inference` - pydeseq2's inference hooks answered by the vectorised fits below.
- :mod:`.dispersion` - ``fitDisp`` (line search) and ``fitDispGrid``, the log posterior and
  its derivative, the simulated prior variance for small designs.
- :mod:`.glm` - ``fitNbinomGLMs``: IRLS with DESeq2's ridge, the Wald test, the MAP for
  shrinkage.
"""
