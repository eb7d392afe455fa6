"""PAM50 reference files and expression tables, read into the shapes :mod:`icarus_omics.subtypes`
takes.

- the UNC centroid table (``pam50_centroids.tsv``: gene, then basal, her2, luminal_a,
  luminal_b, normal, or LumA ... Normal): 50 genes x the five subtypes, columns renamed to
  ``LumA, LumB, Her2, Basal, Normal``;
- the annotation (``pam50_annot.tsv``: gene_name, gene_id (Ensembl), hgnc_id, proliferative);
- the ER/HER2 subgroup quantiles (``SIGMA.txt``: genes x subgroups, values in 0..1);
- the ROR coefficients and cut-offs (``ror_coeffs.json``, ``ror_thresholds.json``);
- the user's expression table (genes x samples, duplicates allowed: the library collapses).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icarus_omics.errors import IcarusError
from icarus_omics.io.counts import read_count_matrix
from icarus_omics.io.tables import read_tsv

if TYPE_CHECKING:
    import pandas as pd

    from icarus_omics.subtypes.reference import Pam50Reference

SUBTYPE_NAMES = {"basal": "Basal", "her2": "Her2", "luminala": "LumA", "luma": "LumA",
                 "luminalb": "LumB", "lumb": "LumB", "normal": "Normal"}  # fmt: skip


def read_expression(
    path: Path, rows: Callable[[pd.Index], Sequence[bool]] | None = None
) -> pd.DataFrame:
    """Genes x samples expression (TSV/CSV, optionally gzipped; first column gene symbols or
    Ensembl ids, duplicates allowed, empty cells NaN), as floats; ``rows`` (gene ids ->
    keep?) reads only the rows needed, e.g. the PAM50 genes."""
    return read_count_matrix(path, "expression table", unique_genes=False, allow_missing=True,
                             rows=rows)  # fmt: skip


def read_centroids(path: Path) -> pd.DataFrame:
    """The centroid table: genes (index) x ``LumA, LumB, Her2, Basal, Normal``."""
    import pandas as pd

    table = pd.read_csv(path, sep="\t", index_col=0)
    table.columns = [
        SUBTYPE_NAMES.get(re.sub(r"[^a-z0-9]", "", c.lower()), c) for c in table.columns
    ]
    missing = [s for s in ("LumA", "LumB", "Her2", "Basal", "Normal") if s not in table.columns]
    if missing:
        raise IcarusError(f"{path}: not a PAM50 centroid table: no {', '.join(missing)} column")
    table.index = table.index.astype(str)
    table.index.name = "gene"
    return table[["LumA", "LumB", "Her2", "Basal", "Normal"]].astype(float)


def read_annotation(path: Path) -> pd.DataFrame:
    """The annotation: one row per PAM50 gene, columns gene_name, gene_id, hgnc_id (when
    present) and proliferative (bool)."""
    table = read_tsv(path, ("gene_name", "gene_id", "proliferative"), "PAM50 annotation")
    return table.assign(
        proliferative=table["proliferative"].astype(str).isin(["1", "TRUE", "True", "true"])
    )


def read_subgroup_quantiles(path: Path) -> pd.DataFrame:
    """``SIGMA.txt``: genes (index, the old symbols CDCA1/KNTC2/ORC6L as written) x subgroups."""
    import pandas as pd

    table = pd.read_csv(path, sep="\t", index_col=0)
    table.index = table.index.astype(str)
    table.index.name = "gene"
    return table.astype(float)


def read_json(path: Path, what: str) -> dict[str, Any]:
    """A JSON object (the ROR coefficients or cut-offs)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IcarusError(f"{path}: not a readable {what} ({error})") from None
    if not isinstance(document, dict):
        raise IcarusError(f"{path}: not a {what}: expected a JSON object")
    return document


def read_reference(files: dict[str, Path]) -> Pam50Reference:
    """The reference from its files: ``centroids`` and ``annotation`` always, and when present
    ``subgroups`` (SIGMA.txt), ``ror`` with ``ror_thresholds`` (the JSON files)."""
    from icarus_omics.subtypes.reference import make_reference, ror_model_from_json

    quantiles = read_subgroup_quantiles(files["subgroups"]) if "subgroups" in files else None
    model = None
    if "ror" in files:
        coefficients = read_json(files["ror"], "ROR coefficient file")
        model = ror_model_from_json(
            coefficients, read_json(files["ror_thresholds"], "ROR cut-offs")
        )
    centroids, annotation = read_centroids(files["centroids"]), read_annotation(files["annotation"])
    return make_reference(centroids, annotation, quantiles, model)
