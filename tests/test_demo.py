"""`icarus-omics demo` on the generated cohort recovers what the generator planted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import CliResult, shared_file


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from icarus_omics.cli import main

    outdir = tmp_path_factory.mktemp("demo")
    try:
        main(["demo", "-o", str(outdir), "-q"])
    except SystemExit as done:
        assert done.code in (0, None)
    return outdir


def test_passing_calls_equal_planted_truth(demo_dir: Path) -> None:
    truth = pd.read_csv(
        demo_dir / "example" / "truth.tsv", sep="\t", dtype={"chrom": str}, keep_default_na=False
    )
    for sample, planted in truth.groupby("tumor_sample"):
        ours = pd.read_csv(
            demo_dir / "wes" / f"{sample}.mutations.tsv",
            sep="\t",
            dtype={"chrom": str},
            keep_default_na=False,
        )
        expected = planted[planted.expected_pass.astype(str) == "True"]
        assert list(zip(ours.chrom, ours.pos, ours.ref, ours.alt, strict=True)) == list(
            zip(expected.chrom, expected.pos, expected.ref, expected.alt, strict=True)
        ), sample
        # the canonical transcript's consequence is reported, even where another is more severe
        assert list(ours.consequence) == list(expected.canonical_consequence), sample
        # splice sites have no HGVSp; like vcf2maf we write p.X<codon>_splice for them
        splice = ours.variant_classification == "Splice_Site"
        assert ours.hgvsp_short[splice].str.match(r"p\.X\d+_splice$").all()
        assert list(ours.hgvsp_short[~splice]) == list(expected.hgvsp_short[~splice.to_numpy()]), (
            sample
        )


def test_hotspots_in_cohort_maf(demo_dir: Path) -> None:
    maf = pd.read_csv(demo_dir / "wes" / "cohort.maf", sep="\t", dtype=str, keep_default_na=False)
    changes = set(zip(maf.Hugo_Symbol, maf.HGVSp_Short, strict=True))
    assert {
        ("PIK3CA", "p.E545K"),
        ("PIK3CA", "p.H1047R"),
        ("ESR1", "p.D538G"),
        ("AKT1", "p.E17K"),
    } <= changes
    summary = pd.read_csv(demo_dir / "wes" / "cohort_summary.tsv", sep="\t")
    assert len(summary) == 12 and (summary.passed > 0).all()


def test_demo_is_deterministic(
    demo_dir: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    code, _, err = cli("demo", "-o", tmp_path)
    assert code == 0, err
    for name in (
        "wes/cohort.maf",
        "wes/P03_T.mutations.tsv",
        "wes/P03_T.filtered.vcf.gz",
        "example/vcf/P03_T.vcf.gz",
        "example/rna/counts.tsv",
        "rna/interaction/de_results.tsv",
        "rna/responders/vst.tsv",
        "gsea/responders_example/gsea_results.tsv",
        "pfs/per_repeat.tsv",
        "pfs/signature.tsv",
    ):
        assert (tmp_path / name).read_bytes() == (demo_dir / name).read_bytes(), name


def test_wes_annotate_with_oncokb_writes_oncogenic_calls(
    demo_dir: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    kb = tmp_path / "allAnnotatedVariants.txt"
    kb.write_text(
        "Isoform\tRefSeq\tEntrez Gene ID\tGene\tAlteration\tProtein Change\tOncogenicity\tMutation Effect\n"
        "ENST1\tNM_1\t5290\tPIK3CA\tE545K\tE545K\tOncogenic\tGain-of-function\n"
        "ENST1\tNM_1\t5290\tPIK3CA\tH1047R\tH1047R\tOncogenic\tGain-of-function\n"
        "ENST2\tNM_2\t2099\tESR1\tD538G\tD538G\tOncogenic\tGain-of-function\n"
    )
    truth = pd.read_csv(demo_dir / "example" / "truth.tsv", sep="\t", keep_default_na=False)
    planted = truth[
        truth.expected_pass.astype(str).eq("True")
        & truth.hgvsp_short.isin(["p.E545K", "p.H1047R", "p.D538G"])
    ]
    for sample in sorted(set(planted.tumor_sample))[:2]:
        vcf = demo_dir / "example" / "vcf" / f"{sample}.vcf.gz"
        code, _, err = cli("wes-annotate", vcf, "-o", tmp_path / "out", "--oncokb", kb)
        assert code == 0, err
        calls = pd.read_csv(
            tmp_path / "out" / f"{sample}.oncogenic.tsv", sep="\t", keep_default_na=False
        )
        expected = planted[planted.tumor_sample == sample]
        assert sorted(calls.protein_change) == sorted(expected.hgvsp_short)
        assert set(calls.rule) == {"exact"} and set(calls.oncogenicity) == {"Oncogenic"}
        assert calls.kb_version.str.startswith("allAnnotatedVariants.txt sha256:").all()


def test_demo_copy_number_and_alterations(demo_dir: Path) -> None:
    matrix = pd.read_csv(
        demo_dir / "alterations" / "alteration_matrix.tsv",
        sep="\t",
        index_col=0,
        keep_default_na=False,
    )
    assert "amplification" in matrix.loc["ERBB2", "P01_T"]  # planted focal ERBB2 amplification
    assert "deletion" in matrix.loc["PTEN", "P02_T"]  # planted homozygous PTEN deletion
    frequency = pd.read_csv(demo_dir / "alterations" / "alteration_frequency.tsv", sep="\t")
    assert {"any", "mutation", "amplification", "deletion"} <= set(frequency.alteration)
    assert (frequency.total_a + frequency.total_b == 12).all()
    assert (demo_dir / "alterations" / "oncoplot.png").stat().st_size > 10_000
    discrete = pd.read_csv(demo_dir / "cna" / "cna_discrete.tsv", sep="\t", index_col=0)
    assert discrete.shape == (20, 12)


def test_demo_signatures_recover_planted_apobec(demo_dir: Path) -> None:
    """The generator gives responders an APOBEC share of 0.3-0.6 and non-responders < 0.1:
    SBS2/SBS13 exposures must separate the groups."""
    quality = pd.read_csv(demo_dir / "signatures" / "fit_quality.tsv", sep="\t")
    fitted = quality[quality.fitted]
    assert (fitted.n_snvs >= 50).all() and (quality[~quality.fitted].n_snvs < 50).all()
    assert fitted.cosine_similarity.min() > 0.8
    association = pd.read_csv(demo_dir / "signatures" / "association.tsv", sep="\t").set_index(
        ["feature", "scale"]
    )
    for signature in ("SBS2", "SBS13"):
        row = association.loc[(signature, "relative")]
        assert row.median_a > row.median_b and row.pvalue < 0.05
    catalogue = pd.read_csv(demo_dir / "signatures" / "catalogue.tsv", sep="\t", index_col=0)
    assert catalogue.shape == (96, 12)


def _de(demo_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "rna" / name / "de_results.tsv", sep="\t", index_col="gene")


def _found(table: pd.DataFrame, genes: tuple[str, ...], sign: int) -> float:
    hits = table.reindex(list(genes))
    return float(((hits["padj"] < 0.05) & (np.sign(hits["log2FoldChange"]) == sign)).mean())


def test_demo_de_recovers_planted_interferon_and_endocytosis(demo_dir: Path) -> None:
    from icarus_omics.example.rna import ENDOCYTOSIS_GENES, INTERFERON_GENES

    # interferon genes rise on treatment in responders only
    assert _found(_de(demo_dir, "responders"), INTERFERON_GENES, +1) >= 0.75
    assert _found(_de(demo_dir, "non_responders"), INTERFERON_GENES, +1) <= 0.10
    assert _found(_de(demo_dir, "interaction"), INTERFERON_GENES, +1) >= 0.5
    # the endocytosis genes fall on treatment in everyone
    assert _found(_de(demo_dir, "overall"), ENDOCYTOSIS_GENES, -1) >= 0.75
    assert _found(_de(demo_dir, "interaction"), ENDOCYTOSIS_GENES, -1) <= 0.10
    # nothing was planted between drug-target groups
    assert (_de(demo_dir, "drug_target_onT")["padj"] < 0.05).sum() <= 5


def _gsea(demo_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "gsea" / name / "gsea_results.tsv", sep="\t", index_col="term")


def test_demo_gsea_recovers_planted_sets(demo_dir: Path) -> None:
    responders = _gsea(demo_dir, "responders_example")
    ifn = responders.loc["EXAMPLE_INTERFERON_RESPONSE"]
    assert ifn["padj"] < 0.05 and ifn["nes"] > 0 and ifn["gene_ratio"] > 0.5
    non_responders = _gsea(demo_dir, "non_responders_example")
    assert non_responders.loc["EXAMPLE_INTERFERON_RESPONSE", "padj"] >= 0.05
    endocytosis = _gsea(demo_dir, "overall_example").loc["EXAMPLE_ENDOCYTOSIS"]
    assert endocytosis["padj"] < 0.05 and endocytosis["nes"] < 0
    nulls = responders[responders.index.str.startswith("EXAMPLE_NULL")]
    assert (nulls["padj"] < 0.05).sum() <= 1


def test_demo_responders_on_hallmark(
    demo_dir: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    hallmark = shared_file("06_gene_sets/gseapy_repo/h.all.v7.0.symbols.gmt")
    de = demo_dir / "rna" / "responders" / "de_results.tsv"
    code, _, err = cli("gsea", de, "--genesets", hallmark, "--permutations", 2000, "-o", tmp_path)
    assert code == 0, err
    table = pd.read_csv(tmp_path / "gsea_results.tsv", sep="\t", index_col="term")
    alpha = table.loc["HALLMARK_INTERFERON_ALPHA_RESPONSE"]
    assert alpha["padj"] < 0.05 and alpha["nes"] > 0


def test_demo_pfs_signature_finds_the_planted_genes(demo_dir: Path) -> None:
    truth = pd.read_csv(demo_dir / "example" / "clinical" / "pfs_truth.tsv", sep="\t")
    signature = pd.read_csv(demo_dir / "pfs" / "signature.tsv", sep="\t", index_col="gene")
    planted = truth.set_index("gene")["log_hazard_ratio_per_sd"]
    assert set(planted.index) <= set(signature.index)
    assert (signature.loc[planted.index, "frequency"] == 1).all()
    assert (np.sign(signature.loc[planted.index, "coefficient"]) == np.sign(planted)).all()
    # the planted genes are among the strongest univariately; the signature separates PFS
    univariate = pd.read_csv(demo_dir / "pfs" / "univariate_cox.tsv", sep="\t")
    assert set(planted.index) <= set(univariate["gene"].head(5))
    summary = json.loads((demo_dir / "pfs" / "pfs_summary.json").read_text())
    assert summary["samples"] == 50 and summary["apparent"]["c_index"] > 0.75
    assert summary["logrank"]["p_value"] < 0.01


def test_demo_clinical_endpoints_and_planted_markers(demo_dir: Path) -> None:
    endpoints = pd.read_csv(demo_dir / "clinical" / "endpoints.tsv", sep="\t")
    overall = endpoints[endpoints["group"] == "all"].set_index("endpoint")
    orr = overall.loc["ORR"]
    assert orr["ci_level"] == 0.9 and orr["ci_low"] < orr["estimate"] < orr["ci_high"]
    assert orr["p_value"] < 0.001  # far above the 12% null, as in the study
    assert {"PFS median", "OS median", "DoR median", "follow-up median"} <= set(overall.index)
    association = pd.read_csv(demo_dir / "clinical" / "association.tsv", sep="\t")
    pick = association.set_index(["marker", "outcome", "test"])
    assert pick.loc[("her3_hscore", "response", "logistic"), "estimate"] > 1
    assert pick.loc[("her3_hscore", "response", "logistic"), "p_value"] < 0.05
    assert pick.loc[("esr1_mutation", "PFS", "logrank"), "p_value"] > 0.05
    assert pick.loc[("pfs_risk_group", "PFS", "cox"), "estimate"] < 1  # low vs high risk
    assert (demo_dir / "clinical" / "waterfall.png").stat().st_size > 0


def test_demo_is_run_on_the_example_with_a_report(demo_dir: Path) -> None:
    manifest = json.loads((demo_dir / "run.json").read_text())
    assert {s["status"] for s in manifest["steps"].values()} == {"ran"}
    assert {"cna", "alterations", "signatures", "pfs", "rna/interaction"} <= set(manifest["steps"])
    report = (demo_dir / "report.html").read_text()
    for section in ("wes", "cna", "alterations", "signatures", "de-overall", "pfs", "clinical",
                    "targets", "evaluate-response", "evaluate-pfs"):  # fmt: skip
        assert f'<section id="{section}"' in report, section


def test_demo_pam50_recovers_the_planted_subtypes(demo_dir: Path) -> None:
    """With the PAM50 tables installed (CI installs them from ../shared/data) the demo's
    pam50 step calls every planted subtype of the example's baseline tumours."""
    from tests.conftest import missing_reference

    calls_path = demo_dir / "pam50" / "pam50_calls.tsv"
    if not calls_path.exists():
        missing_reference("PAM50 reference tables not installed: the demo skipped pam50")
    truth = pd.read_csv(demo_dir / "example" / "expression" / "subtype_truth.tsv", sep="\t")
    calls = pd.read_csv(calls_path, sep="\t").set_index("sample")["subtype"]
    assert len(truth) >= 12
    assert (calls.loc[truth["sample"]].to_numpy() == truth["planted_subtype"].to_numpy()).all()


def test_demo_evaluation_finds_the_planted_markers_not_the_noise(demo_dir: Path) -> None:
    """evaluate on the example: the HER3 H-score (planted: higher in responders) predicts
    response, the PFS signature's risk score PFS (in-sample), the noise marker neither."""
    response = pd.read_csv(demo_dir / "evaluate" / "response" / "evaluation.tsv", sep="\t")
    pfs = pd.read_csv(demo_dir / "evaluate" / "pfs" / "evaluation.tsv", sep="\t")
    auc = response[response["metric"] == "auc"].set_index("score")
    assert auc.loc["her3_hscore", "ci_low"] > 0.5
    assert auc.loc["noise_marker", "ci_low"] < 0.5 < auc.loc["noise_marker", "ci_high"]
    hazard = pfs[pfs["metric"] == "hr_per_sd"].set_index("score")
    assert hazard.loc["pfs_risk_score", "ci_low"] > 1
    assert hazard.loc["noise_marker", "p_value"] > 0.05
    calibrated = set(response.loc[response["metric"] == "brier", "score"])
    assert calibrated == {"her3_model_probability"}
    targets = pd.read_csv(demo_dir / "targets" / "target_expression.tsv", sep="\t")
    assert set(targets["gene"]) == {"ERBB2", "ERBB3"} and targets["sample"].nunique() == 12
