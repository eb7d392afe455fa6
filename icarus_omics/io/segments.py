"""FACETS segment tables and fit summaries, gene coordinate tables, and the ``cna`` outputs.

Segment tables are FACETS ``fit$cncf`` tables (chrom, start, end, tcn.em, lcn.em, ...) or
facets-suite ``*.cncf.txt`` files (loc.start, loc.end; tcn/lcn when the ``.em`` columns are
absent; an ``ID`` column naming the sample). Chromosomes 23 and 24 are X and Y, as FACETS
writes them. Copy numbers must be whole numbers; lcn may be NA (kept as NaN).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from icarus_omics.copynumber import categories as copy_number
from icarus_omics.errors import IcarusError
from icarus_omics.io.files import safe_name
from icarus_omics.io.tables import READ_ERRORS, format_value, open_text, read_tsv, unreadable

# Our column -> the names FACETS and facets-suite give it, in order of preference.
SEGMENT_ALIASES = {
    "chrom": ("chrom",),
    "start": ("start", "loc.start"),
    "end": ("end", "loc.end"),
    "tcn": ("tcn.em", "tcn"),
    "lcn": ("lcn.em", "lcn"),
}
SAMPLE_COLUMNS = ("sample", "ID")
FACETS_SEX_CHROMOSOMES = {"23": "X", "24": "Y"}
MISSING = frozenset({"", "NA", "NaN", "nan", "N/A", "."})
GENES_HELP = (
    "give a BED file (chrom, start, end, name) or a TSV with a header line gene, chrom, "
    "start, end (1-based, inclusive)"
)


class SampleSegments(NamedTuple):
    """One sample's segments (``copy_number.SEGMENT_COLUMNS``) and any fit in its file."""

    sample: str
    segments: pd.DataFrame
    fit: copy_number.Fit
    source: Path


def sample_stem(path: Path) -> str:
    """The file name without ``.gz``, ``.txt``/``.tsv`` and ``.cncf`` (``T1.cncf.txt`` -> T1)."""
    name = path.name
    for suffixes in ((".gz",), (".txt", ".tsv"), (".cncf",)):
        name = next((name[: -len(s)] for s in suffixes if name.endswith(s)), name)
    return name


def read_segments(path: Path) -> list[SampleSegments]:
    """Segments of every sample in a FACETS segment table, in order of first appearance.

    Samples come from a ``sample`` or ``ID`` column, else the file stem is the one sample.
    ``purity``/``ploidy`` columns, when present, give each sample's fit.
    """
    expected = "expected a FACETS cncf table (chrom, start, end, tcn.em, lcn.em, ...)"
    if path.stat().st_size == 0:
        raise IcarusError(f"{path}: no segments (the file is empty); {expected}")
    table = read_tsv(path, what="FACETS segment table")
    if table.empty:
        raise IcarusError(f"{path}: no segments (a header line only); {expected}")
    columns = {ours: _pick_column(table, ours, path) for ours in SEGMENT_ALIASES}
    segments = pd.DataFrame({"chrom": table[columns["chrom"]].str.strip()})
    segments["chrom"] = segments["chrom"].replace(FACETS_SEX_CHROMOSOMES)
    for ours in ("start", "end", "tcn", "lcn"):
        segments[ours] = _whole_numbers(table[columns[ours]], columns[ours], path, ours == "lcn")
    _check_segments(segments, columns, path)
    for extra in ("purity", "ploidy"):
        if extra in table.columns:
            segments[extra] = _numbers(table[extra], extra, path)
    name_column = next((c for c in SAMPLE_COLUMNS if c in table.columns), None)
    if name_column is None:
        return [_sample(sample_stem(path), segments, path)]
    names = table[name_column].str.strip()
    return [_sample(name, segments[names == name], path) for name in names.unique()]


def _sample(name: str, segments: pd.DataFrame, path: Path) -> SampleSegments:
    fits = {k: segments[k].dropna() for k in ("purity", "ploidy") if k in segments.columns}
    values = {k: float(v.iloc[0]) if len(v) else None for k, v in fits.items()}
    fit = copy_number.check_fit(copy_number.Fit(**values), f"{path} (sample {name})")
    kept = segments[list(copy_number.SEGMENT_COLUMNS)].reset_index(drop=True)
    return SampleSegments(name, kept, fit, path)


def _pick_column(table: pd.DataFrame, ours: str, path: Path) -> str:
    names = SEGMENT_ALIASES[ours]
    found = next((name for name in names if name in table.columns), None)
    if found is None:
        raise IcarusError(
            f"{path}: segment table lacks column {' or '.join(names)} "
            f"(found: {', '.join(map(str, table.columns[:12]))}); expected a FACETS cncf table"
        )
    return found


def _numbers(values: pd.Series, column: str, path: Path) -> npt.NDArray[np.float64]:
    """Floats, NaN where missing; a value that is neither is an error naming its row."""
    text = values.str.strip()
    numbers = pd.to_numeric(text.where(~text.isin(MISSING)), errors="coerce")
    bad = np.flatnonzero(numbers.isna().to_numpy() & ~text.isin(MISSING).to_numpy())
    if bad.size:
        raise IcarusError(
            f"{path}: {column} is not a number in row {bad[0] + 1} ({text.iloc[bad[0]]!r})"
        )
    return numbers.to_numpy(np.float64)


def _whole_numbers(
    values: pd.Series, column: str, path: Path, allow_missing: bool
) -> npt.NDArray[np.float64]:
    numbers = _numbers(values, column, path)
    missing = np.isnan(numbers)
    if missing.any() and not allow_missing:
        row = int(np.flatnonzero(missing)[0])
        raise IcarusError(f"{path}: {column} is missing in row {row + 1}; it is required")
    fractional = np.flatnonzero(~missing & (numbers != np.round(numbers)))
    if fractional.size:
        row = int(fractional[0])
        raise IcarusError(
            f"{path}: {column} must be a whole number; row {row + 1} has {numbers[row]:g}"
        )
    return numbers


def _check_segments(segments: pd.DataFrame, columns: dict[str, str], path: Path) -> None:
    checks = (
        (segments["end"] < segments["start"], f"{columns['end']} < {columns['start']}"),
        (segments["start"] < 0, f"{columns['start']} below 0"),
        (segments["tcn"] < 0, f"{columns['tcn']} below 0"),
        (
            (segments["lcn"] < 0) | (segments["lcn"] > segments["tcn"]),
            f"{columns['lcn']} outside 0 to {columns['tcn']}",
        ),
    )
    for failed, what in checks:
        rows = np.flatnonzero(failed.to_numpy())
        if rows.size:
            row = segments.iloc[rows[0]]
            raise IcarusError(
                f"{path}: {what} in row {rows[0] + 1} ({row.chrom}:{row.start:.0f}-"
                f"{row.end:.0f}, tcn {row.tcn:g}); is this a FACETS segment table?"
            )
    segments["start"] = segments["start"].astype(np.int64)
    segments["end"] = segments["end"].astype(np.int64)


def read_cohort(paths: Sequence[Path], prefix: str | None = None) -> list[SampleSegments]:
    """Segments of every sample in ``paths``; ``prefix`` renames a lone sample."""
    samples = [sample for path in paths for sample in read_segments(path)]
    if prefix is not None:
        if len(samples) > 1:
            raise IcarusError(
                f"--prefix names one sample but the segment file(s) hold {len(samples)}; "
                "drop --prefix to name each output after its sample"
            )
        samples = [samples[0]._replace(sample=prefix)]
    seen: dict[str, Path] = {}
    for sample in samples:
        what = "--prefix" if prefix is not None else f"{sample.source}: sample"
        safe_name(sample.sample, what)  # it names SAMPLE.cna_genes.tsv
        if sample.sample in seen:
            raise IcarusError(
                f"sample {sample.sample!r} appears in {seen[sample.sample]} and in "
                f"{sample.source}; give each sample once (file names or sample/ID columns)"
            )
        seen[sample.sample] = sample.source
    return samples


_OUT_LINE = re.compile(r"^#\s*(purity|ploidy)\s*=\s*(\S+)", re.IGNORECASE)


def read_fit(path: Path) -> list[tuple[str, copy_number.Fit]]:
    """Purity and ploidy from a FACETS fit summary, with the sample name ("" if none).

    Accepts ``# Purity = 0.89`` lines (FACETS ``.out`` files), a key/value table (``purity``
    and ``ploidy`` rows, ``#`` comments) or a table with ``purity`` and ``ploidy`` columns
    (one fit per row, named by a ``sample`` or ``ID`` column). NA means unknown.
    """
    lines = _read_lines(path, "fit summary")
    pairs = [(m[1], m[2]) for m in map(_OUT_LINE.match, lines) if m]
    if pairs:
        return [("", _fit(path, dict(pairs)))]
    rows = [_fields(line) for line in lines if line.strip() and not line.startswith("#")]
    header = [field.lower() for field in rows[0]] if rows else []
    if {"purity", "ploidy"} <= set(header):
        name = next((header.index(c) for c in ("sample", "id") if c in header), None)
        padded = [row + [""] * len(header) for row in rows[1:]]
        return [
            ("" if name is None else row[name], _fit(path, dict(zip(header, row, strict=False))))
            for row in padded
        ]
    pairs = [(row[0], row[1]) for row in rows if len(row) >= 2]
    if not {"purity", "ploidy"} & {key.lower() for key, _ in pairs}:
        raise IcarusError(
            f"{path}: no purity or ploidy found; expected '# Purity = 0.5' lines, purity/ploidy "
            "rows (key<TAB>value) or a table with purity and ploidy columns"
        )
    return [("", _fit(path, dict(pairs)))]


def _read_lines(path: Path, what: str) -> list[str]:
    try:
        with open_text(path) as handle:
            return handle.read().splitlines()
    except READ_ERRORS as error:
        raise unreadable(path, what, error) from None


def _fields(line: str) -> list[str]:
    return [
        field.strip().strip('"') for field in (line.split("\t") if "\t" in line else line.split())
    ]


def _fit(path: Path, values: dict[str, str]) -> copy_number.Fit:
    values = {key.lower(): value for key, value in values.items()}
    parsed: dict[str, float | None] = {}
    for key in ("purity", "ploidy"):
        text = values.get(key, "").strip()
        if text in MISSING:
            parsed[key] = None
            continue
        try:
            parsed[key] = float(text)
        except ValueError:
            raise IcarusError(f"{path}: {key} {text!r} is not a number") from None
    return copy_number.check_fit(copy_number.Fit(**parsed), str(path))


def read_fits(paths: Sequence[Path], samples: Sequence[str]) -> dict[str, copy_number.Fit]:
    """Fit per sample from ``--fit`` files.

    Fits named by a ``sample``/``ID`` column are matched to the samples by name: every
    sample needs its row (a table naming only other samples is an error, never applied).
    Unnamed fits (FACETS ``.out`` lines, key/value rows) carry no sample name: one per
    sample in segment-file order, and a fit file named after another sample of the run
    (``T2.out`` in T1's place) is refused.
    """
    fits = [(path, name, fit) for path in paths for name, fit in read_fit(path)]
    if not fits:
        return {}
    named = [(path, name, fit) for path, name, fit in fits if name]
    if named:
        return _fits_by_name(named, len(fits), samples)
    if len(fits) != len(samples):
        raise IcarusError(
            f"{len(fits)} fit(s) in --fit for {len(samples)} sample(s); give one --fit per "
            "segment file, in the same order, or a table with sample, purity and ploidy columns"
        )
    for (path, _, _), sample in zip(fits, samples, strict=True):
        stem = path.name.split(".")[0]
        if stem != sample and stem in samples:
            raise IcarusError(
                f"--fit {path} is named after sample {stem!r} but stands in the place of "
                f"sample {sample!r}; give the --fit files in segment-file order"
            )
    return {sample: fit for sample, (_, _, fit) in zip(samples, fits, strict=True)}


def _fits_by_name(
    named: list[tuple[Path, str, copy_number.Fit]], total: int, samples: Sequence[str]
) -> dict[str, copy_number.Fit]:
    if len(named) != total:
        raise IcarusError(
            "--fit mixes fits named by a sample column with unnamed ones; give every fit "
            "in a table with sample, purity and ploidy columns"
        )
    table: dict[str, copy_number.Fit] = {}
    for path, name, fit in named:
        if name in table:
            raise IcarusError(f"--fit {path}: sample {name!r} has more than one fit")
        table[name] = fit
    missing = [sample for sample in samples if sample not in table]
    if missing:
        raise IcarusError(
            f"--fit has no fit for sample(s) {', '.join(missing[:5])} (it names "
            f"{', '.join(list(table)[:5])}); add a row for each sample or check the names"
        )
    return {sample: table[sample] for sample in samples}


def sample_fits(
    samples: list[SampleSegments], given: copy_number.Fit, paths: list[Path]
) -> dict[str, copy_number.Fit]:
    """Per sample: --purity/--ploidy, else --fit, else purity/ploidy columns, else missing."""
    copy_number.check_fit(given, "--purity/--ploidy")
    if given != copy_number.Fit() and len(samples) > 1:
        raise IcarusError(
            f"--purity/--ploidy describe one sample but there are {len(samples)}; "
            "give --fit per segment file, or purity and ploidy columns in the segment table"
        )
    from_files = read_fits(paths, [s.sample for s in samples])
    missing = copy_number.Fit()
    return {s.sample: given.or_else(from_files.get(s.sample, missing)).or_else(s.fit)
            for s in samples}  # fmt: skip


def read_genes(path: Path) -> pd.DataFrame:
    """Gene coordinates (columns gene, chrom, start, end; 1-based, inclusive), in file order.

    A BED file (chrom, 0-based start, end, name; detected by its ``.bed`` name or numeric
    2nd and 3rd fields) or a TSV with a header line naming gene, chrom, start and end (1-based).
    Rows of one gene on one contig (transcripts, exons) are merged into their outer span.
    """
    rows = [
        _fields(line)
        for line in _read_lines(path, "gene table")
        if line.strip() and not line.startswith(("#", "track", "browser"))
    ]
    header = [field.lower() for field in rows[0]] if rows else []
    wanted = list(copy_number.GENE_COLUMNS)
    if set(wanted) <= set(header):
        table = pd.DataFrame([row[: len(header)] for row in rows[1:]], columns=header)
        first = 1
    elif rows and len(rows[0]) >= 4 and (".bed" in path.name or _looks_numeric(rows[0][1:3])):
        table = pd.DataFrame([row[:4] for row in rows], columns=["chrom", "start", "end", "gene"])
        first = 0
    else:
        raise IcarusError(
            f"{path}: gene table lacks column(s) {', '.join(c for c in wanted if c not in header)} "
            f"(found: {', '.join(rows[0][:8]) if rows else 'nothing'}); {GENES_HELP}"
        )
    if table.empty:
        raise IcarusError(f"{path}: the gene table has no genes; {GENES_HELP}")
    for column in ("start", "end"):
        table[column] = _whole_numbers(table[column].astype(str), column, path, False)
    table["start"] += 1 - first  # BED starts are 0-based
    bad = np.flatnonzero(
        (table["end"] < table["start"]).to_numpy() | (table["start"] < 1).to_numpy()
    )
    if bad.size:
        raise IcarusError(f"{path}: gene {table['gene'].iloc[bad[0]]} has end before start")
    return _merge_gene_rows(table[wanted], path)


def _looks_numeric(fields: list[str]) -> bool:
    return all(field.isdigit() for field in fields)


def _merge_gene_rows(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    table = table.astype({"start": np.int64, "end": np.int64})
    merged = table.groupby("gene", sort=False).agg(
        chrom=("chrom", "first"),
        contigs=("chrom", "nunique"),
        start=("start", "min"),
        end=("end", "max"),
    )
    several = merged.index[merged["contigs"] > 1]
    if len(several):
        contigs = ", ".join(sorted(set(table.loc[table["gene"] == several[0], "chrom"])))
        raise IcarusError(
            f"{path}: gene {several[0]} lies on several contigs ({contigs}); keep one row "
            "per gene (e.g. drop chrY PAR copies) so that each gene has one place"
        )
    return merged.reset_index()[list(copy_number.GENE_COLUMNS)]


class GeneCallWriter:
    """Write ``<sample>.cna_genes.tsv`` tables fast: a gene's line is its own fields joined
    with those of its segment, each formatted once per sample rather than once per gene."""

    def __init__(self, genes: pd.DataFrame) -> None:
        fields = [genes[c].astype(str) for c in copy_number.GENE_COLUMNS]
        self._genes = (
            fields[0] + "\t" + fields[1] + "\t" + fields[2] + "\t" + fields[3] + "\t"
        ).to_numpy(dtype=object)

    def write(self, calls: copy_number.GeneCalls, path: Path) -> None:
        """Write one sample's calls with columns ``copy_number.CALL_COLUMNS``."""
        segments, wgd = calls.segments, calls.wgd.is_wgd
        columns = ("tcn", "lcn", "start", "end", "length")
        rows = segments[list(columns)].itertuples(index=False, name=None)
        middle = [_join(values) + "\t" for values in rows]
        labels = copy_number.CATEGORIES, copy_number.DISCRETE_LABELS
        tails = [
            _join((wgd, labels[0][code], bool(focal), labels[1][code])) + "\n"
            for code, focal in zip(segments["category"], segments["focal"], strict=True)
        ]
        middle.append("\t" * len(columns))  # the last row serves genes in no segment
        tails.append(_join((wgd, "no_segment", "", "")) + "\n")
        pick = np.where(calls.segment_of_gene < 0, len(segments), calls.segment_of_gene)
        counts = np.array([f"{n}\t" for n in range(int(calls.n_segments.max()) + 1)], dtype=object)
        lines = self._genes + np.array(middle, dtype=object)[pick] + counts[calls.n_segments]
        lines += np.array(tails, dtype=object)[pick]
        with open(path, "w", newline="") as handle:
            handle.write(_join(copy_number.CALL_COLUMNS) + "\n")
            handle.write("".join(lines.tolist()))


def _join(values: Sequence[object]) -> str:
    return "\t".join([format_value(value) for value in values])


def write_code_matrix(
    rows: Sequence[str],
    columns: Sequence[str],
    codes: npt.NDArray[np.int8],
    labels: Sequence[str],
    path: Path,
) -> None:
    """Write a rows x columns table of ``labels[code]`` with a ``gene`` header cell."""
    text = np.array(labels, dtype=object)
    with open(path, "w", newline="") as handle:
        handle.write("\t".join(["gene", *columns]) + "\n")
        for first in range(0, len(rows), 2000):  # in blocks, to bound memory
            block = text[codes[first : first + 2000]].tolist()
            names = rows[first : first + 2000]
            lines = ("\t".join([name, *row]) + "\n" for name, row in zip(names, block, strict=True))
            handle.write("".join(lines))
