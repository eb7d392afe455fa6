"""Layouts of the reference files that ``resources install`` accepts, checked before install.

Each validator takes a file and the label to use in messages (its path or URL) and raises
IcarusError naming what is wrong and what was expected; it returns nothing. Only the layout is
checked (header columns, GMT lines, PAM50 centroid table), not the content's release.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from icarus_omics.errors import IcarusError

PAM50_SUBTYPES = ("LumA", "LumB", "Her2", "Basal", "Normal")
PAM50_ROWS = (40, 60)  # 50 genes; published centroid tables drop or add one or two

Validator = Callable[[Path, str], None]


def _text_lines(path: Path, label: str) -> Iterator[str]:
    """Lines without line ends; refuses binary files. Bytes are decoded leniently because
    old OncoKB exports mix Latin-1 into UTF-8, and only the layout matters here."""
    with open(path, "rb") as handle:
        start = handle.read(4096)
        if start.startswith(b"\x1f\x8b"):
            raise IcarusError(f"{label}: is gzip-compressed; give a name ending .gz to unpack it")
        if b"\0" in start:
            raise IcarusError(f"{label}: is not a text file")
        if start.lstrip()[:1] == b"<":
            raise IcarusError(f"{label}: is an HTML or XML page, not data (a login/error page?)")
        handle.seek(0)
        for raw in handle:
            yield raw.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")


def _header(path: Path, label: str, what: str) -> list[str]:
    """The tab-separated header (first line not starting with #), after checking that a data
    row follows it."""
    lines = (line for line in _text_lines(path, label) if line and not line.startswith("#"))
    header = next(lines, None)
    if header is None:
        raise IcarusError(f"{label}: is empty; expected {what}")
    if next(lines, None) is None:
        raise IcarusError(f"{label}: has a header but no data rows; expected {what}")
    return [column.strip() for column in header.split("\t")]


def _require(path: Path, label: str, what: str, *groups: tuple[str, ...]) -> None:
    """Each group of alternative column names must have a member in the header (any case)."""
    header = _header(path, label, what)
    present = {column.lower() for column in header}
    missing = [
        " or ".join(repr(c) for c in group)
        for group in groups
        if not any(c.lower() in present for c in group)
    ]
    if missing:
        shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
        raise IcarusError(
            f"{label}: not {what}: missing column {'; '.join(missing)} (header: {shown})"
        )


def require_columns(what: str, *groups: tuple[str, ...]) -> Validator:
    """A validator of a tab-separated table: each group of alternative column names
    must have a member in the header (any case), and a data row must follow it."""
    return lambda path, label: _require(path, label, what, *groups)


def require_gene_sets(prefix: str, what: str) -> Validator:
    """A validator of a GMT file: every non-blank line is a gene set whose name starts
    with ``prefix`` and which has at least one gene; ``what`` names the collection."""

    def validate(path: Path, label: str) -> None:
        count = 0
        for number, line in enumerate(_text_lines(path, label), start=1):
            if not line.strip():
                continue
            fields = line.split("\t")
            if not fields[0].startswith(prefix):
                raise IcarusError(
                    f"{label} line {number}: gene set {fields[0][:40]!r} does not start with "
                    f"{prefix}; expected {what}"
                )
            if len([gene for gene in fields[2:] if gene.strip()]) == 0:
                raise IcarusError(
                    f"{label} line {number}: gene set {fields[0]!r} has no genes; expected GMT "
                    "lines NAME<TAB>URL<TAB>GENE..."
                )
            count += 1
        if count == 0:
            raise IcarusError(f"{label}: is empty; expected {what}")

    return validate


def _subtype_key(column: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", column.lower())
    return {"luminala": "luma", "luminalb": "lumb"}.get(key, key)


def validate_pam50(path: Path, label: str) -> None:
    """Check a PAM50 centroid table: a gene column, then the five subtype centroids (LumA or
    luminal_a, ...), about 50 rows of numbers."""
    lines = [line for line in _text_lines(path, label) if line.strip()]
    header = lines[0].split("\t") if lines else []
    if len(lines) > 1 and len(lines[1].split("\t")) == len(header) + 1:
        header = ["", *header]  # R's write.table leaves the row-name column unnamed and out
    keys = [_subtype_key(column) for column in header]
    missing = [s for s in PAM50_SUBTYPES if _subtype_key(s) not in keys[1:]]
    if missing:
        raise IcarusError(
            f"{label}: not a PAM50 centroid table: missing column {', '.join(missing)} "
            f"(expected a gene column, then {', '.join(PAM50_SUBTYPES)})"
        )
    rows = lines[1:]
    if not PAM50_ROWS[0] <= len(rows) <= PAM50_ROWS[1]:
        raise IcarusError(f"{label}: has {len(rows)} genes; a PAM50 centroid table has about 50")
    indices = [keys.index(_subtype_key(s), 1) for s in PAM50_SUBTYPES]
    for number, line in enumerate(rows, start=2):
        fields = line.split("\t")
        for index in indices:
            value = fields[index] if index < len(fields) else ""
            try:
                float(value)
            except ValueError:
                raise IcarusError(
                    f"{label} line {number}: {header[index]} value {value!r} is not a number"
                ) from None


PAM50_SUBGROUPS = ("ERneg_HER2neg", "ERpos_HER2neg", "HER2pos_ERneg", "HER2pos_ERpos", "TNBC")


def validate_pam50_subgroups(path: Path, label: str) -> None:
    """Check the ER/HER2 subgroup quantile table (``SIGMA.txt``): a gene column, then one
    column per clinical subgroup, values between 0 and 1 (quantiles), about 50 genes."""
    lines = [line for line in _text_lines(path, label) if line.strip()]
    header = lines[0].split("\t") if lines else []
    subgroups = [column for column in header[1:] if column in PAM50_SUBGROUPS]
    if not subgroups:
        raise IcarusError(
            f"{label}: not a PAM50 subgroup quantile table (SIGMA.txt): no column of "
            f"{', '.join(PAM50_SUBGROUPS)}"
        )
    if not PAM50_ROWS[0] <= len(lines) - 1 <= PAM50_ROWS[1]:
        raise IcarusError(f"{label}: has {len(lines) - 1} genes; SIGMA.txt has about 50")
    for number, line in enumerate(lines[1:], start=2):
        for value in line.split("\t")[1:]:
            try:
                quantile = float(value)
            except ValueError:
                raise IcarusError(f"{label} line {number}: {value!r} is not a number") from None
            if not 0 <= quantile <= 1:
                raise IcarusError(f"{label} line {number}: quantile {value} is outside 0..1")


def validate_json_keys(what: str, keys: tuple[str, ...]) -> Validator:
    """A validator of a JSON object that must hold every key of ``keys`` (each an object)."""

    def validate(path: Path, label: str) -> None:
        import json

        try:
            document = json.loads("\n".join(_text_lines(path, label)))
        except ValueError as error:
            raise IcarusError(f"{label}: not JSON ({error})") from None
        missing = [k for k in keys if not isinstance(document, dict) or k not in document]
        if missing:
            raise IcarusError(f"{label}: not {what}: missing {', '.join(missing)}")

    return validate
