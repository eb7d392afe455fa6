"""Gene set files in the GMT format (MSigDB, Enrichr, WikiPathways), read and written.

One gene set per line: ``NAME<TAB>DESCRIPTION<TAB>GENE<TAB>GENE...``. The description (an
URL in MSigDB files) is ignored. Files ending ``.gz`` or starting with the gzip magic bytes
are unpacked on the fly.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping, Sequence
from pathlib import Path

from icarus_omics.errors import IcarusError

GZIP_MAGIC = b"\x1f\x8b"
LAYOUT = "GMT lines NAME<TAB>DESCRIPTION<TAB>GENE..."


def _read_text(path: Path) -> str:
    """The whole file as text (gunzipped when compressed); binary files are refused."""
    try:
        raw = Path(path).read_bytes()
        if raw.startswith(GZIP_MAGIC):
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as error:  # BadGzipFile is an OSError
        raise IcarusError(f"{path}: cannot read gene sets ({error})") from None
    if b"\0" in raw[:65536]:
        raise IcarusError(f"{path}: is a binary file, not a GMT file ({LAYOUT})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise IcarusError(
            f"{path}: is not UTF-8 text (byte {error.start}); expected {LAYOUT}"
        ) from None
    if text.lstrip()[:1] == "<":
        raise IcarusError(f"{path}: is an HTML or XML page, not a GMT file (a login/error page?)")
    return text.lstrip("\ufeff")


def read_gmt(path: Path) -> dict[str, tuple[str, ...]]:
    """Gene sets of a GMT file, in file order.

    Parameters
    ----------
    path
        A ``.gmt`` file, plain or gzip-compressed.

    Returns
    -------
    dict
        Set name -> its genes, in file order, empty fields and repeated genes dropped.

    Raises
    ------
    IcarusError
        For an empty, binary or non-UTF-8 file, a line with fewer than three fields or no
        gene, and a set name given twice with different genes (the same genes twice are
        accepted: concatenated collections repeat sets).
    """
    gene_sets: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t")
        name = fields[0].strip()
        if len(fields) < 3 or not name:
            raise IcarusError(
                f"{path} line {number}: has {len(fields)} tab-separated field(s); expected {LAYOUT}"
            )
        genes = tuple(dict.fromkeys(gene.strip() for gene in fields[2:] if gene.strip()))
        if not genes:
            raise IcarusError(f"{path} line {number}: gene set {name!r} has no genes")
        previous = gene_sets.setdefault(name, genes)
        if set(previous) != set(genes):
            raise IcarusError(
                f"{path} line {number}: gene set {name!r} appears twice with different genes"
            )
    if not gene_sets:
        raise IcarusError(f"{path}: has no gene sets; expected {LAYOUT}")
    return gene_sets


def gmt_text(gene_sets: Mapping[str, Sequence[str]], description: str) -> str:
    """Gene sets as GMT text: one ``NAME<TAB>DESCRIPTION<TAB>GENE...`` line per set, in
    the mapping's order, each line ending in a newline."""
    lines = ["\t".join((name, description, *genes)) for name, genes in gene_sets.items()]
    return "".join(line + "\n" for line in lines)


def write_gmt(gene_sets: Mapping[str, Sequence[str]], path: Path, description: str) -> None:
    """Write gene sets to ``path`` as a GMT file (:func:`gmt_text`), UTF-8."""
    Path(path).write_text(gmt_text(gene_sets, description), encoding="utf-8")
