"""Signature fitting: known answers from MutationalPatterns, invariants, planted recovery.

The expected MutationalPatterns files (shared/data/03_mutationalpatterns/expected) come from
Debian bookworm r-bioc-mutationalpatterns 3.8.1 (its ``states/*.rds``), made by
``fit_to_signatures(mut_mat, get_known_signatures())``,
``fit_to_signatures_strict(mut_mat, signatures, max_delta = 0.05)`` and
``fit_to_signatures_strict(mut_mat, signatures[, 1:5], max_delta = 0.004,
method = "best_subset")``; see shared/data/MANIFEST.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icarus_omics.errors import IcarusError
from icarus_omics.io.signatures import read_signatures
from icarus_omics.signatures import fitting as sg
from icarus_omics.signatures.bootstrap import BOOTSTRAP_COLUMNS, bootstrap
from tests.conftest import DATA, EXPECTED, shared_file

MP_EXPECTED = "03_mutationalpatterns/expected/"
COSMIC_FILE = Path(__file__).parents[1] / "resources/signatures/COSMIC_v3.2_SBS_GRCh37.txt.gz"
STRICT_CASE = DATA / "signatures"  # the strict case of tests/test_signature_strict.py
STRICT_GOLDEN = EXPECTED / "signatures" / "strict_contributions.tsv"  # MutationalPatterns
PLANTED = ("SBS1", "SBS2", "SBS3", "SBS5", "SBS13", "SBS18")  # breast-cancer processes
# A 21-signature breast-like list for these tests (the bundled shortlist is the io layer's).
SHORTLIST = [
    "SBS1", "SBS2", "SBS3", "SBS5", "SBS6", "SBS8", "SBS13", "SBS17a", "SBS17b", "SBS18", "SBS20",
    "SBS26", "SBS30", "SBS37", "SBS39", "SBS40", "SBS41", "SBS31", "SBS35", "SBS44", "SBS90",
]  # fmt: skip


@pytest.fixture(scope="module")
def cosmic() -> pd.DataFrame:
    return read_signatures(COSMIC_FILE)


def read_expected(name: str) -> pd.DataFrame:
    return pd.read_csv(shared_file(MP_EXPECTED + name), sep="\t", index_col=0)


@pytest.fixture(scope="module")
def mp_catalogue() -> pd.DataFrame:
    return read_expected("mut_mat_data.96x9.tsv")


@pytest.fixture(scope="module")
def mp_signatures() -> pd.DataFrame:
    """get_known_signatures(): COSMIC v3.2 minus possible artefacts, as the expected rows."""
    layout = "01_cosmic_sbs_v3.2/MutationalPatterns_snv_COSMIC_v3.2_reference_GRCh37.txt"
    known = read_expected("fit_to_signatures.nnls.contribution.tsv").index
    return read_signatures(shared_file(layout))[known]


def assert_matches_mutationalpatterns(result: sg.FitResult, name: str) -> None:
    contribution = read_expected(f"{name}.contribution.tsv")
    reconstructed = read_expected(f"{name}.reconstructed.tsv")
    exposures = result.exposures.T.loc[contribution.index, contribution.columns]
    np.testing.assert_allclose(exposures, contribution, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        result.reconstructed.loc[reconstructed.index], reconstructed, rtol=1e-6, atol=1e-6
    )
    assert ((exposures > 0) == (contribution > 0)).all().all()


def test_fit_nnls_equals_mutationalpatterns(mp_catalogue, mp_signatures):
    result = sg.fit("nnls", mp_catalogue, mp_signatures)
    assert_matches_mutationalpatterns(result, "fit_to_signatures.nnls")


def test_fit_strict_backwards_equals_mutationalpatterns(mp_catalogue, mp_signatures):
    result = sg.fit("strict", mp_catalogue, mp_signatures, sg.FitOptions(max_delta=0.05))
    assert_matches_mutationalpatterns(result, "fit_to_signatures_strict.backwards_maxdelta0.05")


def test_fit_strict_best_subset_equals_mutationalpatterns(mp_catalogue, mp_signatures):
    options = sg.FitOptions(max_delta=0.004, selection="best_subset")
    result = sg.fit("strict", mp_catalogue, mp_signatures.iloc[:, :5], options)
    assert_matches_mutationalpatterns(
        result, "fit_to_signatures_strict.best_subset_sig1to5_maxdelta0.004"
    )


def test_signature_rows_follow_the_catalogue_channels(mp_catalogue, mp_signatures):
    shuffled = mp_signatures.sample(frac=1.0, random_state=0)
    pd.testing.assert_frame_equal(
        sg.fit("nnls", mp_catalogue, shuffled).exposures,
        sg.fit("nnls", mp_catalogue, mp_signatures).exposures,
    )


def mixture(cosmic: pd.DataFrame, weights: dict[str, float], total: int, seed: int) -> np.ndarray:
    """Counts of ``total`` mutations drawn from a mixture of signatures."""
    profile = cosmic[list(weights)].to_numpy() @ np.array(list(weights.values()))
    return np.random.default_rng(seed).multinomial(total, profile / profile.sum())


def catalogue_of(cosmic: pd.DataFrame, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame(columns, index=cosmic.index)


def cosmic_as_published() -> pd.DataFrame:
    """The bundled COSMIC v3.2 matrix read with plain pandas, not the package's reader."""
    return pd.read_csv(COSMIC_FILE, sep="\t", index_col=0)


def test_quality_reports_counts_cosine_residual_and_kept_signatures(cosmic):
    catalogue = catalogue_of(
        cosmic,
        {
            "T1": mixture(cosmic, {"SBS1": 0.3, "SBS5": 0.7}, 400, 1),
            "T2": mixture(cosmic, {"SBS2": 0.4, "SBS13": 0.4, "SBS18": 0.2}, 900, 2),
            "T3": mixture(cosmic, {"SBS3": 0.6, "SBS8": 0.4}, 150, 3),
        },
    )
    result = sg.fit("sparse", catalogue, cosmic[SHORTLIST])
    assert list(result.quality.columns) == list(sg.QUALITY_COLUMNS)
    assert result.quality.index.name == "sample"
    assert list(result.quality.index) == ["T1", "T2", "T3"]
    # Recomputed by hand: reconstruction = signatures (read independently) @ exposures.
    profiles = cosmic_as_published().loc[catalogue.index, SHORTLIST].to_numpy()
    for sample in catalogue:
        quality = result.quality.loc[sample]
        observed = catalogue[sample].to_numpy(float)
        exposures = result.exposures.loc[sample, SHORTLIST].to_numpy()
        fitted = profiles @ exposures
        similarity = observed @ fitted / np.sqrt((observed @ observed) * (fitted @ fitted))
        assert quality.n_snvs == observed.sum()
        assert quality.cosine_similarity == pytest.approx(similarity, rel=1e-9)
        assert quality.rss == pytest.approx(((observed - fitted) ** 2).sum(), rel=1e-9)
        kept = [name for name, value in zip(SHORTLIST, exposures, strict=True) if value > 0]
        assert quality.signatures_kept == ";".join(kept)
        assert 0 < len(kept) < len(SHORTLIST)  # a sparse fit: the kept set means something
    assert result.quality.n_snvs.tolist() == [400, 900, 150]


def test_cosine_is_columnwise_and_nan_for_a_zero_column():
    a = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    b = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(sg.cosine(a, b), [np.sqrt(0.5), np.nan, np.sqrt(0.5)])


@pytest.mark.parametrize("method", ["nnls", "strict", "sparse"])
def test_sample_without_mutations_gets_zero_exposures_and_nan_cosine(cosmic, method):
    catalogue = catalogue_of(
        cosmic, {"empty": np.zeros(96), "T1": mixture(cosmic, {"SBS2": 1.0}, 200, 2)}
    )
    result = sg.fit(method, catalogue, cosmic[SHORTLIST])
    assert (result.exposures.loc["empty"] == 0).all()
    assert np.isnan(result.quality.loc["empty", "cosine_similarity"])
    assert result.quality.loc["empty", "signatures_kept"] == ""
    assert result.quality.loc["T1", "cosine_similarity"] > 0.9


def test_no_threshold_keeps_the_nnls_fit_and_no_tolerance_keeps_one_signature(cosmic):
    columns = {
        f"T{i}": mixture(cosmic, {"SBS1": 0.2, "SBS3": 0.5, "SBS13": 0.3}, 300, i) for i in range(4)
    }
    catalogue, signatures = catalogue_of(cosmic, columns), cosmic[SHORTLIST]
    nnls = sg.fit("nnls", catalogue, signatures).exposures
    np.testing.assert_allclose(
        sg.fit("sparse", catalogue, signatures, sg.FitOptions(max_cosine_drop=0)).exposures, nnls
    )
    np.testing.assert_allclose(
        sg.fit("strict", catalogue, signatures, sg.FitOptions(max_delta=0)).exposures,
        nnls,
        atol=1e-9,
    )
    assert (
        (
            sg.fit("sparse", catalogue, signatures, sg.FitOptions(max_cosine_drop=1)).exposures > 0
        ).sum(axis=1)
        == 1
    ).all()


def test_processes_do_not_change_results(cosmic):
    columns = {f"T{i}": mixture(cosmic, {"SBS2": 0.4, "SBS5": 0.6}, 150, i) for i in range(6)}
    catalogue, signatures = catalogue_of(cosmic, columns), cosmic[SHORTLIST]
    serial = sg.fit("strict", catalogue, signatures)
    parallel = sg.fit("strict", catalogue, signatures, processes=2)
    pd.testing.assert_frame_equal(serial.exposures, parallel.exposures)


def test_inputs_are_not_modified(mp_catalogue, mp_signatures):
    catalogue, signatures = mp_catalogue.copy(), mp_signatures.copy()
    sg.fit("sparse", catalogue, signatures)
    pd.testing.assert_frame_equal(catalogue, mp_catalogue)
    pd.testing.assert_frame_equal(signatures, mp_signatures)


def sparse_by_refitting_every_candidate(observed: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    """fit_sparse's rule written plainly, after the Julia removeAllSingleSignatures."""
    from scipy.optimize import nnls

    def refit(active):
        fit = nnls(profiles[:, active], observed)[0]
        fitted = profiles[:, active] @ fit
        similarity = observed @ fitted / (np.linalg.norm(observed) * np.linalg.norm(fitted))
        error = np.linalg.norm(observed - fitted) / np.linalg.norm(observed)
        score = 2 * (1 - similarity) * error / ((1 - similarity) + error)
        return score, similarity, active[fit > 0], fit[fit > 0]

    _, first, active, fit = refit(np.arange(profiles.shape[1]))
    while len(active) > 1:
        candidates = [refit(np.delete(active, i)) for i in range(len(active))]
        _, similarity, trial, trial_fit = min(candidates, key=lambda c: c[0])
        if first - similarity >= 0.01:
            break
        active, fit = trial, trial_fit
    exposures = np.zeros(profiles.shape[1])
    exposures[active] = fit
    return exposures


def test_sparse_fit_equals_refitting_every_candidate(cosmic):
    rng = np.random.default_rng(5)
    columns = {}
    for i in range(12):
        weights = dict.fromkeys(rng.choice(PLANTED, size=4, replace=False), 0.25)
        columns[f"T{i}"] = mixture(cosmic, weights, int(rng.choice([80, 500, 3000])), i)
    catalogue = catalogue_of(cosmic, columns)
    exposures = sg.fit("sparse", catalogue, cosmic).exposures
    for sample in catalogue:
        expected = sparse_by_refitting_every_candidate(
            catalogue[sample].to_numpy(float), cosmic.to_numpy()
        )
        np.testing.assert_allclose(exposures.loc[sample], expected, rtol=1e-9, atol=1e-9)


# ---- invariants


def small_problem(cosmic: pd.DataFrame, data: st.DataObject) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = data.draw(
        st.lists(st.sampled_from(list(cosmic.columns)), min_size=2, max_size=8, unique=True)
    )
    counts = data.draw(st.lists(st.integers(0, 30), min_size=96, max_size=96))
    return catalogue_of(cosmic, {"T1": np.array(counts)}), cosmic[names]


@settings(max_examples=25, deadline=None)
@given(data=st.data(), method=st.sampled_from(["nnls", "strict", "sparse"]))
def test_exposures_are_never_negative(cosmic, data, method):
    catalogue, signatures = small_problem(cosmic, data)
    assert (sg.fit(method, catalogue, signatures).exposures.to_numpy() >= 0).all()


@settings(max_examples=25, deadline=None)
@given(weights=st.lists(st.floats(0, 1000), min_size=len(PLANTED), max_size=len(PLANTED)))
def test_exposures_add_up_to_the_count_of_a_perfect_mixture(cosmic, weights):
    catalogue = catalogue_of(cosmic, {"T1": cosmic[list(PLANTED)].to_numpy() @ np.array(weights)})
    exposures = sg.fit("nnls", catalogue, cosmic[list(PLANTED)]).exposures.loc["T1"]
    assert exposures.sum() == pytest.approx(sum(weights), rel=1e-6, abs=1e-6)
    np.testing.assert_allclose(exposures, weights, atol=1e-6 * max(1.0, sum(weights)))


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_refitting_a_subset_never_raises_the_cosine(cosmic, data):
    catalogue, signatures = small_problem(cosmic, data)
    subset = data.draw(st.lists(st.sampled_from(list(signatures.columns)), min_size=1, unique=True))
    full = sg.fit("nnls", catalogue, signatures).quality.cosine_similarity.fillna(0)
    part = sg.fit("nnls", catalogue, signatures[subset]).quality.cosine_similarity.fillna(0)
    assert (part <= full + 1e-9).all()


# ---- recovery of planted signatures


def recovery(
    cosmic: pd.DataFrame, signatures: pd.DataFrame, total: int, n: int = 40
) -> dict[str, float]:
    """Precision and recall of kept signatures, and the mean total-variation distance
    between fitted and planted exposure fractions, over ``n`` simulated tumours."""
    rng = np.random.default_rng(total)
    columns, truth = {}, {}
    for i in range(n):
        planted = list(rng.choice(PLANTED, size=rng.integers(3, 6), replace=False))
        weights = dict(zip(planted, rng.dirichlet(np.full(len(planted), 5.0)), strict=True))
        columns[f"T{i}"], truth[f"T{i}"] = (
            mixture(cosmic, weights, total, int(rng.integers(1 << 30))),
            weights,
        )
    exposures = sg.fit("sparse", catalogue_of(cosmic, columns), signatures).exposures
    hits = kept = planted_count = 0
    distance = []
    for sample, weights in truth.items():
        found = exposures.loc[sample]
        chosen = set(found.index[found > 0])
        hits, kept, planted_count = (
            hits + len(chosen & set(weights)),
            kept + len(chosen),
            planted_count + len(weights),
        )
        true = pd.Series(weights).reindex(found.index, fill_value=0.0)
        distance.append(0.5 * (found / found.sum() - true).abs().sum())
    return {
        "precision": hits / kept,
        "recall": hits / planted_count,
        "exposure_error": float(np.mean(distance)),
    }


def test_sparse_fit_recovers_planted_signatures_better_with_more_mutations(cosmic):
    rows = []
    for label, signatures in (("78", cosmic), ("21", cosmic[SHORTLIST])):
        for total in (100, 1_000, 10_000):
            rows.append(
                {"signatures": label, "mutations": total, **recovery(cosmic, signatures, total)}
            )
    table = pd.DataFrame(rows)
    print("\n" + table.to_string(index=False, float_format="%.3f"))
    for _, group in table.groupby("signatures"):
        low, high = group.iloc[0], group.iloc[-1]
        # Recall stays near 0.8 even at 10,000 mutations: the 0.01 cosine rule merges SBS3
        # into SBS5 (cosine 0.79 between them) and drops shares under ~10%.
        assert high.recall >= 0.75 and high.precision >= 0.9
        assert high.recall >= low.recall and high.precision >= low.precision
        assert high.exposure_error < low.exposure_error


# ---- bootstrap


def test_bootstrap_is_reproducible_whatever_the_processes(cosmic):
    columns = {
        f"T{i}": mixture(cosmic, {"SBS2": 0.5, "SBS13": 0.3, "SBS5": 0.2}, 300, i) for i in range(3)
    }
    catalogue, signatures = catalogue_of(cosmic, columns), cosmic[SHORTLIST]
    table = bootstrap(catalogue, signatures, "sparse", n=20, seed=7)
    assert list(table.columns) == list(BOOTSTRAP_COLUMNS)
    assert len(table) == 3 * len(SHORTLIST)
    assert list(table.signature[: len(SHORTLIST)]) == SHORTLIST
    pd.testing.assert_frame_equal(
        table, bootstrap(catalogue, signatures, "sparse", n=20, seed=7, processes=2)
    )
    point = sg.fit("sparse", catalogue, signatures).exposures
    np.testing.assert_allclose(table.exposure, point.to_numpy().ravel())
    assert (table.ci_low <= table.ci_high).all()
    assert table.kept_fraction.between(0, 1).all()
    sbs2 = table[table.signature == "SBS2"]
    assert (sbs2.kept_fraction > 0.9).all() and (sbs2.ci_low > 0).all()


def read_strict_case(name: str) -> pd.DataFrame:
    return pd.read_csv(STRICT_CASE / name, sep="\t", index_col=0, float_precision="round_trip")


def strict_golden(max_delta: float) -> pd.DataFrame:
    """MutationalPatterns' strict contributions at ``max_delta``: samples x signatures."""
    golden = pd.read_csv(STRICT_GOLDEN, sep="\t", float_precision="round_trip")
    rows = golden[np.isclose(golden["max_delta"], max_delta, rtol=0, atol=1e-12)]
    return rows.pivot(index="sample", columns="signature", values="contribution")


def wide(table: pd.DataFrame, column: str, like: pd.DataFrame) -> pd.DataFrame:
    """A bootstrap table's ``column`` as samples x signatures, in ``like``'s order."""
    pivoted = table.pivot(index="sample", columns="signature", values=column)
    return pivoted.loc[like.index, like.columns]


@pytest.mark.parametrize(
    ("lower", "higher"), [(0.003, None), (None, 0.005), (0.045, 0.05), (0.05, 0.06)]
)
def test_bootstrap_of_strict_fit_takes_its_max_delta(lower, higher):
    """On the strict case each step of max_delta drops signatures in MutationalPatterns'
    fit (tests/expected/signatures/README.md); None is the default, 0.004. The point
    exposures must be the golden's at each max_delta, and the replicates, drawn alike
    (same seed), must keep those signatures less often at the larger max_delta. (Backwards
    selection removes signatures in an order that does not depend on max_delta and stops at
    the first loss above it, so a larger max_delta never keeps more.)"""
    catalogue = read_strict_case("strict_catalogue.tsv")
    signatures = read_strict_case("strict_signatures.tsv")
    deltas = (lower or 0.004, higher or 0.004)  # MutationalPatterns' default
    kept, golden = [], []
    for max_delta, option in zip(deltas, (lower, higher), strict=True):
        options = {} if option is None else {"max_delta": option}
        table = bootstrap(
            catalogue, signatures, "strict", n=50, seed=1, options=sg.FitOptions(**options)
        )
        golden.append(strict_golden(max_delta).loc[catalogue.columns, signatures.columns])
        np.testing.assert_allclose(wide(table, "exposure", golden[-1]), golden[-1], rtol=1e-6)
        kept.append(wide(table, "kept_fraction", golden[-1]))
    dropped = (golden[0] > 0) & (golden[1] == 0)
    assert dropped.to_numpy().any()  # the case has teeth at this step
    assert (kept[1] <= kept[0]).all().all()
    assert (kept[1][dropped] < kept[0][dropped]).sum().sum() == dropped.sum().sum(), (
        f"kept fractions at {deltas}:\n{kept[0][dropped]}\n{kept[1][dropped]}"
    )


def test_nnls_bootstrap_equals_resampling_by_hand(cosmic):
    """The documented resampling, written plainly: sample j draws its mutation count from
    its channel frequencies with default_rng(child j of SeedSequence(seed)), each replicate
    is an NNLS fit (scipy), intervals are the 2.5th/97.5th percentiles."""
    from scipy.optimize import nnls

    columns = {
        f"T{i}": mixture(cosmic, {"SBS2": 0.5, "SBS13": 0.3, "SBS5": 0.2}, 300, i) for i in range(3)
    }
    catalogue, names = catalogue_of(cosmic, columns), ["SBS1", "SBS2", "SBS5", "SBS13", "SBS18"]
    table = bootstrap(catalogue, cosmic[names], "nnls", n=30, seed=11)
    profiles = cosmic_as_published().loc[catalogue.index, names].to_numpy()
    children = np.random.SeedSequence(11).spawn(3)
    for j, sample in enumerate(catalogue):
        observed = catalogue[sample].to_numpy()
        draws = np.random.default_rng(children[j]).multinomial(
            observed.sum(), observed / observed.sum(), 30
        )
        replicates = np.array([nnls(profiles, draw.astype(float))[0] for draw in draws])
        rows = table[table["sample"] == sample].set_index("signature").loc[names]
        np.testing.assert_allclose(rows.exposure, nnls(profiles, observed.astype(float))[0])
        np.testing.assert_allclose(rows.ci_low, np.percentile(replicates, 2.5, axis=0))
        np.testing.assert_allclose(rows.ci_high, np.percentile(replicates, 97.5, axis=0))
        np.testing.assert_array_equal(rows.kept_fraction, (replicates > 0).mean(axis=0))


def test_bootstrap_refuses_an_unknown_method_and_no_replicates(mp_catalogue, mp_signatures):
    with pytest.raises(IcarusError, match="unknown fit method"):
        bootstrap(mp_catalogue, mp_signatures, "lasso", n=10, seed=0)  # type: ignore[arg-type]
    with pytest.raises(IcarusError, match="at least 1 replicate"):
        bootstrap(mp_catalogue, mp_signatures, "nnls", n=0, seed=0)


# ---- bad input


def test_negative_count_is_an_error_naming_the_sample(mp_catalogue, mp_signatures):
    catalogue = mp_catalogue.copy()
    catalogue.iloc[5, 2] = -1
    with pytest.raises(IcarusError, match="sample 'colon3' has a negative count"):
        sg.fit("nnls", catalogue, mp_signatures)


def test_mismatched_channels_are_an_error(mp_catalogue, mp_signatures):
    renamed = mp_catalogue.rename(index={"A[C>A]A": "ACA>AAA"})
    with pytest.raises(IcarusError, match=r"same channels.*catalogue only: ACA>AAA"):
        sg.fit("sparse", renamed, mp_signatures)
    with pytest.raises(IcarusError, match="same channels"):
        sg.fit("nnls", mp_catalogue.iloc[:95], mp_signatures)


def test_signature_not_summing_to_one_is_an_error_naming_it(mp_catalogue, mp_signatures):
    signatures = mp_signatures.copy()
    signatures["SBS3"] = signatures["SBS3"] * 2
    with pytest.raises(IcarusError, match="signature 'SBS3' is not a distribution"):
        sg.fit("strict", mp_catalogue, signatures)


def test_best_subset_refuses_long_signature_lists(mp_catalogue, mp_signatures):
    with pytest.raises(IcarusError, match="15 signatures or fewer"):
        sg.fit("strict", mp_catalogue, mp_signatures, sg.FitOptions(selection="best_subset"))
