"""``fit("sigprofiler")``: SigProfilerAssignment's cosmic_fit, reimplemented.

Live comparison with SigProfilerAssignment 1.1.x (``pip install 'SigProfilerAssignment>=1.1,<1.2'``,
in the test extra), run once per module in a child process (it switches matplotlib's backend
and prints; warnings as errors would change its answers, as it swallows exceptions) as
``Analyzer.cosmic_fit(samples=FILE, output=DIR, input_type="matrix", cosmic_version=3.2,
make_plots=False, export_probabilities=False, cpu=1)`` - its own COSMIC v3.2 GRCh37 matrix,
checked identical to the bundled one - on the shared 96 x 9 MutationalPatterns matrix and on
a seeded simulated cohort, and with ``signature_database=`` the breast shortlist on the same
cohort. Its Assignment_Solution_Activities.txt holds whole mutations.

Without the tool: a plain rewrite of its rules that refits every candidate with NNLS (no
bounds, no least-squares steps), known answers and invariants.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import nnls

from icarus_omics.errors import IcarusError
from icarus_omics.io.signatures import read_signatures
from icarus_omics.signatures import fitting as sg
from icarus_omics.signatures import sigprofiler as sp
from tests.conftest import SHARED, CliResult, missing_reference, shared_file

RESOURCES = Path(__file__).parents[1] / "resources" / "signatures"
COSMIC_FILE = RESOURCES / "COSMIC_v3.2_SBS_GRCh37.txt.gz"
SHARED_MATRIX = "03_mutationalpatterns/expected/mut_mat_data.96x9.tsv"
TOOL_MATRIX = "data/Reference_Signatures/GRCh37/COSMIC_v3.2_SBS_GRCh37.txt"
SHORTLIST_LINES = (RESOURCES / "breast_shortlist.txt").read_text().splitlines()
BREAST = [name for name in (line.split("#")[0].strip() for line in SHORTLIST_LINES) if name]
TOOL_CHILD = """
import json, sys
from SigProfilerAssignment import Analyzer
for samples, output, database in json.loads(sys.argv[1]):
    Analyzer.cosmic_fit(samples=samples, output=output, input_type="matrix",
                        cosmic_version=3.2, signature_database=database, make_plots=False,
                        export_probabilities=False, cpu=1)
"""


@pytest.fixture(scope="module")
def cosmic() -> pd.DataFrame:
    return read_signatures(COSMIC_FILE)


def simulated_cohort(cosmic: pd.DataFrame, n: int = 30, seed: int = 11) -> pd.DataFrame:
    """Channels x samples: 1-5 signatures (breast-like ones more often, APOBEC pairs and
    SBS1/SBS5 among them), 30 to 20,000 mutations (log-uniform), Poisson counts."""
    rng = np.random.default_rng(seed)
    pool = ["SBS1", "SBS2", "SBS3", "SBS5", "SBS8", "SBS13", "SBS17b", "SBS18", "SBS40"]
    columns = {}
    for j in range(n):
        names = list(rng.choice(pool, size=int(rng.integers(1, 5)), replace=False))
        names += list(rng.choice(cosmic.columns, size=int(rng.integers(0, 2)), replace=False))
        profile = cosmic[names].to_numpy() @ rng.dirichlet(np.ones(len(names)))
        total = np.exp(rng.uniform(np.log(30), np.log(20_000)))
        columns[f"S{j:02d}"] = rng.poisson(total * profile)
    return pd.DataFrame(columns, index=cosmic.index).loc[:, lambda t: t.sum() > 0]


def tool_package() -> Path:
    """SigProfilerAssignment's folder; skip (or fail, ICARUS_REQUIRE_SHARED=1) without it."""
    spec = importlib.util.find_spec("SigProfilerAssignment")
    if spec is None or spec.origin is None:
        missing_reference(
            "SigProfilerAssignment is not installed: pip install "
            "'SigProfilerAssignment>=1.1,<1.2' (in the test extra) to compare with it"
        )
        raise AssertionError  # unreachable: missing_reference skips or fails
    return Path(spec.origin).parent


@pytest.fixture(scope="module")
def tool(
    tmp_path_factory: pytest.TempPathFactory, cosmic: pd.DataFrame
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Catalogue and SigProfilerAssignment's activities (samples x signatures) by case."""
    tool_package()
    work = tmp_path_factory.mktemp("sigprofilerassignment")
    cohort = simulated_cohort(cosmic)
    cases = {"cohort": (cohort, None), "cohort_breast": (cohort, BREAST)}
    if (SHARED / SHARED_MATRIX).is_file():
        cases["shared"] = (pd.read_csv(SHARED / SHARED_MATRIX, sep="\t", index_col=0), None)
    jobs = []
    for case, (catalogue, names) in cases.items():
        catalogue.rename_axis("MutationType").to_csv(work / f"{case}.txt", sep="\t")
        database = None
        if names is not None:
            database = str(work / f"{case}_signatures.txt")
            cosmic[names].rename_axis("Type").to_csv(database, sep="\t")
        jobs.append((str(work / f"{case}.txt"), str(work / case), database))
    done = subprocess.run(
        [sys.executable, "-c", TOOL_CHILD, json.dumps(jobs)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    results = {}
    for case, (catalogue, _) in cases.items():
        activities = (
            work / case / "Assignment_Solution/Activities/Assignment_Solution_Activities.txt"
        )
        results[case] = (catalogue, pd.read_csv(activities, sep="\t", index_col=0))
    return results


def assert_same_assignment(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """The same kept signatures in every sample, exposures within 1 mutation."""
    theirs = theirs.reindex(index=ours.index, columns=ours.columns, fill_value=0)
    same = ((ours > 0) == (theirs > 0)).all(axis=1)
    assert same.all(), f"kept signatures differ in {list(same.index[~same])}"
    assert float((ours - theirs).abs().to_numpy().max()) <= 1


# ---- the tool itself


def test_bundled_cosmic_is_the_tools_v3_2_matrix(cosmic: pd.DataFrame) -> None:
    theirs = read_signatures(tool_package() / TOOL_MATRIX)
    pd.testing.assert_frame_equal(cosmic, theirs, check_exact=True)


def test_same_as_sigprofilerassignment_on_the_shared_matrix(
    tool: dict[str, tuple[pd.DataFrame, pd.DataFrame]], cosmic: pd.DataFrame
) -> None:
    shared_file(SHARED_MATRIX)  # skip, or fail when required, without the shared data
    catalogue, theirs = tool["shared"]
    assert_same_assignment(sg.fit("sigprofiler", catalogue, cosmic).exposures, theirs)


@pytest.mark.parametrize(("case", "names"), [("cohort", None), ("cohort_breast", BREAST)])
def test_same_as_sigprofilerassignment_on_a_simulated_cohort(
    tool: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    cosmic: pd.DataFrame,
    case: str,
    names: list[str] | None,
) -> None:
    catalogue, theirs = tool[case]
    signatures = cosmic if names is None else cosmic[names]
    assert_same_assignment(sg.fit("sigprofiler", catalogue, signatures).exposures, theirs)


# ---- its rules, written plainly: every candidate refitted with NNLS


def conserve(x: np.ndarray) -> np.ndarray:
    """roundConserveSum."""
    out = np.ceil(x)
    out[np.argsort(x - out)[: int(np.sum(out) - np.round(np.sum(x)) + 1e-10)]] -= 1
    return out


def plain_rules(observed: np.ndarray, w: np.ndarray, names: list[str], p: sp.Penalties):
    """SigProfilerAssignment 1.1.5 process_sample, as it reads (see the module docstring of
    icarus_omics.signatures.sigprofiler), with no shortcut."""
    w, k, total = np.asfortranarray(w), w.shape[1], observed.sum()
    background = [names.index(n) for n in ("SBS1", "SBS5") if n in names]
    groups = [[names.index(n) for n in g if n in names] for g in sp.CONNECTED]

    def refit(columns):
        x = nnls(w[:, columns], observed)[0]
        error = np.linalg.norm(observed - np.dot(w[:, columns], x)) / np.linalg.norm(observed)
        return x, error

    def scaled(columns, x):
        out = np.zeros(k)
        out[columns] = x / np.cumsum(x)[-1] * np.cumsum(observed)[-1]
        return out

    def moved(values, indices):  # get_changed_background_sig_idx
        nonzero = [v for v in values if v != 0]
        picked = [values[i] for i in indices if i < len(values)]
        return [nonzero.index(v) for v in picked if v in nonzero]

    def remove(start, cutoff, protected):
        error = refit(np.flatnonzero(start))[1]
        old = conserve(start)
        if np.count_nonzero(old) <= 1:
            return old, error
        current, success = old, None
        while True:
            protected = moved(list(old), protected)
            active = np.flatnonzero(current > 0)
            best = (np.inf, None, None)
            for i in range(len(active)):
                if i not in protected:
                    columns = np.delete(active, i)
                    x, new = refit(columns)
                    d = new - error if new >= error else cutoff + 1e-100
                    if d < best[0]:
                        best = (d, scaled(columns, x), new)
            if best[0] > cutoff:
                break
            success = best
            if np.count_nonzero(best[1]) == 1:
                break
            protected = moved(list(best[1]), protected)
            error, current = best[2], best[1]
        return (old, error) if success is None else (success[1], success[2])

    def add_fit(columns):
        x, error = refit(columns)
        e = x / np.cumsum(x)[-1] * np.cumsum(observed)[-1]
        top, e = int(np.argmax(e)), np.round(e)
        if np.sum(e) != round(total):
            e[top] = round(e[top]) + round(total) - sum(e)
        out = np.zeros(k)
        out[columns] = e
        return out, error

    def layers(present):
        best, final = np.inf, None
        while True:
            candidates = list(set(range(k)) - set(present))
            if not candidates:
                break
            members = set(present) | set(background)
            for g in groups:
                members |= set(g) if members & set(g) else set()
            present = sorted(members)
            layer = (np.inf, None)
            for i in candidates:
                added = add_fit(present)
                if i not in present:
                    bigger = add_fit(sorted([*present, i]))
                    added = bigger if added[1] - bigger[1] > p.add else added
                removed = remove(added[0], p.remove, list(background))
                a, r = np.flatnonzero(added[0]), np.flatnonzero(removed[0])
                outcome = added if a.all() == r.all() and a.shape == r.shape else removed
                if outcome[1] < layer[0]:
                    layer = (outcome[1], outcome[0])
            if not layer[0] < best:
                break
            best, final = layer
            present = list(np.flatnonzero(final))
        if final is None or conserve(final).sum() != round(total):
            return None
        return conserve(final)

    if total == 0:
        return np.zeros(k)
    everything = np.arange(k)
    kept = remove(conserve(scaled(everything, refit(everything)[0])), p.initial_remove, [])[0]
    final = layers(sorted(set(np.flatnonzero(kept).tolist()) | set(background)))
    return np.trunc(kept) if final is None else final


def random_samples(cosmic: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Samples from 1-6 random COSMIC signatures, 5 to 30,000 mutations, Poisson counts."""
    rng = np.random.default_rng(seed)
    columns = {}
    for j in range(n):
        chosen = rng.choice(cosmic.columns, size=int(rng.integers(1, 7)), replace=False)
        profile = cosmic[chosen].to_numpy() @ rng.dirichlet(np.full(len(chosen), 0.7))
        columns[f"R{j}"] = rng.poisson(np.exp(rng.uniform(np.log(5), np.log(30_000))) * profile)
    return pd.DataFrame(columns, index=cosmic.index)


SETS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "cosmic": lambda cosmic: cosmic,
    "breast": lambda cosmic: cosmic[BREAST],
    "no_background": lambda cosmic: cosmic[["SBS2", "SBS3", "SBS13", "SBS17a", "SBS17b"]],
    "background_only": lambda cosmic: cosmic[["SBS1", "SBS5"]],  # nothing to add: fallback
}


@pytest.mark.parametrize("signature_set", list(SETS))
@pytest.mark.parametrize(
    "penalties", [sp.Penalties(), sp.Penalties(add=0.01, remove=0.03, initial_remove=0.002)]
)
def test_equals_the_rules_refitting_every_candidate(
    cosmic: pd.DataFrame, signature_set: str, penalties: sp.Penalties
) -> None:
    signatures = SETS[signature_set](cosmic)
    catalogue = random_samples(cosmic, 16, seed=len(signature_set))
    options = sg.FitOptions(penalties=penalties)
    exposures = sg.fit("sigprofiler", catalogue, signatures, options).exposures
    names = list(signatures.columns)
    for sample in catalogue:
        expected = plain_rules(
            catalogue[sample].to_numpy(float), signatures.to_numpy(), names, penalties
        )
        np.testing.assert_array_equal(exposures.loc[sample].to_numpy(), expected, err_msg=sample)


def test_bounds_and_least_squares_steps_change_no_answer(cosmic: pd.DataFrame) -> None:
    # an algebra marked ill-conditioned switches both off: every candidate refitted by NNLS
    catalogue = random_samples(cosmic, 12, seed=21)
    algebra = sp.signature_algebra(cosmic.to_numpy())
    refitted = algebra._replace(bounded=False)
    roles = sp.signature_roles(list(cosmic.columns))
    for sample in catalogue:
        observed = catalogue[sample].to_numpy(float)
        np.testing.assert_array_equal(
            sp.assign_sample(observed, cosmic.to_numpy(), roles, algebra=algebra),
            sp.assign_sample(observed, cosmic.to_numpy(), roles, algebra=refitted),
        )


# ---- known answers and invariants


def test_conserving_round_takes_from_the_smallest_fractions() -> None:
    # ceil gives 9 for a total of 7: the two smallest fractional parts (.2, .3) lose 1
    np.testing.assert_array_equal(sp.conserving_round(np.array([1.2, 2.5, 3.3])), [1, 3, 3])
    np.testing.assert_array_equal(sp.conserving_round(np.array([4.0, 0.0, 2.0])), [4, 0, 2])


def test_roles_name_background_and_connected_signatures_present() -> None:
    names = ["SBS2", "SBS5", "SBS13", "SBS17b", "SBS40"]
    assert sp.signature_roles(names) == sp.Roles(background=(1,), groups=((0, 2), (3,)))
    assert sp.signature_roles(names, background=(), connected=False) == sp.Roles((), ())


@pytest.mark.parametrize("name", ["SBS2", "SBS3", "SBS13", "SBS17b", "SBS18", "SBS40"])
@pytest.mark.parametrize("total", [200, 2000])
def test_single_signature_sample_keeps_it_and_at_most_a_trace_of_background(
    cosmic: pd.DataFrame, name: str, total: int
) -> None:
    catalogue = pd.DataFrame({"T": np.round(cosmic[name] * total)})
    exposures = sg.fit("sigprofiler", catalogue, cosmic).exposures.loc["T"]
    kept = set(exposures.index[exposures > 0])
    assert name in kept and kept <= {name, *sp.BACKGROUND}
    assert exposures[name] >= 0.99 * catalogue["T"].sum()


def test_exposures_are_whole_mutations_adding_up_to_each_count(cosmic: pd.DataFrame) -> None:
    catalogue = random_samples(cosmic, 25, seed=4)
    result = sg.fit("sigprofiler", catalogue, cosmic)
    exposures = result.exposures.to_numpy()
    assert (exposures >= 0).all() and (exposures == np.round(exposures)).all()
    np.testing.assert_array_equal(exposures.sum(axis=1), catalogue.sum().to_numpy())
    assert result.quality.signatures_kept.str.split(";").map(len).min() >= 1


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(0, 40), min_size=96, max_size=96),
    chosen=st.lists(st.integers(0, 77), min_size=2, max_size=12, unique=True),
)
def test_exposures_are_whole_non_negative_and_never_exceed_the_count(
    cosmic: pd.DataFrame, counts: list[int], chosen: list[int]
) -> None:
    catalogue = pd.DataFrame({"T": counts}, index=cosmic.index)
    exposures = sg.fit("sigprofiler", catalogue, cosmic.iloc[:, chosen]).exposures.loc["T"]
    assert (exposures >= 0).all() and (exposures == np.round(exposures)).all()
    assert exposures.sum() <= sum(counts)


def test_sample_without_mutations_gets_zero_exposures(cosmic: pd.DataFrame) -> None:
    catalogue = pd.DataFrame({"empty": 0, "T": np.round(cosmic["SBS2"] * 300)})
    result = sg.fit("sigprofiler", catalogue, cosmic[BREAST])
    assert (result.exposures.loc["empty"] == 0).all()
    assert result.quality.loc["empty", "signatures_kept"] == ""


def test_processes_do_not_change_results(cosmic: pd.DataFrame) -> None:
    catalogue = random_samples(cosmic, 12, seed=9)
    serial = sg.fit("sigprofiler", catalogue, cosmic[BREAST])
    parallel = sg.fit("sigprofiler", catalogue, cosmic[BREAST], processes=2)
    pd.testing.assert_frame_equal(serial.exposures, parallel.exposures)


def test_penalties_are_checked_and_reported() -> None:
    with pytest.raises(IcarusError, match="penalties must be 0 or more"):
        sg.check_method("sigprofiler", sg.FitOptions(penalties=sp.Penalties(add=-0.1)))
    assert sg.FitOptions().used_by("sigprofiler") == {
        "add_penalty": 0.05,
        "remove_penalty": 0.01,
        "initial_remove_penalty": 0.05,
    }


def test_per_sample_rule_needs_the_signature_names() -> None:
    """A programming error (every caller passes the names), not a user's."""
    with pytest.raises(ValueError, match="needs the signature names"):
        sg.sample_rule("sigprofiler", sg.FitOptions())


def test_signatures_command_runs_the_sigprofiler_method(
    cli: Callable[..., CliResult], tmp_path: Path, cosmic: pd.DataFrame
) -> None:
    catalogue = random_samples(cosmic, 4, seed=2).rename_axis("MutationType")
    catalogue = catalogue.loc[:, catalogue.sum() >= 50]
    catalogue.to_csv(tmp_path / "catalogue.tsv", sep="\t")
    code, out, err = cli(
        "signatures", tmp_path / "catalogue.tsv", "-o", tmp_path / "out", "--method",
        "sigprofiler", "--no-spectra", "--threads", 1,
    )  # fmt: skip
    assert code == 0 and out == "", err
    written = pd.read_csv(tmp_path / "out" / "exposures.tsv", sep="\t", index_col=0)
    expected = sg.fit("sigprofiler", catalogue, cosmic[BREAST]).exposures
    np.testing.assert_array_equal(written.loc[expected.index, BREAST], expected)
    summary = json.loads((tmp_path / "out" / "signatures_summary.json").read_text())
    assert summary["method"] == "sigprofiler" and summary["options"]["add_penalty"] == 0.05


def test_bootstrap_resamples_the_sigprofiler_method(cosmic: pd.DataFrame) -> None:
    """--bootstrap works with the method: intervals around the point fit, reproducible."""
    from icarus_omics.signatures.bootstrap import bootstrap

    reference = cosmic
    rng = np.random.default_rng(5)
    truth = pd.Series(0.0, index=reference.columns)
    truth[["SBS1", "SBS2", "SBS13", "SBS5"]] = [300, 500, 300, 400]
    counts = rng.poisson(reference.to_numpy() @ truth.to_numpy())
    catalogue = pd.DataFrame({"S1": counts}, index=reference.index).astype(float)
    first = bootstrap(catalogue, reference, "sigprofiler", 30, seed=2)
    again = bootstrap(catalogue, reference, "sigprofiler", 30, seed=2)
    pd.testing.assert_frame_equal(first, again)
    kept = first[first["exposure"] > 0]
    assert (kept["ci_low"] <= kept["exposure"]).all() and (
        kept["exposure"] <= kept["ci_high"]
    ).all()
    assert set(kept["signature"]) >= {"SBS2", "SBS13"}
