#!/usr/bin/env Rscript
# Golden strict signature fits: MutationalPatterns fit_to_signatures_strict, backwards.
#
# Usage (from the repository root):
#   Rscript tests/expected/signatures/strict_fit.R \
#     tests/data/signatures/strict_catalogue.tsv tests/data/signatures/strict_signatures.tsv \
#     tests/expected/signatures/strict_contributions.tsv 0.003 0.004 0.005 0.045 0.05 0.06
#
# CATALOGUE: channel column (A[C>A]A ...) then one column of counts per sample.
# SIGNATURES: channel column then one column per signature (the same 96 channels).
# OUT: long table max_delta, sample, signature, contribution; every sample x signature for
# each max_delta, 0 for dropped signatures, written with 17 significant digits.
suppressPackageStartupMessages(library(MutationalPatterns))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4) stop("usage: strict_fit.R CATALOGUE SIGNATURES OUT MAX_DELTA...")

read_matrix <- function(path) {
  table <- read.delim(path, check.names = FALSE, stringsAsFactors = FALSE)
  m <- as.matrix(table[, -1, drop = FALSE])
  storage.mode(m) <- "double"
  rownames(m) <- table[[1]]
  m
}
mut_mat <- read_matrix(args[1])
signatures <- read_matrix(args[2])[rownames(mut_mat), , drop = FALSE]

rows <- list()
for (max_delta in as.numeric(args[-(1:3)])) {
  strict <- fit_to_signatures_strict(mut_mat, signatures, max_delta = max_delta,
                                     method = "backwards")
  contribution <- strict$fit_res$contribution[colnames(signatures), colnames(mut_mat),
                                              drop = FALSE]
  rows[[length(rows) + 1]] <- data.frame(
    max_delta = max_delta,
    sample = rep(colnames(mut_mat), each = nrow(contribution)),
    signature = rep(rownames(contribution), times = ncol(contribution)),
    contribution = sprintf("%.17g", as.vector(contribution))
  )
}
write.table(do.call(rbind, rows), args[3], sep = "\t", quote = FALSE, row.names = FALSE)
