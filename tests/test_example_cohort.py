"""Tests of the synthetic example cohort (icarus_omics.example.cohort)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cyvcf2
import pandas as pd
import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.example.annotation import CSQ_FIELDS
from icarus_omics.example.cohort import (
    GENE_COLUMNS,
    SAMPLE_COLUMNS,
    TRUTH_COLUMNS,
    ExampleCohort,
    build_example_cohort,
)
from icarus_omics.io.mutect2_vcf import cohort_vcf_texts

IMPACT_RANK = {"HIGH": 0, "MODERATE": 1, "LOW": 2, "MODIFIER": 3}


@dataclass(frozen=True)
class Call:
    """One VCF data line, split into the fields the tests need."""

    chrom: str
    pos: int
    ref: str
    alts: list[str]
    filter: str
    info: dict[str, str]
    samples: list[dict[str, str]]  # FORMAT key -> value, in column order


@pytest.fixture(scope="module")
def cohort() -> ExampleCohort:
    return build_example_cohort()


@pytest.fixture(scope="module")
def calls(cohort: ExampleCohort) -> dict[str, list[Call]]:
    return {sample: parse_calls(text) for sample, text in cohort_vcf_texts(cohort).items()}


def parse_calls(text: str) -> list[Call]:
    calls = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        chrom, pos, _, ref, alt, _, filt, info, fmt, *columns = line.split("\t")
        keys = fmt.split(":")
        fields = dict(item.split("=", 1) for item in info.split(";"))
        samples = [dict(zip(keys, column.split(":"), strict=True)) for column in columns]
        calls.append(Call(chrom, int(pos), ref, alt.split(","), filt, fields, samples))
    return calls


def sample_pairs(cohort: ExampleCohort) -> list[tuple[str, str]]:
    """(tumour, normal) names from the sample sheet; normal is "" when tumour-only."""
    sheet = cohort.samples
    return list(zip(sheet.tumor_sample.astype(str), sheet.normal_sample.astype(str), strict=True))


def ints(value: str) -> list[int]:
    return [int(v) for v in value.split(",")]


def allele_vaf(ad: list[int], i: int) -> float:
    """VAF of ALT i as the post-filter defines it: alt / (ref + alt)."""
    total = ad[0] + ad[i + 1]
    return ad[i + 1] / total if total else 0.0


def is_tcw(reference: dict[str, str], chrom: str, pos: int) -> bool:
    """Whether the SNV hits the C of TCW (W = A/T), on either strand."""
    triplet = reference[chrom][pos - 2 : pos + 1]
    return triplet in ("TCA", "TCT", "TGA", "AGA")


def test_same_arguments_give_identical_cohorts(cohort: ExampleCohort) -> None:
    again = build_example_cohort()
    assert cohort_vcf_texts(again) == cohort_vcf_texts(cohort)
    assert again.reference == cohort.reference
    for name in ("genes", "samples", "truth"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(cohort, name))


def test_another_seed_gives_another_cohort() -> None:
    first, second = build_example_cohort(3, seed=1), build_example_cohort(3, seed=2)
    assert first.reference != second.reference
    assert cohort_vcf_texts(first)["P01_T"] != cohort_vcf_texts(second)["P01_T"]


def test_n_patients_out_of_range_is_an_icarus_error() -> None:
    with pytest.raises(IcarusError, match="n_patients"):
        build_example_cohort(n_patients=1)


def test_reference_has_human_like_composition(cohort: ExampleCohort) -> None:
    assert list(cohort.reference) == [
        "1",
        "3",
        "5",
        "6",
        "7",
        "8",
        "10",
        "11",
        "12",
        "13",
        "14",
        "16",
        "17",
    ]
    sequence = "".join(cohort.reference.values())
    assert set(sequence) == set("ACGT")
    assert all(len(seq) == 120_000 for seq in cohort.reference.values())
    gc = (sequence.count("G") + sequence.count("C")) / len(sequence)
    cpg_expected = sequence.count("C") * sequence.count("G") / len(sequence)
    assert 0.39 < gc < 0.43
    assert 0.15 < sequence.count("CG") / cpg_expected < 0.35


def test_genes_are_non_overlapping_models_on_their_contigs(cohort: ExampleCohort) -> None:
    genes = cohort.genes
    assert list(genes.columns) == list(GENE_COLUMNS)
    assert len(genes) == 20 and genes.gene.is_unique
    assert dict(zip(genes.gene, genes.chrom, strict=True))["PIK3CA"] == "3"
    assert ((genes.end - genes.start + 1).between(8000, 15_000)).all()
    assert (genes.end <= 120_000).all() and set(genes.strand) == {"+", "-"}
    for _, on_contig in genes.sort_values("start").groupby("chrom"):
        assert (on_contig.start.iloc[1:].to_numpy() > on_contig.end.iloc[:-1].to_numpy()).all()
    assert genes.gene_id.str.fullmatch(r"ENSG000001\d{5}").all()
    assert genes.canonical_transcript.str.fullmatch(r"ENST000001\d{5}").all()
    assert (genes.canonical_transcript != genes.other_transcript).all()
    assert dict(zip(genes.gene, genes.protein_length, strict=True))["TP53"] == 393


def test_sample_sheet_has_responders_and_one_tumour_only_patient(cohort: ExampleCohort) -> None:
    samples = cohort.samples
    assert list(samples.columns) == list(SAMPLE_COLUMNS)
    assert samples.patient.tolist() == [f"P{i:02d}" for i in range(1, 13)]
    assert samples.vcf.tolist() == [f"vcf/P{i:02d}_T.vcf.gz" for i in range(1, 13)]
    assert Counter(samples.response) == {"R": 7, "NR": 5}
    responders = samples.response == "R"
    assert samples.best_response[responders].isin(["CR", "PR"]).all()
    assert samples.best_response[~responders].isin(["SD", "PD"]).all()
    assert samples.normal_sample.tolist()[-1] == ""
    assert (samples.normal_sample.iloc[:-1] == samples.patient.iloc[:-1] + "_N").all()


def test_vcfs_parse_with_cyvcf2_without_warnings(
    cohort: ExampleCohort, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    for tumour, normal in sample_pairs(cohort):
        path = tmp_path / f"{tumour}.vcf"
        path.write_text(cohort_vcf_texts(cohort)[tumour])
        vcf = cyvcf2.VCF(str(path))
        assert vcf.samples == ([normal, tumour] if normal else [tumour])
        assert sum(1 for _ in vcf) > 50
        vcf.close()
    assert capfd.readouterr().err == ""


def test_headers_name_the_samples_and_declare_csq(cohort: ExampleCohort) -> None:
    for tumour, normal in sample_pairs(cohort):
        header = [
            line for line in cohort_vcf_texts(cohort)[tumour].splitlines() if line[:2] == "##"
        ]
        assert header[0] == "##fileformat=VCFv4.2"
        assert f"##tumor_sample={tumour}" in header
        assert (f"##normal_sample={normal}" in header) == (normal != "")
        csq = (
            '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
            f'Ensembl VEP. Format: {CSQ_FIELDS}">'
        )
        assert csq in header
        for name in ("weak_evidence", "orientation", "contamination", "multiallelic"):
            assert any(line.startswith(f"##FILTER=<ID={name},") for line in header)
    assert "##normal_sample" not in cohort_vcf_texts(cohort)["P12_T"]


def test_ref_alleles_match_the_reference(
    cohort: ExampleCohort, calls: dict[str, list[Call]]
) -> None:
    for sample_calls in calls.values():
        for call in sample_calls:
            start = call.pos - 1
            assert cohort.reference[call.chrom][start : start + len(call.ref)] == call.ref
            for alt in call.alts:
                if len(alt) != len(call.ref):  # indels keep VCF's anchor base
                    assert alt[0] == call.ref[0] and min(len(alt), len(call.ref)) == 1


def test_records_are_sorted_and_unique(calls: dict[str, list[Call]]) -> None:
    order = ["1", "3", "5", "6", "7", "8", "10", "11", "12", "13", "14", "16", "17"]
    for sample_calls in calls.values():
        keys = [(order.index(call.chrom), call.pos) for call in sample_calls]
        assert keys == sorted(set(keys))
        assert 60 <= len(keys) <= 420


def test_allele_fractions_and_depths_agree_with_allele_depths(
    calls: dict[str, list[Call]],
) -> None:
    for sample_calls in calls.values():
        for call in sample_calls:
            for sample in call.samples:
                ad = ints(sample["AD"])
                assert len(ad) == len(call.alts) + 1
                afs = [float(af) for af in sample["AF"].split(",")]
                assert afs == [round(n / sum(ad), 3) for n in ad[1:]]
                assert 0 <= int(sample["DP"]) - sum(ad) <= 3
                f1r2, f2r1 = ints(sample["F1R2"]), ints(sample["F2R1"])
                assert [a + b for a, b in zip(f1r2, f2r1, strict=True)] == ad
                assert sum(ints(sample["SB"])) == sum(ad)
            tumour_gt = call.samples[-1]["GT"]
            assert tumour_gt == "/".join(str(i) for i in range(len(call.alts) + 1))


def test_truth_has_one_row_per_vcf_allele(
    cohort: ExampleCohort, calls: dict[str, list[Call]]
) -> None:
    truth = cohort.truth
    assert list(truth.columns) == list(TRUTH_COLUMNS)
    from_vcf = Counter(
        (sample, call.chrom, call.pos, call.ref, alt)
        for sample, sample_calls in calls.items()
        for call in sample_calls
        for alt in call.alts
    )
    from_truth = Counter(
        zip(truth.tumor_sample, truth.chrom, truth.pos, truth.ref, truth.alt, strict=True)
    )
    assert from_truth == from_vcf
    assert set(truth.process) == {"apobec", "clock", "background", "indel", "mnv"}
    assert set(truth.variant_type) == {"SNV", "MNV", "INS", "DEL"}


def test_expected_pass_follows_filter_and_default_thresholds(
    cohort: ExampleCohort, calls: dict[str, list[Call]]
) -> None:
    recomputed = {}
    for sample, sample_calls in calls.items():
        for call in sample_calls:
            tumour = call.samples[-1]
            ad, normal = ints(tumour["AD"]), call.samples[0] if len(call.samples) == 2 else None
            for i, alt in enumerate(call.alts):
                passes = call.filter == "PASS" and int(tumour["DP"]) >= 10 and ad[i + 1] >= 3
                passes = passes and allele_vaf(ad, i) >= 0.05
                if normal is not None:
                    passes = passes and int(normal["DP"]) >= 8
                    passes = passes and allele_vaf(ints(normal["AD"]), i) <= 0.02
                recomputed[(sample, call.chrom, call.pos, alt)] = passes
    truth = cohort.truth
    keys = zip(truth.tumor_sample, truth.chrom, truth.pos, truth.alt, strict=True)
    assert [recomputed[key] for key in keys] == truth.expected_pass.tolist()
    is_pass = truth.mutect_filter == "PASS"
    assert 0.5 < is_pass.mean() < 0.6
    assert 0.1 < (~truth.expected_pass[is_pass]).mean() < 0.3  # planted post-filter rejects


def test_enough_samples_for_signature_fitting(cohort: ExampleCohort) -> None:
    truth = cohort.truth
    snvs = truth[truth.expected_pass & (truth.variant_type == "SNV")]
    assert (snvs.groupby("tumor_sample").size() >= 60).sum() >= 8


def test_hotspots_are_present_and_pass(cohort: ExampleCohort) -> None:
    kept = cohort.truth[cohort.truth.expected_pass]
    carriers = kept.groupby(["gene", "hgvsp_short"]).tumor_sample.nunique()
    for gene, change in [
        ("PIK3CA", "p.E545K"),
        ("PIK3CA", "p.H1047R"),
        ("ESR1", "p.D538G"),
        ("ESR1", "p.Y537S"),
        ("TP53", "p.R175H"),
        ("TP53", "p.R273H"),
        ("AKT1", "p.E17K"),
        ("ERBB2", "p.L755S"),
    ]:
        assert carriers.get((gene, change), 0) >= 1, (gene, change)
    pik3ca = kept[(kept.gene == "PIK3CA") & kept.hgvsp_short.isin(["p.E545K", "p.H1047R"])]
    assert 4 <= pik3ca.tumor_sample.nunique() <= 5
    esr1 = kept[(kept.gene == "ESR1") & kept.hgvsp_short.isin(["p.D538G", "p.Y537S"])]
    assert 2 <= esr1.tumor_sample.nunique() <= 3
    hotspot = kept[(kept.gene == "PIK3CA") & (kept.hgvsp_short == "p.E545K")]
    assert hotspot[["chrom", "pos", "ref", "alt"]].drop_duplicates().shape[0] == 1
    truncating = kept.canonical_consequence.isin(["stop_gained", "frameshift_variant"])
    for gene in ("TP53", "GATA3", "MAP3K1", "CDH1", "KMT2C", "ARID1A"):
        assert (truncating & (kept.gene == gene)).any(), gene


def test_responders_carry_more_apobec_context_snvs(cohort: ExampleCohort) -> None:
    truth = cohort.truth
    snvs = truth[truth.expected_pass & (truth.variant_type == "SNV")]
    at_tcw = [is_tcw(cohort.reference, c, p) for c, p in zip(snvs.chrom, snvs.pos, strict=True)]
    fraction = snvs.assign(tcw=at_tcw).groupby("tumor_sample").tcw.mean()
    response = cohort.samples.set_index("tumor_sample").response
    by_group = fraction.groupby(response.reindex(fraction.index)).mean()
    assert by_group["R"] > by_group["NR"] + 0.2
    shares = truth.groupby("tumor_sample").apobec_share.first()
    assert (shares[response == "R"] >= 0.3).all() and (shares[response == "NR"] <= 0.1).all()


def test_multiallelic_sites_come_in_both_kinds(calls: dict[str, list[Call]]) -> None:
    weak_second, both_strong = 0, 0
    for sample_calls in calls.values():
        for call in (c for c in sample_calls if len(c.alts) == 2):
            ad = ints(call.samples[-1]["AD"])
            if call.filter == "PASS":
                weak_second += ad[1] >= 3 and ad[2] < 3
            else:
                both_strong += call.filter == "multiallelic" and min(ad[1:]) >= 3
    assert weak_second >= 5 and both_strong >= 5


def test_csq_follows_vep_conventions(calls: dict[str, list[Call]]) -> None:
    n_fields, severer_other = len(CSQ_FIELDS.split("|")), 0
    for sample_calls in calls.values():
        for call in sample_calls:
            entries = [entry.split("|") for entry in call.info["CSQ"].split(",")]
            assert all(len(entry) == n_fields for entry in entries)
            per_alt = len(entries) // len(call.alts)
            assert per_alt in (1, 2) and len(entries) == per_alt * len(call.alts)
            groups = [entries[j * per_alt : (j + 1) * per_alt] for j in range(len(call.alts))]
            for alt, group in zip(call.alts, groups, strict=True):
                if len(alt) == len(call.ref):
                    vep_allele = alt
                else:
                    vep_allele = "-" if len(alt) < len(call.ref) else alt[1:]
                assert {entry[0] for entry in group} == {vep_allele}
                if per_alt == 1:
                    assert group[0][1:4] == ["intergenic_variant", "MODIFIER", ""]
                    continue
                assert [entry[-1] for entry in group] == ["YES", ""]
                severer_other += IMPACT_RANK[group[1][2]] < IMPACT_RANK[group[0][2]]
    assert severer_other >= 5


def test_hgvs_notation_looks_like_vep(cohort: ExampleCohort, calls: dict[str, list[Call]]) -> None:
    csq = [e.split("|") for c in calls["P01_T"] for e in c.info["CSQ"].split(",")]
    coding = [e for e in csq if e[11]]
    assert all(e[11].startswith("ENSP000001") and ".1:p." in e[11] for e in coding)
    assert all("=" not in e[11] for e in coding)
    assert any(e[11].endswith("%3D") for e in coding if e[1] == "synonymous_variant")
    assert any("fsTer" in e[11] for e in coding if e[1] == "frameshift_variant")
    hgvsp = cohort.truth.hgvsp_short
    assert hgvsp[hgvsp != ""].str.match(r"p\.[A-Z*]").all()
    consequences = Counter(cohort.truth.canonical_consequence[cohort.truth.gene != ""])
    assert consequences.most_common(1)[0][0] == "missense_variant"
