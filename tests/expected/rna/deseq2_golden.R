#!/usr/bin/env Rscript
# R DESeq2 goldens for tests/test_deseq2_golden.py: results, dispersions, Cook's outlier
# handling, dispersion prior and the three variance-stabilising transformations.
#
# Usage:
#   Rscript deseq2_golden.R COUNTS.tsv SAMPLES.tsv PREFIX --factor F --test T --reference R
#       [--patient P] [--alpha 0.05] [--seeds N]
#
#   COUNTS.tsv   genes x samples, first column gene id, integer counts (no gene filter here)
#   SAMPLES.tsv  column sample plus F (and P with --patient)
#   design       ~ P + F with --patient, ~ F without; F relevelled so R is the reference;
#                DESeq(dds) with every default (Cook's cutoff qf(0.99, p, m - p),
#                minReplicatesForReplace = 7), results(dds, contrast = c(F, T, R), alpha)
#
# Writes (numbers with 15 significant digits, NA as "NA"):
#   PREFIX_deseq2.tsv      gene, baseMean, log2FoldChange, lfcSE, stat, pvalue, padj,
#                          dispGeneEst, dispFit, dispMAP, dispersion, maxCooks, replace
#   PREFIX_vst_blind.tsv   varianceStabilizingTransformation(dds, blind = TRUE)
#   PREFIX_vst_design.tsv  varianceStabilizingTransformation(dds, blind = FALSE), i.e. the
#                          DE fit's dispersion trend
#   PREFIX_vst_subset.tsv  vst(dds, blind = TRUE, nsub = min(1000, genes with mean
#                          normalised count > 5)): the trend fitted on that evenly spaced
#                          subset, as vst() does
#   PREFIX_vst_subset_mean.tsv  the same with fitType = "mean" (one mean dispersion)
#   PREFIX_params.tsv      key, value: versions, dispPriorVar, trend coefficients, Cook's
#                          cutoff, independent-filtering threshold, genes replaced and
#                          flagged, size factors; with --seeds N also the prior variance
#                          DESeq2 finds with set.seed(2) replaced by seeds 1..N (min, max)
args <- commandArgs(trailingOnly = TRUE)
opt <- list(factor = NA, test = NA, reference = NA, patient = NA, alpha = "0.05", seeds = "0")
pos <- character(0)
i <- 1
while (i <= length(args)) {
  if (startsWith(args[i], "--")) {
    key <- sub("^--", "", args[i])
    if (!key %in% names(opt)) stop("unknown option ", args[i])
    opt[[key]] <- args[i + 1]
    i <- i + 2
  } else {
    pos <- c(pos, args[i])
    i <- i + 1
  }
}
if (length(pos) != 3 || any(is.na(c(opt$factor, opt$test, opt$reference)))) {
  stop("usage: Rscript deseq2_golden.R COUNTS.tsv SAMPLES.tsv PREFIX --factor F --test T ",
       "--reference R [--patient P] [--alpha A] [--seeds N]")
}
prefix <- pos[3]
alpha <- as.numeric(opt$alpha)
suppressPackageStartupMessages(library(DESeq2))

counts <- read.delim(pos[1], check.names = FALSE, stringsAsFactors = FALSE)
cm <- as.matrix(counts[, -1, drop = FALSE])
rownames(cm) <- as.character(counts[[1]])
storage.mode(cm) <- "integer"
smp <- read.delim(pos[2], colClasses = "character")
cm <- cm[, smp$sample, drop = FALSE]
coldata <- data.frame(row.names = smp$sample)
coldata[[opt$factor]] <- factor(smp[[opt$factor]], levels = c(opt$reference, opt$test))
if (is.na(opt$patient)) {
  design <- as.formula(paste("~", opt$factor))
} else {
  coldata[[opt$patient]] <- factor(smp[[opt$patient]])
  design <- as.formula(paste("~", opt$patient, "+", opt$factor))
}
dds <- DESeqDataSetFromMatrix(cm, coldata, design)
dds <- DESeq(dds, quiet = TRUE)
res <- results(dds, contrast = c(opt$factor, opt$test, opt$reference), alpha = alpha)
mc <- mcols(dds)
replace <- if (is.null(mc$replace)) rep(NA, nrow(dds)) else mc$replace
out <- data.frame(gene = rownames(res), baseMean = res$baseMean,
                  log2FoldChange = res$log2FoldChange, lfcSE = res$lfcSE, stat = res$stat,
                  pvalue = res$pvalue, padj = res$padj, dispGeneEst = mc$dispGeneEst,
                  dispFit = mc$dispFit, dispMAP = mc$dispMAP, dispersion = mc$dispersion,
                  maxCooks = mc$maxCooks, replace = replace)
write_tsv <- function(table, path) {
  write.table(table, path, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
}
write_tsv(out, paste0(prefix, "_deseq2.tsv"))

# each transformation with the trend it used: "parametric", or "local" where DESeq2
# substituted a local regression for a parametric fit that failed
vst_fits <- list()
write_vst <- function(name, make) {
  fit <- "parametric"
  vsd <- withCallingHandlers(make(), message = function(m) {
    if (grepl("local regression fit was automatically substituted", conditionMessage(m))) {
      fit <<- "local"
    }
  })
  vst_fits[[paste0("vst_", name, "_fit")]] <<- fit
  write_tsv(data.frame(gene = rownames(vsd), assay(vsd), check.names = FALSE),
            paste0(prefix, "_vst_", name, ".tsv"))
}
nsub <- min(1000, sum(rowMeans(counts(dds, normalized = TRUE)) > 5))
write_vst("blind", function() varianceStabilizingTransformation(dds, blind = TRUE))
write_vst("design", function() varianceStabilizingTransformation(dds, blind = FALSE))
write_vst("subset", function() vst(dds, blind = TRUE, nsub = nsub))
write_vst("subset_mean", function() vst(dds, blind = TRUE, nsub = nsub, fitType = "mean"))

m <- ncol(dds)
p <- ncol(model.matrix(design, coldata))
fun <- dispersionFunction(dds)
coefs <- attr(fun, "coefficients")
params <- list(
  R = R.version.string,
  DESeq2 = as.character(packageVersion("DESeq2")),
  design = paste(deparse(design), collapse = ""),
  residual_df = m - p,
  dispPriorVar = attr(fun, "dispPriorVar"),
  varLogDispEsts = attr(fun, "varLogDispEsts"),
  asymptDisp = coefs[["asymptDisp"]],
  extraPois = coefs[["extraPois"]],
  cooks_cutoff = qf(0.99, p, m - p),
  filterThreshold = metadata(res)$filterThreshold,
  genes_replaced = sum(replace, na.rm = TRUE),
  vst_nsub = nsub
)
params <- c(params, vst_fits)
# genes whose p-value was removed by Cook's filtering (pvalue NA but counts not all zero)
params$genes_cooks_na <- sum(is.na(res$pvalue) & !mc$allZero)
params$genes_independent_filtered <- sum(!is.na(res$pvalue) & is.na(res$padj))
sf <- sizeFactors(dds)
for (s in names(sf)) params[[paste0("size_factor_", s)]] <- sf[[s]]
seeds <- as.integer(opt$seeds)
if (seeds > 0) {
  prior_var <- DESeq2:::estimateDispersionsPriorVar
  src <- deparse(prior_var)
  values <- sapply(seq_len(seeds), function(seed) {
    f <- eval(parse(text = sub("set.seed(2)", sprintf("set.seed(%d)", seed), src, fixed = TRUE)))
    environment(f) <- environment(prior_var)
    f(dds)
  })
  params$dispPriorVar_seeds <- sprintf("1-%d", seeds)
  params$dispPriorVar_seed_min <- min(values)
  params$dispPriorVar_seed_max <- max(values)
}
values <- vapply(params, function(v) if (is.numeric(v)) format(v, digits = 15) else
  as.character(v), "")
write_tsv(data.frame(key = names(params), value = values), paste0(prefix, "_params.tsv"))
cat(sprintf("%s: %s\n", names(params), values), sep = "")
