"""The committed goldens re-derived by a route that does not use the code they test.

`tests/expected/wes-filter` and `tests/expected/cna` were written by the commands
themselves and then checked by hand. Here every expected value is computed again from
the hand tables in their READMEs and from the raw inputs, with a few lines of plain Python
written from the study's rules (SPEC.md sections 1-2), never through ``icarus_omics``.
The command tests then compare the commands' outputs with these goldens, so a changed
rule fails both there and here.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
EXPECTED = Path(__file__).parent / "expected"


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        lines = [line for line in handle if not line.startswith(("#", "track"))]
    return list(csv.DictReader(lines, delimiter="\t"))


def _hand_table(readme: Path) -> list[list[str]]:
    """Rows of the first markdown table of a README, without the header and rule lines."""
    rows = []
    for line in readme.read_text().splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows[1:]


# ---------------------------------------------------------------- wes-filter attrition


def test_attrition_golden_from_the_hand_table() -> None:
    """failed / only_filter / removed / remaining re-counted from the README's per-record
    verdicts (each checked by hand against the VCF); step order is the golden's."""
    verdicts = [
        set(row[1].split(";")) - {"PASS"}
        for row in _hand_table(EXPECTED / "wes-filter" / "README.md")
    ]
    assert len(verdicts) == 12
    golden = _read_tsv(EXPECTED / "wes-filter" / "T1.filter_attrition.tsv")
    order = [row["filter"] for row in golden]
    remaining = len(verdicts)
    for row in golden:
        name = row["filter"]
        failed = sum(name in flags for flags in verdicts)
        only = sum(flags == {name} for flags in verdicts)
        first = [min(flags, key=order.index) if flags else "" for flags in verdicts]
        removed = first.count(name)
        remaining -= removed
        assert (int(row["failed"]), int(row["only_filter"]), int(row["removed"]),
                int(row["remaining"])) == (failed, only, removed, remaining), name  # fmt: skip
    assert remaining == sum(not flags for flags in verdicts) == 3


def _vcf_records(path: Path) -> list[dict[str, object]]:
    """Each ALT of each record with the AD-based tumour and normal counts (split by hand)."""
    records = []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            continue
        chrom, pos, _, ref, alts, _, _, _, fmt, normal, tumour = line.split("\t")
        keys = fmt.split(":")
        n_ad = [int(x) for x in dict(zip(keys, normal.split(":"), strict=True))["AD"].split(",")]
        t_fields = dict(zip(keys, tumour.split(":"), strict=True))
        t_ad = [int(x) for x in t_fields["AD"].split(",")]
        for i, alt in enumerate(alts.split(","), start=1):
            records.append({
                "chrom": chrom, "pos": int(pos), "ref": ref, "alt": alt,
                "tumor_depth": int(t_fields["DP"]), "tumor_ref": t_ad[0], "tumor_alt": t_ad[i],
                "normal_ref": n_ad[0], "normal_alt": n_ad[i],
            })  # fmt: skip
    return records


def test_mutations_golden_from_the_vcf() -> None:
    """The passing calls of the hand table, with counts and VAFs read from the VCF's AD."""
    passing = {
        (row[0].split()[0], row[0].split()[1]) for row in _hand_table(EXPECTED / "wes-filter" / "README.md")
        if row[1] == "PASS"
    }  # fmt: skip
    golden = _read_tsv(EXPECTED / "wes-filter" / "T1.mutations.tsv")
    by_key = {}
    for record in _vcf_records(DATA / "tiny_mutect2.vcf"):
        label = f"{record['ref']}>{record['alt']}"
        by_key[(f"{record['chrom']}:{record['pos']}", label)] = record
    assert len(golden) == len(passing) == 3
    for row in golden:
        record = by_key[(f"{row['chrom']}:{row['pos']}", f"{row['ref']}>{row['alt']}")]
        assert (f"{row['chrom']}:{row['pos']}", f"{row['ref']}>{row['alt']}") in passing
        t_ref, t_alt = int(record["tumor_ref"]), int(record["tumor_alt"])  # type: ignore[call-overload]
        n_ref, n_alt = int(record["normal_ref"]), int(record["normal_alt"])  # type: ignore[call-overload]
        assert int(row["tumor_depth"]) == record["tumor_depth"]
        assert (int(row["tumor_ref_count"]), int(row["tumor_alt_count"])) == (t_ref, t_alt)
        assert float(row["tumor_vaf"]) == pytest.approx(t_alt / (t_ref + t_alt), abs=5e-7)
        assert float(row["normal_vaf"]) == pytest.approx(n_alt / (n_ref + n_alt), abs=5e-7)


# ---------------------------------------------------------------- cna categories

# The study's table (SPEC.md section 2), written out again: (WGD, tcn) -> category; LOH
# needs lcn 0 and is judged after the gains.
GAIN = {
    False: [(6, math.inf, "high_level_gain"), (4, 5, "medium_level_gain"), (3, 3, "low_level_gain")],
    True: [(10, math.inf, "high_level_gain"), (7, 9, "medium_level_gain"), (5, 6, "low_level_gain")],
}  # fmt: skip
LOH_TCN = {False: (1, 2), True: (1, 4)}
DISCRETE = {"high_level_gain": "2", "medium_level_gain": "1", "low_level_gain": "1",
            "homozygous_deletion": "-2", "loh": "-1", "neutral": "0"}  # fmt: skip


def _category(tcn: int, lcn: float, wgd: bool) -> str:
    if tcn == 0:
        return "homozygous_deletion"
    for low, high, name in GAIN[wgd]:
        if low <= tcn <= high:
            return name
    low, high = LOH_TCN[wgd]
    if low <= tcn <= high:
        if math.isnan(lcn):
            return "undetermined"
        return "loh" if lcn == 0 else "neutral"
    return "neutral"


def _chrom(name: str) -> str:
    bare = name.removeprefix("chr")
    return {"23": "X", "24": "Y"}.get(bare, bare)


def _number(text: str) -> float:
    return math.nan if text in ("", "NA") else float(text)


def _genes_from_bed(path: Path) -> list[tuple[str, str, int, int]]:
    rows = [
        line.split("\t") for line in path.read_text().splitlines() if not line.startswith("track")
    ]
    return [(r[3], _chrom(r[0]), int(r[1]) + 1, int(r[2])) for r in rows]  # BED is 0-based


def _wgd(segments: list[dict[str, float | str]]) -> bool:
    """facets-suite: more than half of the autosomal genome with known lcn at major CN >= 2."""
    autosomal = [s for s in segments if s["chrom"] not in ("X", "Y") and not math.isnan(s["lcn"])]  # type: ignore[arg-type]
    length = [float(s["end"]) - float(s["start"]) + 1 for s in autosomal]
    doubled = [
        n for n, s in zip(length, autosomal, strict=True) if float(s["tcn"]) - float(s["lcn"]) >= 2
    ]
    return sum(doubled) / sum(length) > 0.5


def _call(
    gene: tuple[str, str, int, int], segments: list[dict[str, float | str]], wgd: bool
) -> dict[str, str]:
    _, chrom, start, end = gene
    hits = [
        s
        for s in segments
        if s["chrom"] == chrom and float(s["start"]) <= end and float(s["end"]) >= start
    ]
    if not hits:
        return {"category": "no_segment", "discrete": "", "n_segments": "0"}
    best = min(hits, key=lambda s: float(s["end"]) - float(s["start"]))
    length = int(float(best["end"]) - float(best["start"]) + 1)
    category = _category(int(float(best["tcn"])), float(best["lcn"]), wgd)
    return {
        "category": category, "discrete": DISCRETE.get(category, ""), "n_segments": str(len(hits)),
        "tcn": str(int(float(best["tcn"]))), "segment_length": str(length),
        "focal": "true" if length < 10_000_000 else "false",
    }  # fmt: skip


def test_single_sample_cna_golden_from_the_rules() -> None:
    segments = [
        {"chrom": _chrom(r["chrom"]), "start": float(r["start"]), "end": float(r["end"]),
         "tcn": float(r["tcn.em"]), "lcn": _number(r["lcn.em"])}
        for r in _read_tsv(DATA / "cna" / "T1.cncf.txt")
    ]  # fmt: skip
    wgd = _wgd(segments)
    assert wgd is False
    genes = [
        (r["gene"], _chrom(r["chrom"]), int(r["start"]), int(r["end"]))
        for r in _read_tsv(DATA / "cna" / "genes.tsv")
    ]
    golden = {row["gene"]: row for row in _read_tsv(EXPECTED / "cna" / "T1.cna_genes.tsv")}
    hand = {row[0]: row[2] for row in _hand_table(EXPECTED / "cna" / "README.md")}
    assert len(golden) == len(genes) == len(hand) == 13
    for gene in genes:
        expected, row = _call(gene, segments, wgd), golden[gene[0]]
        for column, value in expected.items():
            assert row[column] == value, (gene[0], column)
        assert row["wgd"] == "false"
        assert hand[gene[0]].split()[0].rstrip(",") == row["category"], gene[0]


def test_cohort_cna_golden_from_the_rules() -> None:
    rows = _read_tsv(DATA / "cna" / "cohort.cncf.txt")
    genes = _genes_from_bed(DATA / "cna" / "genes.bed")
    categories = {r["gene"]: r for r in _read_tsv(EXPECTED / "cna" / "cna_categories.tsv")}
    discrete = {r["gene"]: r for r in _read_tsv(EXPECTED / "cna" / "cna_discrete.tsv")}
    for sample in ("S1", "S2"):
        segments = [
            {"chrom": _chrom(r["chrom"]), "start": float(r["loc.start"]), "end": float(r["loc.end"]),
             "tcn": float(r["tcn"]), "lcn": _number(r["lcn"])}
            for r in rows if r["ID"] == sample
        ]  # fmt: skip
        wgd = _wgd(segments)
        assert wgd is (sample == "S1")
        for gene in genes:
            expected = _call(gene, segments, wgd)
            assert categories[gene[0]][sample] == expected["category"], (sample, gene[0])
            assert discrete[gene[0]][sample] == expected["discrete"], (sample, gene[0])
