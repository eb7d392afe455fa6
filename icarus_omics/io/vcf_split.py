"""Splitting a multi-allelic VCF record into one record per ALT, as ``bcftools norm -m-``
does: Number=A/R/G values are subset to the ALT and GT is recoded."""

from __future__ import annotations


def split_record(line: str, allele: int, numbers: dict[tuple[str, str], str]) -> str:
    """The VCF line of one ALT (1-based ``allele``) of a multi-allelic record line."""
    columns = line.split("\t")
    n_alts = columns[4].count(",") + 1
    columns[4] = columns[4].split(",")[allele - 1]
    if columns[7] != ".":
        columns[7] = ";".join(
            _split_info(item, allele, n_alts, numbers) for item in columns[7].split(";")
        )
    if len(columns) > 9:
        keys = columns[8].split(":")
        for s in range(9, len(columns)):
            values = columns[s].split(":")
            columns[s] = ":".join(
                _subset(k, v, allele, n_alts, numbers.get(("FORMAT", k), "."))
                for k, v in zip(keys, values, strict=False)
            )
    return "\t".join(columns)


def _split_info(item: str, allele: int, n_alts: int, numbers: dict[tuple[str, str], str]) -> str:
    key, eq, value = item.partition("=")
    if not eq:
        return item
    return f"{key}={_subset(key, value, allele, n_alts, numbers.get(('INFO', key), '.'))}"


def _subset(key: str, value: str, allele: int, n_alts: int, number: str) -> str:
    """Keep the values of one ALT in a Number=A/R/G field; recode GT."""
    if key == "GT":
        return _recode_genotype(value, allele)
    values = value.split(",")
    if number == "A" and len(values) == n_alts:
        return values[allele - 1]
    if number == "R" and len(values) == n_alts + 1:
        return f"{values[0]},{values[allele]}"
    if number == "G" and len(values) == (n_alts + 1) * (n_alts + 2) // 2:
        het, hom = allele * (allele + 1) // 2, allele * (allele + 1) // 2 + allele
        return f"{values[0]},{values[het]},{values[hom]}"
    return value


def _recode_genotype(genotype: str, allele: int) -> str:
    """Diploid GT for one ALT: ``0/1`` when the sample carries it, else ``0/0``."""
    separator = "|" if "|" in genotype else "/"
    calls = genotype.replace("|", "/").split("/")
    if all(c == "." for c in calls):
        return genotype
    return f"0{separator}1" if str(allele) in calls else f"0{separator}0"
