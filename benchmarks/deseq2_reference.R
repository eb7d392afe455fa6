#!/usr/bin/env Rscript
# Reference: R DESeq2 run exactly as `icarus-omics rna-de` models a test, for comparison.
#
# Usage:
#   Rscript deseq2_reference.R COUNTS.tsv SAMPLES.tsv OUT.tsv \
#       --design paired|unpaired|interaction --factor timepoint --test onT --reference BL \
#       [--group response --group-test R --group-reference NR] [--patient patient] \
#       [--alpha 0.05]
#
#   COUNTS.tsv   genes x samples, first column = gene id, integer counts. NO gene filter is
#                applied here: pass only the genes rna-de kept (its de_results.tsv genes).
#   SAMPLES.tsv  column `sample` plus the factor, patient and group columns; every sample
#                listed is used (pass only the samples rna-de used).
#   OUT.tsv      gene, baseMean, log2FoldChange, lfcSE, stat, pvalue, padj (NA as "NA")
#
# Designs (FACTOR relevelled so that --reference is its first level):
#   paired       ~ patient + FACTOR, results(contrast = c(FACTOR, TEST, REF))
#   unpaired     ~ FACTOR,           results(contrast = c(FACTOR, TEST, REF))
#   interaction  the DESeq2 vignette's "group-specific condition effects, individuals nested
#                within groups": model.matrix(~ group + group:patient_n + group:FACTOR) with
#                patient_n numbering patients within each group (in sheet order), all-zero
#                columns dropped, DESeq(dds, full = mm); the contrast is the numeric vector
#                (group TEST):FACTOR-TEST minus (group REF):FACTOR-TEST.
# Everything else is DESeq2's default (DESeq(), Wald test, parametric trend, Cook's
# filtering/replacement, independent filtering at --alpha, no LFC shrinkage).
# Timings (load, fit, total) are printed on stdout.
t_start <- Sys.time()
args <- commandArgs(trailingOnly = TRUE)
opt <- list(design = NA, factor = "timepoint", test = "onT", reference = "BL",
            group = NA, `group-test` = NA, `group-reference` = NA,
            patient = "patient", alpha = "0.05")
pos <- character(0)
i <- 1
while (i <= length(args)) {
  a <- args[i]
  if (startsWith(a, "--")) {
    key <- sub("^--", "", a)
    if (!key %in% names(opt)) stop("unknown option ", a)
    if (i == length(args)) stop("option ", a, " needs a value")
    opt[[key]] <- args[i + 1]
    i <- i + 2
  } else {
    pos <- c(pos, a)
    i <- i + 1
  }
}
usage <- paste("usage: Rscript deseq2_reference.R COUNTS.tsv SAMPLES.tsv OUT.tsv",
               "--design paired|unpaired|interaction [--factor F --test T --reference R]",
               "[--group G --group-test GT --group-reference GR] [--patient P] [--alpha A]\n")
if (length(pos) != 3 || is.na(opt$design) ||
    !opt$design %in% c("paired", "unpaired", "interaction")) {
  cat(usage)
  quit(status = 2)
}
if (opt$design == "interaction" &&
    any(is.na(c(opt$group, opt[["group-test"]], opt[["group-reference"]])))) {
  stop("--design interaction needs --group, --group-test and --group-reference")
}
counts_file <- pos[1]; samples_file <- pos[2]; out_file <- pos[3]
fac <- opt$factor; test <- opt$test; ref <- opt$reference; pat <- opt$patient
alpha <- as.numeric(opt$alpha)

suppressPackageStartupMessages(library(DESeq2))
t_loaded <- Sys.time()

counts <- read.delim(counts_file, check.names = FALSE, stringsAsFactors = FALSE)
gene_ids <- as.character(counts[[1]])
if (anyDuplicated(gene_ids)) stop("duplicated gene ids in ", counts_file)
cm <- as.matrix(counts[, -1, drop = FALSE])
rownames(cm) <- gene_ids
if (any(is.na(cm)) || any(cm < 0) || any(cm != round(cm))) {
  stop("counts must be non-negative integers")
}
storage.mode(cm) <- "integer"

smp <- read.delim(samples_file, check.names = FALSE, stringsAsFactors = FALSE,
                  colClasses = "character")
need <- c("sample", fac)
if (opt$design != "unpaired") need <- c(need, pat)
if (opt$design == "interaction") need <- c(need, opt$group)
if (!all(need %in% names(smp))) {
  stop("samples file needs columns: ", paste(need, collapse = ", "))
}
missing <- setdiff(smp$sample, colnames(cm))
if (length(missing)) stop("samples missing from counts: ", paste(missing, collapse = ", "))
cm <- cm[, smp$sample, drop = FALSE]

factor_levels <- function(x, reference, test) {
  # reference first, then test, then any other level (as the command orders them)
  lev <- unique(c(reference, test, sort(unique(x))))
  factor(x, levels = lev[lev %in% x])
}
coldata <- data.frame(row.names = smp$sample, check.names = FALSE)
coldata[[fac]] <- factor_levels(smp[[fac]], ref, test)
contrast <- c(fac, test, ref)
full <- NULL
if (opt$design == "paired") {
  coldata[[pat]] <- factor(smp[[pat]])
  design <- as.formula(paste("~", pat, "+", fac))
} else if (opt$design == "unpaired") {
  design <- as.formula(paste("~", fac))
} else {
  grp <- opt$group; gtest <- opt[["group-test"]]; gref <- opt[["group-reference"]]
  keep <- smp[[grp]] %in% c(gtest, gref)
  smp <- smp[keep, , drop = FALSE]
  cm <- cm[, keep, drop = FALSE]
  coldata <- coldata[keep, , drop = FALSE]
  coldata[[fac]] <- droplevels(coldata[[fac]])
  coldata$group <- factor(smp[[grp]], levels = c(gref, gtest))
  # number the patients within each group in order of first appearance in the sheet
  patient_n <- integer(nrow(smp))
  for (g in c(gref, gtest)) {
    in_g <- smp[[grp]] == g
    ids <- unique(smp[[pat]][in_g])
    patient_n[in_g] <- match(smp[[pat]][in_g], ids)
  }
  coldata$patient_n <- factor(patient_n)
  coldata$treatment <- coldata[[fac]]
  full <- model.matrix(~ group + group:patient_n + group:treatment, coldata)
  full <- full[, colSums(full != 0) > 0, drop = FALSE]
  design <- ~ 1
  coef_test <- paste0("group", gtest, ":treatment", test)
  coef_ref <- paste0("group", gref, ":treatment", test)
  if (!all(c(coef_test, coef_ref) %in% colnames(full))) {
    stop("interaction coefficients missing from the model matrix: ",
         paste(colnames(full), collapse = ", "))
  }
  contrast <- as.numeric(colnames(full) == coef_test) - as.numeric(colnames(full) == coef_ref)
}

dds <- DESeqDataSetFromMatrix(countData = cm, colData = coldata, design = design)
t_fit0 <- Sys.time()
if (is.null(full)) {
  dds <- DESeq(dds, quiet = TRUE)
} else {
  dds <- DESeq(dds, full = full, quiet = TRUE)
}
res <- results(dds, contrast = contrast, alpha = alpha)
t_fit1 <- Sys.time()

out <- data.frame(gene = rownames(res), baseMean = res$baseMean,
                  log2FoldChange = res$log2FoldChange, lfcSE = res$lfcSE,
                  stat = res$stat, pvalue = res$pvalue, padj = res$padj)
write.table(out, out_file, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
t_end <- Sys.time()

secs <- function(a, b) as.numeric(difftime(b, a, units = "secs"))
model <- if (is.null(full)) paste(deparse(design), collapse = "") else
  paste0("full = [", paste(colnames(full), collapse = ", "), "]")
what <- if (is.null(full)) sprintf("%s %s vs %s", fac, test, ref) else
  sprintf("(%s %s vs %s) in %s %s minus %s", fac, test, ref, opt$group, opt[["group-test"]],
          opt[["group-reference"]])
cat(sprintf("[deseq2_reference.R] DESeq2 %s | %s | %s | alpha=%g\n",
            as.character(packageVersion("DESeq2")), model, what, alpha))
cat(sprintf("[deseq2_reference.R] genes=%d samples=%d padj<%g: %d\n",
            nrow(cm), ncol(cm), alpha, sum(out$padj < alpha, na.rm = TRUE)))
cat(sprintf("[deseq2_reference.R] wall_s load=%.2f fit=%.2f total=%.2f\n",
            secs(t_start, t_loaded), secs(t_fit0, t_fit1), secs(t_start, t_end)))
