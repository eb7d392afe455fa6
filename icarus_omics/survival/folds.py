"""Cross-validation folds, drawn with R's own random numbers so that a seed means the same
folds here as in R.

:class:`RRandom` is R's default generator: ``set.seed(seed)`` (Mersenne-Twister seeded by
R's linear-congruential scrambling), ``unif_rand`` and, since R 3.6.0, ``sample``'s
rejection sampling of indices. With it, ``--seed 1 --fold-scheme biospear`` gives the fold
ids that ``set.seed(1)`` followed by one ``sample(1:K, n, replace = TRUE)`` per repeat gives
in R, which is how biospear (and the anchor script) draw them.

Schemes:

- ``biospear``: each sample's fold drawn independently, uniformly from 1..K (folds of
  unequal size, possibly empty: ``sample(1:K, n, replace = TRUE)``);
- ``balanced``: a random permutation of ``rep(1:K, length.out = n)`` (cv.glmnet's own);
- ``stratified``: events and censored samples each dealt round-robin over the folds in
  random order, so every fold holds about the same number of events.
"""

from __future__ import annotations

import math

import numpy as np

_N = 624
_M = 397
_MATRIX_A = 0x9908B0DF
_UPPER = 0x80000000
_LOWER = 0x7FFFFFFF
_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1)

SCHEMES = ("biospear", "balanced", "stratified")


class RRandom:
    """R's Mersenne-Twister ``unif_rand`` after ``set.seed(seed)`` (sample.kind Rejection)."""

    def __init__(self, seed: int) -> None:
        s = seed & 0xFFFFFFFF
        for _ in range(50):
            s = (69069 * s + 1) & 0xFFFFFFFF
        state = []
        for _ in range(_N + 1):
            s = (69069 * s + 1) & 0xFFFFFFFF
            state.append(s)
        self._mt = state[1:]
        self._mti = _N

    def _word(self) -> int:
        mt = self._mt
        if self._mti >= _N:
            for kk in range(_N):
                y = (mt[kk] & _UPPER) | (mt[(kk + 1) % _N] & _LOWER)
                mt[kk] = mt[(kk + _M) % _N] ^ (y >> 1) ^ (_MATRIX_A if y & 1 else 0)
            self._mti = 0
        y = mt[self._mti]
        self._mti += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y

    def unif_rand(self) -> float:
        value = self._word() * 2.3283064365386963e-10
        if value <= 0.0:
            return 0.5 * _I2_32M1
        if 1.0 - value <= 0.0:
            return 1.0 - 0.5 * _I2_32M1
        return value

    def _bits(self, bits: int) -> int:
        v = 0
        for _ in range(0, bits + 1, 16):
            v = 65536 * v + math.floor(self.unif_rand() * 65536)
        return v & ((1 << bits) - 1)

    def index(self, n: int) -> int:
        """R_unif_index(n): a uniform integer in 0..n-1."""
        if n <= 0:
            return 0
        bits = math.ceil(math.log2(n))
        while True:
            value = self._bits(bits)
            if value < n:
                return value

    def sample_with_replacement(self, k: int, size: int) -> np.ndarray:
        """``sample(1:k, size, replace = TRUE)``."""
        return np.array([self.index(k) + 1 for _ in range(size)], dtype=np.int64)

    def permutation(self, n: int) -> np.ndarray:
        """``sample.int(n)`` - 1: a random order of 0..n-1."""
        pool = list(range(n))
        out = []
        remaining = n
        for _ in range(n):
            j = self.index(remaining)
            out.append(pool[j])
            remaining -= 1
            pool[j] = pool[remaining]
        return np.array(out, dtype=np.int64)


def draw_folds(scheme: str, n_folds: int, event: np.ndarray, repeats: int,
               seed: int) -> np.ndarray:  # fmt: skip
    """``repeats`` x n fold ids (1..n_folds), drawn one repeat after the other from one
    R-compatible stream seeded with ``seed``."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown fold scheme {scheme!r}")
    event = np.asarray(event)
    n = len(event)
    rng = RRandom(seed)
    out = np.zeros((repeats, n), dtype=np.int64)
    pattern = np.resize(np.arange(1, n_folds + 1), n)
    for r in range(repeats):
        if scheme == "biospear":
            out[r] = rng.sample_with_replacement(n_folds, n)
        elif scheme == "balanced":
            out[r] = pattern[rng.permutation(n)]
        else:
            folds = np.zeros(n, dtype=np.int64)
            offset = 0
            for members in (np.flatnonzero(event > 0), np.flatnonzero(event <= 0)):
                order = members[rng.permutation(len(members))]
                folds[order] = (np.arange(len(order)) + offset) % n_folds + 1
                offset += len(order)
            out[r] = folds
    return out
