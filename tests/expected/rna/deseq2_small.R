#!/usr/bin/env Rscript
# R DESeq2 on a paired design (~ patient + timepoint, onT vs BL), with the dispersions.
#
# Usage: Rscript deseq2_small.R COUNTS.tsv SAMPLES.tsv OUT.tsv [--alpha 0.05] [--seeds N]
#
#   COUNTS.tsv   genes x samples, first column gene id, integer counts (no gene filter here)
#   SAMPLES.tsv  columns sample, patient, timepoint (BL / onT)
#   OUT.tsv      gene, baseMean, log2FoldChange, lfcSE, stat, pvalue, padj, dispGeneEst,
#                dispFit, dispMAP, dispersion (NA as "NA"), from DESeq(dds) and
#                results(dds, contrast = c("timepoint", "onT", "BL"), alpha = alpha)
#
# Prints "prior_var VALUE" (attr(dispersionFunction(dds), "dispPriorVar")). With --seeds N
# it also prints "prior_var_seed SEED VALUE" for seeds 1..N: DESeq2's own
# estimateDispersionsPriorVar with its set.seed(2) replaced, to show how much the
# simulation-based estimate (residual df <= 3) depends on R's random numbers.
args <- commandArgs(trailingOnly = TRUE)
alpha <- 0.05
seeds <- 0
pos <- character(0)
i <- 1
while (i <= length(args)) {
  if (args[i] == "--alpha") { alpha <- as.numeric(args[i + 1]); i <- i + 2 }
  else if (args[i] == "--seeds") { seeds <- as.integer(args[i + 1]); i <- i + 2 }
  else { pos <- c(pos, args[i]); i <- i + 1 }
}
if (length(pos) != 3) stop("usage: Rscript deseq2_small.R COUNTS.tsv SAMPLES.tsv OUT.tsv [--alpha A] [--seeds N]")
suppressPackageStartupMessages(library(DESeq2))
counts <- read.delim(pos[1], check.names = FALSE, stringsAsFactors = FALSE)
cm <- as.matrix(counts[, -1, drop = FALSE])
rownames(cm) <- as.character(counts[[1]])
storage.mode(cm) <- "integer"
smp <- read.delim(pos[2], colClasses = "character")
cm <- cm[, smp$sample, drop = FALSE]
coldata <- data.frame(row.names = smp$sample,
                      patient = factor(smp$patient),
                      timepoint = factor(smp$timepoint, levels = c("BL", "onT")))
dds <- DESeqDataSetFromMatrix(cm, coldata, ~ patient + timepoint)
dds <- DESeq(dds, quiet = TRUE)
res <- results(dds, contrast = c("timepoint", "onT", "BL"), alpha = alpha)
mc <- mcols(dds)
out <- data.frame(gene = rownames(res), baseMean = res$baseMean,
                  log2FoldChange = res$log2FoldChange, lfcSE = res$lfcSE, stat = res$stat,
                  pvalue = res$pvalue, padj = res$padj, dispGeneEst = mc$dispGeneEst,
                  dispFit = mc$dispFit, dispMAP = mc$dispMAP, dispersion = mc$dispersion)
write.table(out, pos[3], sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
cat(sprintf("prior_var %.10g\n", attr(dispersionFunction(dds), "dispPriorVar")))
cat(sprintf("DESeq2 %s, %s\n", packageVersion("DESeq2"), R.version.string))
if (seeds > 0) {
  prior_var <- DESeq2:::estimateDispersionsPriorVar
  src <- deparse(prior_var)
  for (seed in seq_len(seeds)) {
    f <- eval(parse(text = sub("set.seed(2)", sprintf("set.seed(%d)", seed), src, fixed = TRUE)))
    environment(f) <- environment(prior_var)
    cat(sprintf("prior_var_seed %d %.10g\n", seed, f(dds)))
  }
}
