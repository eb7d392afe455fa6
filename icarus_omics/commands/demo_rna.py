"""The transcriptomic half of ``demo``: paired DE overall, by response and the
interaction, an unpaired on-treatment comparison, then GSEA of each paired result."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from icarus_omics.commands import gsea as gsea_command
from icarus_omics.commands import rna_de as rna_de_command
from icarus_omics.example.rna import build_example_rna
from icarus_omics.io.cohort import write_example_rna
from icarus_omics.resources import installed_manifest

# analysis folder -> rna-de options (the study's comparisons, section 5 of the SPEC)
ANALYSES: dict[str, dict[str, object]] = {
    "overall": {},
    "responders": {"subset": ["response=R"]},
    "non_responders": {"subset": ["response=NR"]},
    "interaction": {"interaction": "response:R:NR"},
    "drug_target_onT": {
        "design": "~ drug_target",
        "contrast": "drug_target:positive:negative",
        "subset": ["timepoint=onT"],
    },
}
RANKED = ("overall", "responders", "non_responders")
PERMUTATIONS = 2_000  # the demo's GSEA; the command's default is 10,000


def run_rna_demo(samples: pd.DataFrame, example: Path, outdir: Path) -> list[str]:
    """Generate the cohort's RNA-seq, run every comparison under ``outdir/rna`` and GSEA
    (example gene sets, plus Hallmark when installed) under ``outdir/gsea``; return the
    names of the comparisons run."""
    files = write_example_rna(build_example_rna(samples), example)
    for name, options in ANALYSES.items():
        rna_de_command.rna_de(files["counts"], files["samples"], outdir / "rna" / name,
                              threads=2, quiet=True, **options)  # type: ignore[arg-type]  # fmt: skip
    gene_sets = {"example": str(files["gene_sets"])}
    if installed_manifest("hallmark") is not None:
        gene_sets["hallmark"] = "hallmark"
    for name in RANKED:
        for label, source in gene_sets.items():
            gsea_command.gsea(outdir / "rna" / name / "de_results.tsv",
                              outdir / "gsea" / f"{name}_{label}", genesets=source,
                              permutations=PERMUTATIONS, threads=2, quiet=True)  # fmt: skip
    return list(ANALYSES)
