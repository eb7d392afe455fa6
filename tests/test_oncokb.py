"""OncoKB and CIViC matching: the vocabulary rules, and agreement with oncokb-annotator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.io.knowledge import read_civic, read_oncokb
from icarus_omics.oncogenic.civic import Civic, CivicEvidence
from icarus_omics.oncogenic.oncokb import (
    Curation,
    GeneRole,
    KnowledgeBase,
    match_copy_number,
    match_mutation,
    protein_change,
)
from tests.conftest import DATA, CliResult, shared_file

KB = KnowledgeBase.build(
    "OncoKB",
    "test",
    [
        Curation("BRAF", "V600E", "Oncogenic", "Gain-of-function", "LEVEL_1"),
        Curation("BRAF", "V600", "Oncogenic", "Gain-of-function"),
        Curation("EGFR", "E746_A750del", "Oncogenic", "Gain-of-function", "LEVEL_1"),
        Curation("KIT", "V559_V560del", "Oncogenic", "Gain-of-function"),
        Curation("KIT", "550_580mut", "Likely Oncogenic", "Likely Gain-of-function"),
        Curation("APC", "T1556fs", "Likely Oncogenic", "Likely Loss-of-function"),
        Curation("PIK3CA", "E545K", "Oncogenic", "Gain-of-function"),
        Curation("PIK3CA", "Oncogenic Mutations", "Oncogenic", "Gain-of-function", "LEVEL_1"),
        Curation("RB1", "Truncating Mutations", "Likely Oncogenic", "Likely Loss-of-function"),
        Curation("TERT", "Promoter Mutations", "Oncogenic", "Gain-of-function"),
        Curation("ERBB2", "Amplification", "Oncogenic", "Gain-of-function", "LEVEL_1"),
        Curation("CDKN2A", "Deletion", "Oncogenic", "Loss-of-function"),
    ],
    roles={"TP53": GeneRole(False, True), "AKT3": GeneRole(True, False)},
    aliases={"HER2": "ERBB2", "P16": "CDKN2A"},
)


@pytest.mark.parametrize(
    ("gene", "change", "classification", "rule", "oncogenicity"),
    [
        ("BRAF", "p.V600E", "Missense_Mutation", "exact", "Oncogenic"),
        ("BRAF", "p.Val600Glu", "Missense_Mutation", "exact", "Oncogenic"),
        ("BRAF", "p.V600K", "Missense_Mutation", "codon", "Oncogenic"),
        ("EGFR", "p.E746_A750del", "In_Frame_Del", "exact", "Oncogenic"),
        ("EGFR", "p.L747_T751del", "In_Frame_Del", "range", "Oncogenic"),  # overlaps 746-750
        ("EGFR", "p.L858R", "Missense_Mutation", "none", "Unknown"),
        ("KIT", "p.W557_K558del", "In_Frame_Del", "range", "Likely Oncogenic"),  # 550_580mut
        ("KIT", "p.V600E", "Missense_Mutation", "none", "Unknown"),
        ("APC", "p.T1556Nfs*3", "Frame_Shift_Ins", "codon", "Likely Oncogenic"),
        ("RB1", "p.Q702*", "Nonsense_Mutation", "truncating", "Likely Oncogenic"),
        ("RB1", "p.X1445_splice", "Splice_Site", "truncating", "Likely Oncogenic"),
        ("RB1", "p.R661W", "Missense_Mutation", "none", "Unknown"),
        ("TP53", "p.R213*", "Nonsense_Mutation", "truncating_tsg", "Likely Oncogenic"),
        ("AKT3", "p.E182*", "Nonsense_Mutation", "none", "Unknown"),  # oncogene: no default
        ("TERT", "", "5'Flank", "promoter", "Oncogenic"),
        ("HER2", "p.S310F", "Missense_Mutation", "none", "Unknown"),
    ],
)
def test_mutation_rules(
    gene: str, change: str, classification: str, rule: str, oncogenicity: str
) -> None:
    event = match_mutation(KB, gene, change, classification)
    assert (event.rule, event.oncogenicity) == (rule, oncogenicity)
    assert event.kb == "OncoKB" and event.kb_version == "test"


def test_oncogenic_mutations_lend_their_level() -> None:
    event = match_mutation(KB, "PIK3CA", "p.E545K", "Missense_Mutation")
    assert event.highest_level == "LEVEL_1" and event.rule == "exact"
    unknown = match_mutation(KB, "PIK3CA", "p.Q12H", "Missense_Mutation")
    assert unknown.highest_level == "" and unknown.rule == "none"


def test_copy_number_and_aliases() -> None:
    assert match_copy_number(KB, "HER2", "amplification").gene == "ERBB2"
    assert match_copy_number(KB, "HER2", "amplification").oncogenicity == "Oncogenic"
    assert match_copy_number(KB, "p16", "deletion").rule == "deletion"
    assert match_copy_number(KB, "ERBB2", "deletion").rule == "none"


def test_protein_change_notation() -> None:
    assert protein_change("p.Glu545Lys") == "E545K"
    assert protein_change("E545K") == "E545K"
    assert protein_change("p.X1445_splice") == "X1445_splice"


def test_civic_matching_and_levels() -> None:
    civic = Civic(read_civic(DATA / "knowledge" / "civic_evidence.tsv"))
    amp = civic.match_copy_number("ERBB2", "amplification")
    assert (amp.best_level, amp.items, amp.directions) == ("A", 2, "Supports")
    assert civic.match_copy_number("PTEN", "deletion").variant == "LOSS"
    assert civic.match_mutation("ESR1", "p.D538G", "Missense_Mutation").rule == "codon"
    assert civic.match_mutation("TP53", "p.R175H", "Missense_Mutation").rule == "mutation"
    gata3 = civic.match_mutation("GATA3", "p.D336Gfs*17", "Frame_Shift_Del")
    assert (gata3.rule, gata3.directions) == ("truncating", "Does Not Support")
    assert civic.match_mutation("KRAS", "p.G12D", "Missense_Mutation").rule == "none"


def test_civic_molecular_profile_layout(tmp_path: Path) -> None:
    path = tmp_path / "civic.tsv"
    path.write_text(
        "molecular_profile\tevidence_level\tevidence_direction\nERBB2 Amplification\tA\tSupports\n"
    )
    assert read_civic(path) == [CivicEvidence("ERBB2", "Amplification", "A", "Supports")]


def test_wrong_knowledge_base_format(tmp_path: Path) -> None:
    path = tmp_path / "kb.txt"
    path.write_text("gene\tchange\nBRAF\tV600E\n")
    with pytest.raises(IcarusError, match="not an OncoKB allAnnotatedVariants file"):
        read_oncokb(path)
    with pytest.raises(IcarusError, match="not a CIViC nightly summary"):
        read_civic(path)


SNAPSHOT = "07_oncokb_civic/oncokb_variants_2018/oncokb_allAnnotatedVariants_2018-08.txt"
GENE_LIST = "07_oncokb_civic/oncokb_gene_lists/oncokb_cancerGeneList_2024.tsv"
ANNOTATED = "07_oncokb_civic/oncokb_annotator_examples/example_maf_annotated_2021.txt"
# Variants oncokb-annotator called in 2021 that the 2018 snapshot had not yet curated.
CURATED_AFTER_2018 = {("EGFR", "p.H304Y"), ("ATM", "p.L2890R")}


def test_agreement_with_oncokb_annotator_2021() -> None:
    kb = read_oncokb(shared_file(SNAPSHOT), shared_file(GENE_LIST))
    expected = pd.read_csv(shared_file(ANNOTATED), sep="\t", dtype=str, keep_default_na=False)
    snapshot = pd.read_csv(shared_file(SNAPSHOT), sep="\t", dtype=str, encoding="latin-1")
    for row in expected.itertuples():
        event = match_mutation(kb, row.Hugo_Symbol, row.HGVSp_Short, row.Variant_Classification)
        key = (row.Hugo_Symbol, row.HGVSp_Short)
        if key in CURATED_AFTER_2018:  # disagreement explained: not in the snapshot at all
            curated = snapshot[(snapshot.Gene == key[0]) & (snapshot.Alteration == key[1][2:])]
            assert curated.empty and event.rule == "none"
            continue
        assert event.oncogenicity == (row.ONCOGENIC or "Unknown"), key
        assert event.mutation_effect == row.MUTATION_EFFECT, key
        assert str(event.variant_in_kb) == row.VARIANT_IN_ONCOKB, key


def test_oncokb_command_on_annotator_example(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    maf = shared_file("07_oncokb_civic/oncokb_annotator_examples/example_maf_2021.txt")
    code, out, err = cli("oncokb", maf, "-o", tmp_path, "--oncokb", shared_file(SNAPSHOT),
                         "--oncokb-genes", shared_file(GENE_LIST),
                         "--civic", DATA / "knowledge" / "civic_evidence.tsv")  # fmt: skip
    assert code == 0 and out == "", err
    table = pd.read_csv(
        tmp_path / "example_maf_2021.oncokb.tsv", sep="\t", dtype=str, keep_default_na=False
    )
    assert len(table) == 16 and set(table.kb) == {"OncoKB"}
    assert table.kb_version.str.startswith("oncokb_allAnnotatedVariants_2018-08.txt sha256:").all()
    assert table.oncogenic.value_counts()["true"] == 9
    cna = shared_file("07_oncokb_civic/oncokb_annotator_examples/example_cna.txt")
    code, _, err = cli("oncokb", cna, "-o", tmp_path, "--oncokb", shared_file(SNAPSHOT))
    assert code == 0, err
    events = pd.read_csv(tmp_path / "example_cna.oncokb.tsv", sep="\t", dtype=str)
    assert list(zip(events.gene, events.change, events.oncogenicity, strict=True)) == [
        ("MET", "amplification", "Oncogenic"), ("ERBB2", "amplification", "Oncogenic"),
        ("CDK4", "deletion", "Unknown"), ("MET", "amplification", "Oncogenic"),
        ("CDK4", "amplification", "Oncogenic"), ("CDK4", "amplification", "Oncogenic"),
    ]  # fmt: skip


def test_oncokb_command_needs_a_knowledge_base(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    table = tmp_path / "m.tsv"
    table.write_text(
        "gene\tvariant_classification\thgvsp_short\nBRAF\tMissense_Mutation\tp.V600E\n"
    )
    code, _, err = cli("oncokb", table, "-o", tmp_path / "out")
    assert code == 1 and "give --oncokb" in err
    bad = tmp_path / "bad.txt"
    bad.write_text("x\ty\n1\t2\n")
    code, _, err = cli("oncokb", table, "-o", tmp_path / "out", "--oncokb", bad)
    assert code == 1 and "not an OncoKB allAnnotatedVariants file" in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_actionable_levels_are_merged(tmp_path: Path) -> None:
    variants = tmp_path / "allAnnotatedVariants.txt"
    variants.write_text(
        "Gene\tAlteration\tOncogenicity\tMutation Effect\n"
        "PIK3CA\tE545K\tOncogenic\tGain-of-function\n"
        "PIK3CA\tQ546K\tLikely Oncogenic\tLikely Gain-of-function\n"
    )
    actionable = tmp_path / "allActionableVariants.txt"
    actionable.write_text(
        "Hugo Symbol\tAlteration\tCancer Type\tLevel\tDrugs(s)\n"
        "PIK3CA\tOncogenic Mutations\tBreast Cancer\t1\tAlpelisib + Fulvestrant\n"
        "PIK3CA\tE545K\tBreast Cancer\t3A\tSomething\n"
        "PIK3CA\tE545K\tColorectal Cancer\t4\tOther\n"
    )
    kb = read_oncokb(variants, actionable=actionable)
    assert match_mutation(kb, "PIK3CA", "p.E545K", "Missense_Mutation").highest_level == "LEVEL_1"
    assert match_mutation(kb, "PIK3CA", "p.Q546K", "Missense_Mutation").highest_level == "LEVEL_1"
    assert match_mutation(kb, "PIK3CA", "p.C420R", "Missense_Mutation").highest_level == ""
    curated = {c.alteration: c.level for c in kb.curations["PIK3CA"]}
    assert curated == {"E545K": "LEVEL_3A", "Q546K": "", "Oncogenic Mutations": "LEVEL_1"}
