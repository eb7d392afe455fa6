#!/usr/bin/env Rscript
# Golden signature-response association: R's wilcox.test with its defaults + p.adjust BH.
#
# Usage (from the repository root):
#   Rscript tests/expected/signatures/association.R \
#     tests/data/signatures/association_exposures.tsv \
#     tests/expected/signatures/association_wilcox.tsv
#
# INPUT: one row per sample; columns case, sample, response (R or NR), then one column per
# signature. Each case is tested on its own: per signature, wilcox.test(R values, NR values)
# with R's defaults (two-sided; exact = NULL, i.e. the exact distribution when both groups
# have fewer than 50 values and there are no ties, else the normal approximation with tie
# correction; correct = TRUE, the continuity correction), then p.adjust(method = "BH") over
# the case's signatures.
#
# A signature with no variation in the case (e.g. zero everywhere): wilcox.test gives
# W = n_a * n_b / 2 and p = NaN, and p.adjust leaves NaN out of its count of tests;
# icarus_omics.association.compare_groups does the same.
#
# OUTPUT: case, feature, n_a, n_b, u_statistic (W, the Mann-Whitney U of the R group),
# pvalue, padj, test (exact or normal), p-values with 17 significant digits.
data <- read.delim(commandArgs(TRUE)[1], check.names = FALSE, stringsAsFactors = FALSE)
features <- setdiff(names(data), c("case", "sample", "response"))
rows <- list()
for (case in unique(data$case)) {
  part <- data[data$case == case, ]
  table <- do.call(rbind, lapply(features, function(feature) {
    x <- part[part$response == "R", feature]
    y <- part[part$response == "NR", feature]
    values <- c(x, y)
    if (length(unique(values)) == 1) {  # wilcox.test: W = n_a n_b / 2, p = NaN
      result <- suppressWarnings(wilcox.test(x, y, correct = TRUE))
      return(data.frame(feature = feature, u = unname(result$statistic), p = result$p.value,
                        test = "none"))
    }
    # exact = NULL: R chooses (see above); with ties it warns that it cannot be exact
    result <- suppressWarnings(wilcox.test(x, y, correct = TRUE))
    data.frame(feature = feature, u = unname(result$statistic), p = result$p.value,
               test = if (grepl("exact", result$method)) "exact" else "normal")
  }))
  rows[[case]] <- data.frame(
    case = case, feature = table$feature,
    n_a = sum(part$response == "R"), n_b = sum(part$response == "NR"),
    u_statistic = table$u,
    pvalue = sprintf("%.17g", table$p),
    padj = sprintf("%.17g", p.adjust(table$p, method = "BH")),
    test = table$test
  )
}
write.table(do.call(rbind, rows), commandArgs(TRUE)[2], sep = "\t", quote = FALSE,
            row.names = FALSE, na = "NA")
