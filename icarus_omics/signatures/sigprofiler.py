"""SigProfilerAssignment's assignment (``Analyzer.cosmic_fit``), reimplemented per sample.

Read from SigProfilerAssignment 1.1.5 (BSD-2-Clause): ``decompose_subroutines.process_sample``
and ``single_sample.fit_signatures``, ``remove_all_single_signatures``, ``add_signatures``,
``add_remove_signatures``, ``add_connected_sigs``, ``roundConserveSum``; its defaults
``nnls_add_penalty=0.05``, ``nnls_remove_penalty=0.01``, ``initial_remove_penalty=0.05``,
background SBS1 and SBS5, connected signatures, no excluded subgroups. Every fit is NNLS
(``scipy.optimize.nnls``); a fit's "distance" is its relative L2 error ``|y - Wx| / |y|``.

1. NNLS on all signatures, exposures scaled to the mutation count and rounded
   (:func:`conserving_round`).
2. Initial removal (penalty 0.05, nothing protected): refit the rounded-non-zero signatures,
   then repeatedly refit without each one in turn and take the smallest distance increase
   (ties: first in column order; a decrease counts as the penalty), while that increase over
   the *previous* step is at most the penalty; stop at one signature.
3. Add-remove layers: S is step 2's signatures plus the background. Each layer adds the
   background, completes connected groups (SBS2/13, SBS7a-d, SBS10a/b, SBS17a/b), and for
   each signature i outside the previous layer's set fits S + i, kept if the distance falls
   by more than 0.05 (else S), rounds it (``np.round``, the largest exposure absorbing the
   difference to the count) and runs step 2's removal with penalty 0.01, background
   protected. The smallest distance wins the layer (first in Python's set order); layers go
   on while it falls; the winner is rounded with :func:`conserving_round`.

Quirks kept: after the first removal the tool maps the protected background through exposure
*values* into the wrong index space (:func:`_positions`), so later steps protect other
signatures or none; it sees a removal as a change only if the support's size changes (or
column 0 enters or leaves it); if the add-remove step fails (nothing to add in the first
layer, or a count not conserved) it keeps step 2's exposures, truncated to integers.

Speed: the tool refits every candidate with NNLS (about 1,400 refits a sample for COSMIC
v3.2). Here the Gram matrix of the signatures, computed once, settles most steps: removals
whose least-squares refit is interior (so it *is* the NNLS refit) and clearly decided are
taken without refitting (:func:`_quick_removals`); elsewhere least-squares bounds choose the
candidates worth refitting (:func:`_removal_bounds`, :func:`_addition_bounds`), and a removal
from the same start runs once. Every exposure returned and every distance compared across
layers comes from an NNLS refit with the tool's arithmetic (same columns, order, memory
layout and sums), so results are the tool's to the last bit; only near ties (within the
slacks below) could be decided otherwise, and those are left to NNLS refits too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import nnls

BACKGROUND = ("SBS1", "SBS5")  # add_background_signatures: clock-like, found in most tumours
CONNECTED = (  # single_sample.add_connected_sigs: one process, several signatures
    ("SBS2", "SBS13"),
    ("SBS7a", "SBS7b", "SBS7c", "SBS7d"),
    ("SBS10a", "SBS10b"),
    ("SBS17a", "SBS17b"),
)
ADD_PENALTY = 0.05  # nnls_add_penalty
REMOVE_PENALTY = 0.01  # nnls_remove_penalty
INITIAL_REMOVE_PENALTY = 0.05  # initial_remove_penalty
SLACK = 1e-6  # relative margin on a least-squares bound (rounding), as selection.py
ABSOLUTE_SLACK = 1e-8  # and absolute, in squared residual over |y|^2 (distance 1e-4)
MAX_CONDITION = 1e4  # Gram-matrix bounds lose cond^2 * 1e-16; COSMIC v3.2 SBS: cond 367
INTERIOR = 1e-8  # least-squares weights this far above 0 (of their sum) are NNLS weights
DEGENERATE = 1e-9  # smaller distance increases are left to NNLS refits (the sign rule)
MARGIN = 1e-9  # least-squares distances this close to a cutoff are refitted with NNLS
Array = np.ndarray
Fit = tuple[Array, float]  # exposures over all signatures, distance


class Roles(NamedTuple):
    """Signature positions with a role: the background and the connected groups."""

    background: tuple[int, ...]
    groups: tuple[tuple[int, ...], ...]


class Penalties(NamedTuple):
    """The tool's thresholds on the relative L2 error (``nnls_*_penalty``)."""

    add: float = ADD_PENALTY
    remove: float = REMOVE_PENALTY
    initial_remove: float = INITIAL_REMOVE_PENALTY


class Algebra(NamedTuple):
    """What every sample reuses: the profiles in the tool's memory layout, their Gram
    matrix, and whether it is well enough conditioned for the pruning bounds."""

    profiles: Array
    gram: Array
    bounded: bool


DEFAULT_PENALTIES = Penalties()


def sample_settings(
    names: Sequence[str], penalties: Penalties = DEFAULT_PENALTIES, profiles: Array | None = None
) -> dict[str, Any]:
    """Keywords of :func:`assign_sample` for a signature set: the roles of ``names`` and,
    given the ``profiles`` (channels x signatures), their shared algebra."""
    algebra = None if profiles is None else signature_algebra(profiles)
    return {"roles": signature_roles(names), "penalties": penalties, "algebra": algebra}


def signature_roles(
    names: Sequence[str], background: Sequence[str] = BACKGROUND, connected: bool = True
) -> Roles:
    """Positions of the background signatures and connected groups among ``names``.

    Names missing from ``names`` are skipped, as the tool does; ``background=()`` is the
    tool's ``add_background_signatures=False`` and ``connected=False`` its
    ``connected_sigs=False``.
    """
    position = {name: i for i, name in reversed(list(enumerate(names)))}  # first wins
    groups = tuple(tuple(position[n] for n in group if n in position) for group in CONNECTED)
    return Roles(
        tuple(position[n] for n in background if n in position),
        tuple(g for g in groups if g) if connected else (),
    )


def signature_algebra(profiles: Array) -> Algebra:
    """The per-cohort part of the work (:class:`Algebra`), once for all samples."""
    columns = np.asfortranarray(profiles, dtype=float)  # as the tool's DataFrame.values
    bounded = bool(np.linalg.cond(columns) < MAX_CONDITION)
    return Algebra(columns, columns.T @ columns, bounded)


def assign_sample(
    observed: Array,
    profiles: Array,
    roles: Roles,
    penalties: Penalties = DEFAULT_PENALTIES,
    algebra: Algebra | None = None,
) -> Array:
    """One sample's exposures (signatures,) in whole mutations; see the module docstring.

    ``profiles`` is channels x signatures; ``algebra`` (:func:`signature_algebra` of the
    same profiles) saves recomputing it for each sample.
    """
    if observed.sum() == 0:
        return np.zeros(profiles.shape[1])
    sample = _Sample(observed, algebra or signature_algebra(profiles))
    everything = np.arange(profiles.shape[1])
    first = conserving_round(sample.spread(everything, sample.refit(everything)[0]))
    kept = _remove(sample, first, penalties.initial_remove, ())[0]
    start = sorted(set(np.flatnonzero(kept).tolist()) | set(roles.background))  # a set
    try:
        return _add_remove(sample, start, roles, penalties)
    except (_Unassigned, RuntimeError):  # RuntimeError: NNLS iteration limit, as the tool
        return np.trunc(kept)


def conserving_round(values: Array) -> Array:
    """``roundConserveSum``: round up, then take 1 off the values with the smallest
    fractional parts until the total is the rounded total (``np.argsort`` order on ties)."""
    total = np.round(np.sum(values))
    rounded = np.ceil(values)
    order = np.argsort(values - rounded)
    rounded[order[: int(np.sum(rounded) - total + 1e-10)]] -= 1
    return rounded


class _Unassigned(Exception):
    """The tool's add-remove step failed; it keeps the initial removal's exposures."""


class _Sample:
    """One sample against the signatures, computed with the tool's arithmetic."""

    def __init__(self, observed: Array, algebra: Algebra) -> None:
        self.observed = observed
        self.algebra = algebra
        self.profiles = algebra.profiles
        self.products = algebra.profiles.T @ observed  # W'y, for the bounds
        self.norm = float(np.linalg.norm(observed, ord=2))
        self.total = np.cumsum(observed)[-1]  # Python's sum(): left to right
        self.count = round(float(np.sum(observed)))
        self.removals: dict[tuple[bytes, float, tuple[int, ...]], Fit] = {}

    def refit(self, columns: Array) -> tuple[Array, float]:
        """NNLS weights on ``columns`` and the fit's relative L2 error."""
        part = self.profiles[:, columns]
        weights = nnls(part, self.observed)[0]
        fitted = np.dot(part, weights)
        return weights, float(np.linalg.norm(self.observed - fitted, ord=2) / self.norm)

    def spread(self, columns: Array, weights: Array) -> Array:
        """Weights scaled to the mutation count, placed in a vector over all signatures."""
        exposures = np.zeros(self.profiles.shape[1])
        exposures[columns] = weights / np.cumsum(weights)[-1] * self.total
        return exposures

    def reach(self, distance: float) -> float:
        """The squared residual of a fit at ``distance``, plus slack for rounding."""
        return (distance * self.norm) ** 2 * (1 + SLACK) + ABSOLUTE_SLACK * self.norm**2

    def inverse_gram(self, columns: Array) -> Array | None:
        """The inverse Gram block of ``columns``; None when bounds are not to be trusted."""
        if not self.algebra.bounded:
            return None
        return np.linalg.inv(self.algebra.gram.take(columns, 0).take(columns, 1))


def _remove(sample: _Sample, start: Array, cutoff: float, background: tuple[int, ...]) -> Fit:
    """``remove_all_single_signatures`` from the exposures ``start`` (see step 2)."""
    key = (start.tobytes(), cutoff, background)
    if key not in sample.removals:
        sample.removals[key] = _removal_steps(sample, start, cutoff, background)
    return sample.removals[key]


def _removal_steps(
    sample: _Sample, start: Array, cutoff: float, background: tuple[int, ...]
) -> Fit:
    distance = sample.refit(np.flatnonzero(start))[1]
    kept = conserving_round(start)
    if np.count_nonzero(kept) <= 1:
        return kept, distance
    current, protected, accepted, quick = kept, list(background), None, False
    while True:
        protected = _positions(kept, protected)
        if not protected:  # steps the least-squares algebra settles, many at a time
            state, done = _quick_removals(sample, np.flatnonzero(current > 0), distance, cutoff)
            if state is not None:
                (current, distance), accepted, quick = state, state, True
            if done:
                break
        active = np.flatnonzero(current > 0)
        removal = _cheapest_removal(sample, active, protected, distance, cutoff)
        if removal is None or removal.difference > cutoff:
            break
        accepted, quick = (removal.exposures, removal.distance), False
        if np.count_nonzero(removal.exposures) == 1:
            break
        protected = _positions(removal.exposures, protected)
        current, distance = accepted
    if not quick:
        return (kept, distance) if accepted is None else accepted
    columns = np.flatnonzero(current)  # the tool's own refit of the last state, to the bit
    weights, distance = sample.refit(columns)
    return sample.spread(columns, weights), distance


def _positions(exposures: Array, indices: list[int]) -> list[int]:
    """``get_changed_background_sig_idx``: the exposures at ``indices``, found by value among
    the non-zero exposures (first equal value wins; a zero is dropped)."""
    if not indices:
        return []
    values = [exposures[i] for i in indices if i < len(exposures)]
    nonzero = list(exposures[exposures != 0])
    return [nonzero.index(value) for value in values if value in nonzero]


class _Removal(NamedTuple):
    difference: float  # distance after removal minus before; a decrease counts as the cutoff
    position: int  # among the signatures before removal
    exposures: Array
    distance: float


def _cheapest_removal(
    sample: _Sample, active: Array, protected: list[int], distance: float, cutoff: float
) -> _Removal | None:
    """The unprotected removal with the smallest distance increase, ties to the first
    position; a decrease counts as an increase of ``cutoff`` (the tool's rule).

    Candidates are refitted in order of a lower bound on their distance and only while the
    bound could still match the best one found, so the answer is that of refitting them all
    (a difference is never below 0, so a bound above the best distance rules one out).
    """
    candidates = [i for i in range(len(active)) if i not in protected]
    bounds = _removal_bounds(sample, active)
    best: _Removal | None = None
    for i in sorted(candidates, key=lambda i: bounds[i]):
        if best is not None and bounds[i] > sample.reach(distance + best.difference):
            break
        columns = np.concatenate((active[:i], active[i + 1 :]))
        weights, new_distance = sample.refit(columns)
        difference = new_distance - distance
        if difference < 0:
            difference = cutoff + 1e-100
        if best is None or (difference, i) < (best.difference, best.position):
            best = _Removal(difference, i, sample.spread(columns, weights), new_distance)
    return best


def _quick_removals(
    sample: _Sample, active: Array, distance: float, cutoff: float
) -> tuple[Fit | None, bool]:
    """Unprotected removal steps decided by least squares alone: the state after them (None
    if none was taken) and whether the removals are over.

    With an interior fit (all weights clearly positive, so NNLS and least squares agree),
    dropping signature j raises the squared residual by exactly ``b_j^2 / [(M'M)^-1]_jj`` if
    the refit stays interior, by at least that otherwise. So the smallest increase wins when
    its refit is interior and the runner-up is clearly larger; the step is taken or refused
    when its distance increase is clearly apart from the cutoff and from 0 (the sign rule).
    Anything closer goes to :func:`_cheapest_removal`. The inverse Gram block and the weights
    are downdated step by step.
    """
    inverse = sample.inverse_gram(active)
    if inverse is None:
        return None, False
    weights = inverse @ sample.products[active]
    if weights.min() <= INTERIOR * weights.sum():
        return None, False  # not the NNLS fit
    fitted = sample.profiles[:, active] @ weights
    rss = float((sample.observed - fitted) @ (sample.observed - fitted))
    alive, over = np.ones(len(active)), False
    while not over:
        increase = np.divide(
            weights**2, np.diag(inverse), out=np.full(len(active), np.inf), where=alive > 0
        )
        j = int(np.argmin(increase))
        smallest, increase[j] = increase[j], np.inf
        if increase.min() - smallest <= sample.reach(0.0) + SLACK * (rss + smallest):
            break  # a near tie: the first in column order wins, left to NNLS refits
        step = (weights - inverse[:, j] * (weights[j] / inverse[j, j])) * alive
        step[j] = 0.0
        new_distance = float(np.sqrt(rss + smallest) / sample.norm)
        difference = new_distance - distance
        lowest = np.min(step, where=step != 0, initial=np.inf)
        if lowest <= INTERIOR * step.sum() or difference <= DEGENERATE:
            break  # not interior, or the sign rule in play: left to NNLS refits
        if abs(difference - cutoff) <= MARGIN:
            break
        if difference > cutoff:
            return _state(sample, active, alive, weights, distance), True
        inverse = inverse - np.outer(inverse[:, j], inverse[j]) / inverse[j, j]
        weights, rss, distance = step, rss + smallest, new_distance
        alive[j] = 0.0
        over = alive.sum() == 1
    return _state(sample, active, alive, weights, distance), over


def _state(
    sample: _Sample, active: Array, alive: Array, weights: Array, distance: float
) -> Fit | None:
    """Exposures and distance of the signatures still ``alive``; None if all still are."""
    if alive.all():
        return None
    kept = alive > 0
    return sample.spread(active[kept], weights[kept]), distance


def _removal_bounds(sample: _Sample, active: Array) -> Array:
    """Squared residual after dropping each active signature and refitting without sign
    constraints (``rss + b_j^2 / [(M'M)^-1]_jj``): a lower bound for the NNLS refit; 0 where
    the algebra is not to be trusted."""
    inverse = sample.inverse_gram(active)
    if inverse is None:
        return np.zeros(len(active))
    coefficients = inverse @ sample.products[active]
    residual = sample.observed - sample.profiles[:, active] @ coefficients
    bounds = residual @ residual + coefficients**2 / np.diag(inverse)
    return np.where(np.isfinite(bounds), bounds, 0.0)


def _add_remove(sample: _Sample, start: list[int], roles: Roles, penalties: Penalties) -> Array:
    """``add_remove_signatures`` from the signatures ``start`` (see step 3)."""
    present, best_distance, final = list(start), np.inf, None
    while True:
        # the tool's candidates: a Python set's order decides ties between equal distances
        candidates = list(set(range(sample.profiles.shape[1])) - set(present))
        if not candidates:
            break
        present = _connect(sorted(set(present) | set(roles.background)), roles.groups)
        exposures, distance = _best_layer(sample, present, candidates, roles.background, penalties)
        if not distance < best_distance:
            break
        best_distance, final = distance, exposures
        present = list(np.flatnonzero(exposures))
    if final is None:
        raise _Unassigned
    rounded = conserving_round(final)
    if np.sum(rounded) != sample.count:
        raise _Unassigned
    return rounded


def _connect(present: list[int], groups: tuple[tuple[int, ...], ...]) -> list[int]:
    """``add_connected_sigs``: a group with one member present comes in whole."""
    members = set(present)
    for group in groups:
        if members.intersection(group):
            members.update(group)
    return sorted(members)


def _best_layer(
    sample: _Sample,
    present: list[int],
    candidates: list[int],
    background: tuple[int, ...],
    penalties: Penalties,
) -> Fit:
    """One layer: each candidate added (or not), then removals; the first smallest distance.

    A candidate the add step refuses gives the fit of ``present`` alone, the same for all of
    them, so its removals run once."""
    base = _rounded_fit(sample, present)
    added = _additions(sample, present, candidates, base[1], penalties.add)
    outcomes: dict[int, Fit] = {}
    best: Fit = (np.zeros(0), np.inf)
    for i in candidates:
        key = i if i in added else -1
        if key not in outcomes:
            outcomes[key] = _outcome(sample, added.get(i, base), background, penalties.remove)
        if outcomes[key][1] < best[1]:
            best = outcomes[key]
    return best


def _outcome(sample: _Sample, added: Fit, background: tuple[int, ...], penalty: float) -> Fit:
    """The removals after an addition; the addition's own fit when the tool sees no change
    (its test: same support size, and SBS-index 0 in both or in neither)."""
    removed = _remove(sample, added[0], penalty, background)
    before, after = np.flatnonzero(added[0]), np.flatnonzero(removed[0])
    return added if before.all() == after.all() and before.shape == after.shape else removed


def _rounded_fit(sample: _Sample, columns: list[int]) -> Fit:
    """``add_signatures``' fit: NNLS, scaled to the count, rounded half to even, the largest
    exposure (the first) taking up the difference to the count."""
    weights, distance = sample.refit(np.asarray(columns))
    scaled = weights / np.cumsum(weights)[-1] * sample.total
    largest = int(np.argmax(scaled))
    rounded = np.round(scaled)
    if np.sum(rounded) != sample.count:
        rounded[largest] = round(rounded[largest]) + sample.count - sum(rounded)
    exposures = np.zeros(sample.profiles.shape[1])
    exposures[columns] = rounded
    return exposures, distance


def _additions(
    sample: _Sample, present: list[int], candidates: list[int], distance: float, penalty: float
) -> dict[int, Fit]:
    """The candidates whose addition lowers the distance by more than ``penalty``, with
    their rounded fits. Only those whose least-squares bound allows it are refitted."""
    members = set(present)
    outside = [i for i in candidates if i not in members]
    if not outside or distance - penalty <= 0:
        return {}
    bounds = _addition_bounds(sample, present, outside)
    reach = sample.reach(distance - penalty)
    added = {}
    for i, bound in zip(outside, bounds, strict=True):
        if bound > reach:
            continue
        fit = _rounded_fit(sample, sorted([*present, i]))
        if distance - fit[1] > penalty:
            added[i] = fit
    return added


def _addition_bounds(sample: _Sample, present: list[int], outside: list[int]) -> Array:
    """Squared residual of fitting ``present`` plus each outside signature without sign
    constraints (the residual minus its projection on the new column, from the Gram
    matrix): a lower bound for the NNLS fit with it; 0 where not to be trusted."""
    inverse = sample.inverse_gram(np.asarray(present))
    if inverse is None:
        return np.zeros(len(outside))
    coefficients = inverse @ sample.products[present]
    residual = sample.observed - sample.profiles[:, present] @ coefficients
    cross = sample.algebra.gram[np.ix_(present, outside)]
    along = sample.products[outside] - cross.T @ coefficients  # residual . new column
    length = np.diag(sample.algebra.gram)[outside] - np.sum(cross * (inverse @ cross), axis=0)
    gain = np.divide(along**2, length, out=np.full(len(outside), np.inf), where=length > 0)
    return residual @ residual - gain
