"""The signatures command's inputs as one SBS96 catalogue: VCFs and MAFs counted against
the reference FASTA, or one ready catalogue TSV."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from icarus_omics.errors import IcarusError

if TYPE_CHECKING:
    import pandas as pd

    from icarus_omics.oncogenic.alterations import Groups
    from icarus_omics.signatures.catalogue import CatalogueReport

VCF_SUFFIXES = (".vcf", ".vcf.gz", ".bcf")


def read_catalogue_inputs(
    paths: Sequence[Path], fasta: Path | None
) -> tuple[pd.DataFrame, CatalogueReport | None, bool]:
    """The catalogue of the inputs, the report of its build, and whether the FASTA was
    indexed just now.

    Parameters
    ----------
    paths
        VCFs and MAFs (counted with :func:`~icarus_omics.signatures.catalogue.build_catalogue`
        against ``fasta``), or one catalogue TSV (read as it is: no report).
    fasta
        The reference FASTA the calls were made on; needed for VCF and MAF input.

    Returns
    -------
    tuple
        The catalogue, 96 channels x samples (SNV counts); the ``CatalogueReport`` (None
        for a ready catalogue); True when the FASTA's index was built by this run.
    """
    from icarus_omics.io.catalogue import is_maf, read_catalogue, read_variant_files
    from icarus_omics.io.fasta import Reference
    from icarus_omics.signatures.catalogue import build_catalogue

    tables = [p for p in paths if not is_maf(p) and not p.name.endswith(VCF_SUFFIXES)]
    if tables:
        if len(paths) > 1:
            raise IcarusError("give either one catalogue TSV or VCF/MAF files, not both")
        return read_catalogue(tables[0]), None, False
    if fasta is None:
        raise IcarusError(
            "VCF/MAF input needs --fasta (indexed reference) for the trinucleotide context"
        )
    variants, names = read_variant_files(paths)
    reference = Reference(fasta)
    catalogue, report = build_catalogue(variants, reference, names)
    return catalogue, report, reference.indexed


def check_file_names(samples: Iterable[object]) -> None:
    """Refuse a sample name that cannot name its ``spectra/SAMPLE`` figure file."""
    from icarus_omics.io.files import safe_name

    advice = "rename it in the input, or plot no spectra (--no-spectra)"  # no --prefix here
    for sample in samples:
        safe_name(str(sample), "sample", advice)


def read_groups(path: Path, column: str) -> Groups:
    """The two groups of a sample table's ``column`` (e.g. response), for the association
    test (see :func:`icarus_omics.oncogenic.alterations.response_groups`)."""
    from icarus_omics.io.tables import read_sample_table
    from icarus_omics.oncogenic.alterations import response_groups

    sheet, id_column = read_sample_table(path)
    return response_groups(sheet, id_column, column)
