"""Tab-separated tables, MAF files, BED files and gene lists."""

from __future__ import annotations

import csv
import gzip
import math
import shutil
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from icarus_omics.errors import IcarusError

if TYPE_CHECKING:  # pandas costs a quarter second to import; commands that stream skip it
    import pandas as pd

FLOAT_FORMAT = "%.6g"


def format_value(value: object) -> str:
    """One cell as text: empty for missing, ``%.6g`` for floats, ``str`` otherwise."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is int:
        return str(value)
    if kind is float:
        return "" if value != value else FLOAT_FORMAT % value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, float):  # numpy floats
        return "" if math.isnan(value) else FLOAT_FORMAT % value
    return str(value)


class TableWriter:
    """Write a TSV row by row (streaming), with a header line and fixed float format."""

    def __init__(self, path: Path, columns: Sequence[str], comments: Sequence[str] = ()) -> None:
        self.path = path
        self.columns = tuple(columns)
        self.rows = 0
        self._handle: IO[str] = open(path, "w", newline="")  # noqa: SIM115 - closed in __exit__
        for comment in comments:
            self._handle.write(f"#{comment}\n")
        self._handle.write("\t".join(self.columns) + "\n")

    def write(self, row: Sequence[object]) -> None:
        """Append one row, in ``columns`` order."""
        self._handle.write("\t".join([format_value(v) for v in row]) + "\n")
        self.rows += 1

    def write_text(self, lines: str, rows: int) -> None:
        """Append ``rows`` rows already formatted as tab-separated lines."""
        self._handle.write(lines)
        self.rows += rows

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def concatenate_tables(parts: Sequence[Path], out: Path, skip: int = 1) -> None:
    """Join text tables written in parts: ``out`` keeps the first ``skip`` (header) lines
    of the first part only."""
    with open(out, "w") as sink:
        for k, part in enumerate(parts):
            with open(part) as handle:
                if k > 0:
                    for _ in range(skip):
                        handle.readline()
                shutil.copyfileobj(handle, sink, 1 << 20)


def write_tsv(table: pd.DataFrame, path: Path, index: bool = False) -> None:
    """Write ``table`` as TSV: header line, empty cells for missing, floats as ``%.6g``,
    booleans as ``true``/``false``."""
    flags = [c for c in table.columns if table[c].dtype == bool]
    if flags:
        table = table.assign(**{c: table[c].map({True: "true", False: "false"}) for c in flags})
    table.to_csv(
        path, sep="\t", index=index, na_rep="", float_format=FLOAT_FORMAT, lineterminator="\n"
    )


# What reading a damaged or non-UTF-8 file raises: a gzip file cut short raises EOFError
# (which click would turn into "aborted", exit 130), a corrupt one BadGzipFile (an OSError)
# or zlib.error.
READ_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, zlib.error, UnicodeDecodeError)


def open_text(path: Path, encoding: str = "utf-8") -> IO[str]:
    """Open a text file for reading, gunzipping it when its name ends with ``.gz``."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding)
    return open(path, encoding=encoding)


def unreadable(path: Path, what: str, error: BaseException) -> IcarusError:
    """The one-line error for a file that cannot be read, with the likely fix."""
    if isinstance(error, EOFError):
        return IcarusError(
            f"{path} is truncated or not a complete gzip file (the {what} ends early); "
            "copy or compress it again"
        )
    if isinstance(error, gzip.BadGzipFile | zlib.error):
        return IcarusError(f"{path} is not a valid gzip file ({error}); copy or compress it again")
    if isinstance(error, UnicodeDecodeError):
        return IcarusError(
            f"{path}: the {what} is not UTF-8 text (byte {error.object[error.start]:#x} at "
            f"offset {error.start}); save it as UTF-8"
        )
    detail = getattr(error, "strerror", None) or error
    return IcarusError(f"{path}: not a readable tab-separated {what} ({detail})")


def read_tsv(path: Path, required: Iterable[str] = (), what: str = "table") -> pd.DataFrame:
    """Read a TSV as text columns and check that ``required`` columns exist.

    Leading ``#`` lines (MAF ``#version``, provenance) are skipped; a ``#`` later in a line
    is data. Files in UTF-8 or, failing that, Latin-1 (older knowledge-base dumps) are read.
    """
    import pandas as pd

    table = None
    for encoding in ("utf-8", "latin-1"):
        try:
            with open_text(path, encoding) as handle:
                skip = 0
                for line in handle:
                    if not line.startswith("#"):
                        break
                    skip += 1
            table = pd.read_csv(
                path, sep="\t", skiprows=skip, dtype=str, keep_default_na=False,
                encoding=encoding, quoting=csv.QUOTE_NONE,
            )  # fmt: skip
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as error:
            raise unreadable(path, what, error) from None
        except READ_ERRORS as error:
            raise unreadable(path, what, error) from None
    if table is None:
        raise IcarusError(f"{path}: not a readable tab-separated {what} (unknown text encoding)")
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise IcarusError(
            f"{path}: {what} lacks column(s) {', '.join(missing)} "
            f"(found: {', '.join(map(str, table.columns[:8]))})"
        )
    return table


def read_sample_table(path: Path) -> tuple[pd.DataFrame, str]:
    """A sample table and the name of its sample column (``tumor_sample``, else ``sample``)."""
    table = read_tsv(path, what="sample table")
    column = next((c for c in ("tumor_sample", "sample") if c in table.columns), None)
    if column is None:
        raise IcarusError(f"{path}: needs a 'sample' or 'tumor_sample' column")
    check_unique_samples(table[column], path)
    return table, column


def check_unique_samples(names: pd.Series, path: Path) -> None:
    """Refuse a sample sheet that lists a sample twice (which row would hold its group?)."""
    repeated = names[names.duplicated()]
    if len(repeated):
        name = repeated.iloc[0]
        rows = [str(i + 2) for i in (names == name).to_numpy().nonzero()[0]]  # header is line 1
        raise IcarusError(
            f"{path}: sample {name!r} is listed more than once (lines {', '.join(rows)}); "
            "give each sample one row"
        )


def read_gene_list(path: Path) -> list[str]:
    """Gene symbols from a panel file: one per line, or the first column of a TSV.

    Blank lines and ``#`` comments are skipped; a header line named ``gene``,
    ``Hugo_Symbol`` or ``symbol`` is recognised and skipped. Order is kept, duplicates
    are removed.
    """
    try:
        lines = Path(path).read_text().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise IcarusError(f"{path}: cannot read gene list ({error})") from None
    genes: dict[str, None] = {}
    for line in lines:
        first = line.split("\t")[0].strip()
        if not first or first.startswith("#"):
            continue
        if not genes and first.lower() in {"gene", "hugo_symbol", "symbol", "gene_symbol"}:
            continue
        genes.setdefault(first, None)
    if not genes:
        raise IcarusError(f"{path}: the gene list is empty")
    return list(genes)


def read_bed(path: Path) -> list[tuple[str, int, int]]:
    """Intervals (contig, 0-based start, end) from a BED file; header lines skipped."""
    intervals = []
    try:
        with open(path, newline="") as handle:
            for number, fields in enumerate(csv.reader(handle, delimiter="\t"), start=1):
                if not fields or fields[0].startswith(("#", "track", "browser")):
                    continue
                intervals.append(_bed_interval(path, number, fields))
    except (OSError, UnicodeDecodeError) as error:
        raise IcarusError(f"{path}: cannot read BED file ({error})") from None
    if not intervals:
        raise IcarusError(f"{path}: the BED file has no intervals")
    return intervals


def _bed_interval(path: Path, number: int, fields: list[str]) -> tuple[str, int, int]:
    try:
        chrom, start, end = fields[0], int(fields[1]), int(fields[2])
    except (IndexError, ValueError):
        raise IcarusError(
            f"{path}: line {number} is not BED (expected contig, start, end): "
            f"{' '.join(fields)[:60]!r}"
        ) from None
    if start < 0 or end < start:
        raise IcarusError(f"{path}: line {number} has start {start} > end {end} or below 0")
    return chrom, start, end
