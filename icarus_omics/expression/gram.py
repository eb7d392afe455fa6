"""The information matrices X' W X of a negative-binomial GLM, for many genes at once,
without forming them when the design has a patient block.

A paired design (``~ patient + timepoint``, or the nested ``~ group + group:patient_n +
group:timepoint``) has one indicator column per patient: columns of 0/1 whose supports
do not overlap, since a sample belongs to one patient. For such a block S next to the
other, dense columns F, the information matrix is

    M = [[F'WF, F'WS], [S'WF, D]],   D = S'WS diagonal,

and everything the fits need from M (solves, log determinant, leverages) follows from
the f x f Schur complement F'WF - F'WS D^-1 S'WF: O(n f^2) per gene instead of the O(p^3)
of a dense p x p solve, and no genes x p x p arrays. With 200 patients p is about 200
and f is 2, so a dense fit spends ~10^4 times the arithmetic and gigabytes of memory.

Designs without such a block (fewer than two disjoint indicator columns) keep the dense
formulas. :class:`Gram` chooses once per design; the results are the same to rounding.

Arrays are samples x genes for weights (as in pydeseq2); per-gene results are genes x ...
"""

from __future__ import annotations

import numpy as np

MIN_BLOCK = 2  # disjoint indicator columns needed for the block path


def indicator_block(design: np.ndarray) -> np.ndarray:
    """Indices of a set of 0/1 columns with disjoint supports (a patient block), chosen
    greedily from the smallest support up so that per-patient columns win over a
    treatment column that overlaps them. Columns of all ones (an intercept) never count."""
    binary = np.all((design == 0) | (design == 1), axis=0)
    support = (design != 0).sum(axis=0)
    candidates = np.flatnonzero(binary & (support > 0) & (support < design.shape[0]))
    taken = np.zeros(design.shape[0], dtype=bool)
    chosen = []
    for column in candidates[np.argsort(support[candidates], kind="stable")]:
        rows = design[:, column] != 0
        if not (rows & taken).any():
            chosen.append(column)
            taken |= rows
    return np.sort(np.array(chosen, dtype=int))


def outer_products(design: np.ndarray) -> np.ndarray:
    """Per-sample outer products x_i x_i', flattened: samples x (coefficients^2)."""
    n, p = design.shape
    return (design[:, :, None] * design[:, None, :]).reshape(n, p * p)


def information(design: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """X' diag(w_g) X for every gene g: genes x p x p, from one matrix product."""
    p = design.shape[1]
    return (weights.T @ outer_products(design)).reshape(-1, p, p)


class Gram:
    """X' W X + ridge I for every gene of one weight matrix (samples x genes).

    ``ridge`` is added to the diagonal for :meth:`solve` and :meth:`leverage`;
    :meth:`logdet` is of X' W X itself (DESeq2's Cox-Reid term has no ridge).
    """

    def __init__(self, design: np.ndarray, weights: np.ndarray, ridge: float = 0.0) -> None:
        self.design = design
        self.weights = weights
        self.ridge = ridge
        block = indicator_block(design)
        self.blocked = len(block) >= MIN_BLOCK
        p = design.shape[1]
        if not self.blocked:
            self._plain = information(design, weights)
            return
        self.block = block
        self.dense = np.setdiff1d(np.arange(p), block)
        indicators = design[:, block]  # samples x k, 0/1
        f_columns = design[:, self.dense]  # samples x f
        # patient of each sample (index into the block), -1 outside it
        self.member = np.where(indicators.any(axis=1), indicators.argmax(axis=1), -1)
        self._d0 = (indicators.T @ weights).T  # genes x k: S'WS diagonal
        self._c = np.stack(
            [(indicators.T @ (f_columns[:, [a]] * weights)).T for a in range(len(self.dense))],
            axis=1,
        )  # genes x f x k: F'WS
        self._a0 = information(f_columns, weights)  # genes x f x f: F'WF
        self._f = f_columns

    def _schur(self, ridge: float) -> tuple[np.ndarray, np.ndarray]:
        """Inverse block diagonal (genes x k) and Schur complement (genes x f x f) of
        X'WX + ridge I."""
        d_inverse = 1.0 / (self._d0 + ridge)
        a = self._a0 + ridge * np.eye(len(self.dense))
        schur = a - np.einsum("gak,gk,gbk->gab", self._c, d_inverse, self._c)
        return d_inverse, schur

    def matrices(self, ridge: float | None = None) -> np.ndarray:
        """The dense genes x p x p matrices (tests and small designs only)."""
        ridge = self.ridge if ridge is None else ridge
        p = self.design.shape[1]
        return information(self.design, self.weights) + ridge * np.eye(p)

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """(X'WX + ridge I)^-1 r per gene; ``rhs`` is genes x p or one p-vector for all."""
        p = self.design.shape[1]
        n_genes = self.weights.shape[1]
        rhs = np.broadcast_to(rhs, (n_genes, p))
        if not self.blocked:
            lhs = self._plain + self.ridge * np.eye(p)
            return np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0]
        d_inverse, schur = self._schur(self.ridge)
        r_dense, r_block = rhs[:, self.dense], rhs[:, self.block]
        t = r_dense - np.einsum("gak,gk->ga", self._c, d_inverse * r_block)
        x_dense = np.linalg.solve(schur, t[:, :, None])[:, :, 0]
        x_block = d_inverse * (r_block - np.einsum("gak,ga->gk", self._c, x_dense))
        out = np.empty((n_genes, p))
        out[:, self.dense] = x_dense
        out[:, self.block] = x_block
        return out

    def logdet(self) -> np.ndarray:
        """log |det X'WX| per gene (no ridge)."""
        if not self.blocked:
            return np.asarray(np.linalg.slogdet(self._plain)[1])
        d_inverse, schur = self._schur(0.0)
        return np.asarray(np.linalg.slogdet(schur)[1] - np.log(d_inverse).sum(axis=1))

    def leverage(self) -> np.ndarray:
        """x_i' (X'WX + ridge I)^-1 x_i for every sample and gene: samples x genes."""
        p = self.design.shape[1]
        if not self.blocked:
            inverse = np.linalg.inv(self._plain + self.ridge * np.eye(p))
            return np.asarray(outer_products(self.design) @ inverse.reshape(-1, p * p).T)
        d_inverse, schur = self._schur(self.ridge)
        schur_inverse = np.linalg.inv(schur)
        inside = self.member >= 0
        member = np.where(inside, self.member, 0)
        # u_i = f_i - F'WS e_j / d_j for a sample of patient j; f_i outside the block
        scaled = self._c * d_inverse[:, None, :]  # genes x f x k
        u = self._f.T[None, :, :] - scaled[:, :, member] * inside  # genes x f x samples
        quadratic = np.einsum("gan,gab,gbn->ng", u, schur_inverse, u)
        return np.asarray(quadratic + (d_inverse[:, member] * inside).T)

    def quadratic(self, vectors: np.ndarray) -> np.ndarray:
        """v_g' X'WX v_g per gene (no ridge), for ``vectors`` genes x p."""
        linear = self.design @ vectors.T  # samples x genes
        return np.asarray((self.weights * linear**2).sum(axis=0))
