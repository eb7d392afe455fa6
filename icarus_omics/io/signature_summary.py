"""What the signatures command reports: ``signatures_summary.json`` and its stderr line.

The JSON document (written by :func:`icarus_omics.io.summary.write_summary`, which adds the
``run`` block) holds the fit method and its options, the signature set and shortlist, which
samples were fitted and which were not (with their SNV counts), and the exome check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from icarus_omics.signatures.catalogue import CatalogueReport
    from icarus_omics.signatures.exome import SequencingCheck
    from icarus_omics.signatures.fitting import FitOptions, Method


def summary_document(
    method: Method,
    options: FitOptions,
    quality: pd.DataFrame,
    check: SequencingCheck,
    signatures: list[str],
    **settings: Any,
) -> dict[str, Any]:
    """The summary of one run, as plain values.

    ``quality`` is the fit_quality table (all samples, ``fitted`` column); ``signatures``
    the shortlisted signature names; ``settings`` (signature set, shortlist source,
    min_snvs, bootstrap replicates, ...) are recorded as given.
    """
    from icarus_omics.signatures.exome import SEQUENCING_LOG_RATIO

    fitted = quality[quality["fitted"]]
    skipped = quality[~quality["fitted"]]
    return {
        "method": method,
        "options": options.used_by(method),
        **settings,
        "signatures": signatures,
        "samples": {
            "total": len(quality),
            "fitted": fitted["sample"].tolist(),
            "not_fitted": dict(zip(skipped["sample"], skipped["n_snvs"].astype(int), strict=True)),
        },
        "median_cosine_similarity": float(fitted["cosine_similarity"].median()),
        "exome_check": {
            "exome_signatures": check.exome,
            "log_ratio": check.log_ratio,
            "threshold": SEQUENCING_LOG_RATIO,
            "looks_like": check.looks_like,
            "warning": check.warning,
        },
    }


def summary_line(
    document: dict[str, Any], report: CatalogueReport | None, indexed: Path | None
) -> str:
    """The command's one stderr line, from its summary document, the catalogue report
    (None for a ready catalogue) and the FASTA indexed by this run (if any)."""
    samples, check = document["samples"], document["exome_check"]
    notes = []
    if samples["not_fitted"]:
        notes.append(
            f"{len(samples['not_fitted'])} sample(s) under {document['min_snvs']} SNVs not fitted"
        )
    notes += [check["warning"]] if check["warning"] else []
    notes += [report.summary()] if report is not None else []
    notes += [f"indexed {indexed} (wrote its .fai next to it)"] if indexed else []
    if document.get("bootstrap"):
        notes.append(f"bootstrap {document['bootstrap']} replicates, seed {document['seed']}")
    return (
        f"signatures: {len(samples['fitted'])} of {samples['total']} samples fitted "
        f"({document['method']}, {len(document['signatures'])} signatures, median cosine "
        f"{document['median_cosine_similarity']:.3f})" + "".join(f"; {n}" for n in notes)
    )
