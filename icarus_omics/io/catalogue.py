"""Inputs of the signatures command: variant records from VCFs and MAFs, and ready SBS96
catalogues in SigProfiler's or MutationalPatterns' layout.

Variant readers return the table ``catalogue.build_catalogue`` takes (``sample``,
``chrom``, ``pos``, ``ref``, ``alt``) with every kind of record, so that the catalogue
report can count what it skips. By default a VCF gives its FILTER=PASS records only (the
passing calls of FilterMutectCalls or ``wes-filter``); a VCF that was never filtered
(FILTER ``.`` throughout) is refused rather than read as if it were. A MAF is usually a
filtered product: rows whose FILTER column (when present) is PASS, ``.`` or empty are
kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from icarus_omics.errors import IcarusError
from icarus_omics.io.tables import READ_ERRORS, open_text, read_tsv, unreadable
from icarus_omics.io.vcf import TUMOR_NAMES, open_vcf
from icarus_omics.signatures.catalogue import CHANNEL_INDEX_NAME, CHANNELS

if TYPE_CHECKING:
    import cyvcf2
    import pandas as pd

MAF_COLUMNS = (
    "Tumor_Sample_Barcode",
    "Chromosome",
    "Start_Position",
    "Reference_Allele",
    "Tumor_Seq_Allele2",
)
MAF_KEPT_FILTERS = ("PASS", ".", "")
_TUMOR_SAMPLE = re.compile(r"^##tumor_sample=(.+)$", re.MULTILINE)


def is_maf(path: Path) -> bool:
    """Whether ``path`` is named as a MAF (``.maf`` in its name); anything else is a VCF."""
    return ".maf" in path.name.lower()


def read_variant_files(
    paths: Sequence[Path],
    samples: Sequence[str] | None = None,
    include_filtered: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """Variant records of several VCFs (one sample each) and MAFs (one sample per
    Tumor_Sample_Barcode), and the sample names in input order.

    ``samples`` names the VCFs' samples, one per path, instead of their headers (all paths
    must then be VCFs). A sample name met in two files is an error.
    """
    import pandas as pd

    if samples is not None and len(samples) != len(paths):
        raise IcarusError(
            f"{len(samples)} sample names for {len(paths)} input files; give one per file"
        )
    tables: list[pd.DataFrame] = []
    source: dict[str, Path] = {}
    for k, path in enumerate(paths):
        if is_maf(path):
            if samples is not None:
                raise IcarusError(
                    f"{path}: a MAF names its samples in Tumor_Sample_Barcode; "
                    "sample names can be given for VCF inputs only"
                )
            names, table = read_maf_variants(path, include_filtered)
        else:
            name = samples[k] if samples is not None else None
            names, table = read_vcf_variants(path, name, include_filtered)
        for name in names:
            if name in source:
                raise IcarusError(
                    f"sample {name!r} is in both {source[name]} and {path}; "
                    "give each VCF its own sample name"
                )
            source[name] = path
        tables.append(table)
    if not tables:
        raise IcarusError("no VCF or MAF input given")
    return pd.concat(tables, ignore_index=True), list(source)


def read_vcf_variants(
    path: Path, sample: str | None = None, include_filtered: bool = False
) -> tuple[list[str], pd.DataFrame]:
    """The sample name (``sample``, else the VCF's tumour sample) and its records.

    The tumour sample is the ``##tumor_sample`` header line (Mutect2), a lone sample, or
    the one named TUMOR; a sites-only VCF is named after its file. Multi-allelic ALTs are
    joined by commas; a record without ALT gets ``.``.
    """
    import pandas as pd

    vcf = open_vcf(path)
    try:
        name = sample or vcf_sample_name(vcf, path)
        rows, unfiltered = _records(vcf, include_filtered)
    finally:
        vcf.close()
    if not rows and unfiltered:
        raise IcarusError(
            f"{path}: no record has FILTER=PASS ({unfiltered} have '.': never filtered); "
            "run FilterMutectCalls or 'icarus-omics wes-filter' first, or take all records"
        )
    table = pd.DataFrame(rows, columns=["chrom", "pos", "ref", "alt"])
    table.insert(0, "sample", name)
    return [name], table


def _records(
    vcf: cyvcf2.VCF, include_filtered: bool
) -> tuple[list[tuple[str, int, str, str]], int]:
    """(chrom, pos, ref, alt) of the records kept, and how many were unfiltered (``.``)."""
    rows, unfiltered = [], 0
    for record in vcf:
        filters = record.FILTERS
        if not include_filtered and filters != ["PASS"]:
            unfiltered += not filters
            continue
        rows.append((record.CHROM, record.POS, record.REF, ",".join(record.ALT) or "."))
    return rows, unfiltered


def vcf_sample_name(vcf: cyvcf2.VCF, path: Path) -> str:
    """The name of a VCF's tumour sample (see ``read_vcf_variants``)."""
    listed = list(vcf.samples)
    line = _TUMOR_SAMPLE.search(vcf.raw_header)
    if line:
        return line.group(1).strip()
    tumours = [s for s in listed if s.upper() in TUMOR_NAMES]
    if len(listed) == 1 or len(tumours) == 1:
        return (tumours or listed)[0]
    if not listed:
        return re.sub(r"(\.vcf|\.bcf)?(\.gz|\.bgz)?$", "", path.name, flags=re.IGNORECASE)
    raise IcarusError(
        f"{path}: cannot tell which sample is the tumour (no ##tumor_sample line; samples: "
        f"{', '.join(listed)}); give the sample name for this VCF"
    )


def read_maf_variants(path: Path, include_filtered: bool = False) -> tuple[list[str], pd.DataFrame]:
    """Sample names (Tumor_Sample_Barcode, first appearance) and records of a MAF.

    ``-`` (MAF's empty allele) becomes an empty string, so insertions and deletions are
    recognised as indels; Tumor_Seq_Allele2 is the ALT.
    """
    import pandas as pd

    table = read_tsv(path, MAF_COLUMNS, what="MAF")
    names = list(dict.fromkeys(table["Tumor_Sample_Barcode"]))
    if "" in names:
        row = int((table["Tumor_Sample_Barcode"] == "").to_numpy().argmax()) + 2
        raise IcarusError(f"{path}: row {row} has an empty Tumor_Sample_Barcode")
    if "FILTER" in table.columns and not include_filtered:
        table = table[table["FILTER"].isin(MAF_KEPT_FILTERS)]
    pos = pd.to_numeric(table["Start_Position"], errors="coerce")
    bad = pos.isna() | (pos < 1)
    if bad.any():
        raise IcarusError(
            f"{path}: Start_Position {table['Start_Position'][bad].iloc[0]!r} is not a "
            "1-based position"
        )
    variants = pd.DataFrame(
        {
            "sample": table["Tumor_Sample_Barcode"].to_numpy(),
            "chrom": table["Chromosome"].to_numpy(),
            "pos": pos.to_numpy(dtype="int64"),
            "ref": table["Reference_Allele"].replace("-", "").to_numpy(),
            "alt": table["Tumor_Seq_Allele2"].replace("-", "").to_numpy(),
        }
    )
    return names, variants


def read_catalogue(path: Path) -> pd.DataFrame:
    """A ready SBS96 catalogue as 96 rows (``CHANNELS``, COSMIC order) x samples, integers.

    Layouts: SigProfiler (``MutationType`` column of names like ``A[C>A]A``);
    MutationalPatterns (row names like ``A[C>A]A``, as R's ``write.table`` writes them, or
    ``Type``/``Subtype`` columns like ``C>A`` and ``ACA``). Counts may be written as
    integer-valued floats (``12.0``).
    """
    table = _read_table(path)
    header = _header_fields(path)
    if "Type" in table.columns and "Subtype" in table.columns:
        names = [
            _mutational_patterns_name(path, t, s)
            for t, s in zip(table["Type"], table["Subtype"], strict=True)
        ]
        counts = table.drop(columns=["Type", "Subtype"])
    elif not _is_default_index(table):  # R row names: the header has one field fewer
        names, counts = [str(n) for n in table.index], table
    else:
        names, counts = table.iloc[:, 0].tolist(), table.iloc[:, 1:]
    samples = [str(c) for c in counts.columns]
    _check_samples(path, samples, header)
    _check_channels(path, [n.strip() for n in names])
    values = _check_counts(path, counts, names)
    values.index = [n.strip() for n in names]
    values.columns = samples
    catalogue = values.reindex(list(CHANNELS))
    catalogue.index.name = CHANNEL_INDEX_NAME
    return catalogue


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise IcarusError(f"{path}: not a readable tab-separated catalogue ({error})") from None
    except READ_ERRORS as error:
        raise unreadable(path, "catalogue", error) from None


def _header_fields(path: Path) -> list[str]:
    with open_text(path) as handle:
        return [f.strip('"') for f in handle.readline().rstrip("\r\n").split("\t")]


def _is_default_index(table: pd.DataFrame) -> bool:
    import pandas as pd

    return isinstance(table.index, pd.RangeIndex)


def _mutational_patterns_name(path: Path, kind: str, subtype: str) -> str:
    if len(kind) != 3 or len(subtype) != 3:
        raise IcarusError(f"{path}: Type {kind!r} / Subtype {subtype!r} is not like C>A / ACA")
    return f"{subtype[0]}[{kind}]{subtype[2]}"


def _check_samples(path: Path, samples: list[str], header: list[str]) -> None:
    if not samples:
        raise IcarusError(f"{path}: the catalogue has no sample columns")
    seen: set[str] = set()
    for name in header[-len(samples) :]:
        if name in seen:
            raise IcarusError(f"{path}: sample column {name!r} appears twice")
        seen.add(name)


def _check_channels(path: Path, names: list[str]) -> None:
    known = set(CHANNELS)
    unexpected = next((n for n in names if n not in known), None)
    if unexpected is not None:
        raise IcarusError(
            f"{path}: row {unexpected!r} is not an SBS96 channel "
            "(expected names like A[C>T]G, in a MutationType column or as row names)"
        )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise IcarusError(f"{path}: channel {name!r} appears twice")
        seen.add(name)
    missing = [c for c in CHANNELS if c not in seen]
    if missing:
        raise IcarusError(
            f"{path}: {len(missing)} of the 96 channels are missing (first: {missing[0]})"
        )


def _check_counts(path: Path, counts: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Counts as integers: finite, non-negative and whole."""
    import numpy as np
    import pandas as pd

    numbers = counts.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    problems = (
        (~np.isfinite(numbers), "is not a number"),
        (numbers < 0, "is negative"),
        (numbers != np.round(numbers), "is not a whole count (a signature or proportions file?)"),
    )
    for bad, what in problems:
        if bad.any():
            row, column = (int(i[0]) for i in np.nonzero(bad))
            value = counts.iat[row, column]
            raise IcarusError(
                f"{path}: count {value!r} of sample {counts.columns[column]!r} at "
                f"{names[row]} {what}"
            )
    return pd.DataFrame(numbers.astype(np.int64))
