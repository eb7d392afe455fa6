"""VCF record lines as bytes: the columns and FORMAT values of a batch of lines, found
with numpy over the whole batch instead of one Python call per record.

The lines are htslib's own text of each record (cyvcf2's ``str(variant)``), so every
column is there and values are written the one way htslib writes them: integers as
digits (or ``.``), no ``:`` inside a FORMAT value, no tab inside a column. Anything this
module does not recognise (a value that is not digits or ``.``) is reported as such, and
the caller reads that record through cyvcf2 instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TAB, NEWLINE, COMMA, COLON, DOT, ZERO = 9, 10, 44, 58, 46, 48
CHROM, POS, REF, ALT, FILTER, INFO, FORMAT = 0, 1, 3, 4, 6, 7, 8  # columns, 0-based
MAX_DIGITS = 15  # larger counts are read through cyvcf2 (floats are exact to 15 digits)
PAD = 64  # zero bytes around a batch's buffer, for fixed-width reads near its ends
POWERS = {width: 10.0 ** np.arange(width - 1, -1, -1) for width in range(1, MAX_DIGITS + 1)}
WORD = np.dtype("<u8")  # 8 bytes read as one number, the first byte the lowest
KEEP = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)  # its first n bytes

Spans = tuple[np.ndarray, np.ndarray]  # start and end offsets, one pair per line


def _weights(words: int) -> np.ndarray:
    """Odd 64-bit multipliers, one per 8-byte word: a field longer than one word is
    told apart from others by the sum of its words times these (wrapping around)."""
    return (np.arange(words, dtype=np.uint64) * np.uint64(2) + np.uint64(1)) * np.uint64(
        0x9E3779B97F4A7C15
    )


class Lines:
    """A batch of VCF record lines joined in one buffer, with each line's columns.

    ``columns`` is the number of columns every line must have to be read here (8 for a
    sites-only VCF, 9 + samples otherwise); ``regular`` is False for lines that have
    another number (htslib leaves FORMAT and the samples out when a record has none).
    """

    def __init__(self, texts: Sequence[str], columns: int) -> None:
        self.data = "".join(texts).encode()
        # the buffer with PAD zero bytes either side, so that fixed-width windows around
        # any value stay inside it
        self.padded = np.frombuffer(bytes(PAD) + self.data + bytes(PAD), dtype=np.uint8)
        self.buf = self.padded[PAD : PAD + len(self.data)]
        self.ends = np.flatnonzero(self.buf == NEWLINE)
        self.starts = np.concatenate(([0], self.ends[:-1] + 1)) if len(self.ends) else self.ends
        self.columns = columns
        self._colons: np.ndarray | None = None
        self._commas: np.ndarray | None = None
        tabs = np.flatnonzero(self.buf == TAB)
        if len(tabs) == len(self.ends) * (columns - 1):  # the usual case: check, then reshape
            self.tabs = tabs.reshape(len(self.ends), columns - 1)
            self.regular = self._inside(self.tabs)
            if self.regular.all():
                return
        first = np.searchsorted(tabs, self.starts)
        counts = np.searchsorted(tabs, self.ends) - first + 1
        self.regular = counts == columns
        # tab offsets per line and column; lines with fewer columns repeat their last tab
        wanted = first[:, None] + np.arange(columns - 1)[None, :]
        last = np.maximum(first + counts - 2, first)[:, None]
        padded = np.append(tabs, len(self.buf))
        self.tabs = padded[np.minimum(wanted, last)] if len(tabs) else np.zeros_like(wanted)

    def _inside(self, tabs: np.ndarray) -> np.ndarray:
        """Whether each line's tabs all lie on that line."""
        if not tabs.shape[1]:
            return np.ones(len(tabs), dtype=bool)
        return (tabs[:, 0] > self.starts) & (tabs[:, -1] < self.ends)

    def __len__(self) -> int:
        return len(self.starts)

    def lengths(self) -> np.ndarray:
        """Bytes per line, newline included."""
        return self.ends - self.starts + 1

    def column(self, j: int) -> Spans:
        """Where column ``j`` (0-based: CHROM is 0) starts and ends on each line."""
        start = self.starts if j == 0 else self.tabs[:, j - 1] + 1
        end = self.ends if j == self.columns - 1 else self.tabs[:, j]
        return start, np.maximum(end, start)

    def text(self, start: int, end: int) -> str:
        """The text between two offsets."""
        return self.data[start:end].decode()

    def _window(self, first: np.ndarray, width: int) -> np.ndarray:
        """``width`` bytes (at most PAD) from each offset of ``first``, which may lie up to
        PAD bytes before the buffer or after it."""
        windows = np.lib.stride_tricks.sliding_window_view(self.padded, width)
        return windows[first + PAD]

    def _words(self, first: np.ndarray, count: int, length: np.ndarray) -> np.ndarray:
        """``count`` 64-bit words of the bytes from each offset of ``first``, the bytes
        past ``length`` set to zero (a line per row)."""
        view = np.ndarray(len(self.padded) - 7, WORD, self.padded, strides=(1,))
        words = np.empty((len(first), count), dtype=np.uint64)
        for k in range(count):
            valid = np.clip(length - 8 * k, 0, 8)
            words[:, k] = view[first + PAD + 8 * k] & KEEP[valid]
        return words

    def values(self, spans: Spans) -> tuple[np.ndarray, list[str]]:
        """The distinct texts of a field and each line's code into them (first seen
        first)."""
        start, end = spans
        if not len(start):
            return np.zeros(0, dtype=np.int64), []
        length = end - start
        count = -(-max(int(length.max()), 1) // 8)
        if count * 8 > PAD:  # a long field: compare the texts themselves
            return self._long_values(start, end)
        words = self._words(start, count, length)
        keys = words[:, 0] if count == 1 else words @ _weights(count)  # wraps around
        _, first, codes = np.unique(keys, return_index=True, return_inverse=True)
        codes = codes.ravel()
        if count > 1 and not (words == words[first[codes]]).all():  # a hash collision
            exact = np.ascontiguousarray(words).view(f"V{8 * count}").ravel()
            _, first, codes = np.unique(exact, return_index=True, return_inverse=True)
            codes = codes.ravel()
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        texts = [self.text(start[i], end[i]) for i in first[order]]
        return rank[codes], texts

    def _long_values(self, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, list[str]]:
        texts = [self.data[a:b] for a, b in zip(start.tolist(), end.tolist(), strict=True)]
        codes: dict[bytes, int] = {}
        for text in texts:
            codes.setdefault(text, len(codes))
        return np.array([codes[t] for t in texts], dtype=np.int64), [t.decode() for t in codes]

    def counts(self, spans: Spans) -> tuple[np.ndarray, np.ndarray]:
        """Non-negative integers written between the spans: (value, readable), where
        ``.`` reads as -1 and anything but digits or a lone ``.`` is not readable."""
        start, end = spans
        length = end - start
        width = int(min(max(int(length.max()), 1), MAX_DIGITS)) if len(start) else 1
        digits = self._window(end - width, width) - np.uint8(ZERO)  # right-aligned
        digits *= np.arange(width)[None, :] >= (width - length)[:, None]  # only the value's
        is_digits = (digits <= 9).all(axis=1)  # a byte below '0' wrapped around
        value = (digits @ POWERS[width]).astype(np.int64)  # exact: at most 15 digits
        dot = (length == 1) & (self.padded[start + PAD] == DOT)
        readable = (is_digits & (length >= 1) & (length <= MAX_DIGITS)) | dot
        return np.where(dot, -1, value), readable

    def subfields(
        self, spans: Spans, *keys: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The ``k``-th ``:``-separated value inside each span, for each array of ``k``
        (one per span, -1 for none): its start, end and whether it is there (htslib
        leaves out trailing missing values, so a sample may end before its ``k``-th)."""
        start, end = spans
        if self._colons is None:
            self._colons = np.append(np.flatnonzero(self.buf == COLON), len(self.buf))
        colons = self._colons
        first = np.searchsorted(colons, start)
        found = []
        for k in keys:
            before = np.clip(first + k - 1, 0, len(colons) - 1)  # the colon ahead of value k
            after = np.clip(first + k, 0, len(colons) - 1)  # the colon behind it
            present = (k == 0) | ((k > 0) & (colons[before] < end))
            value_start = np.where(k == 0, start, colons[before] + 1)
            value_end = np.where(colons[after] < end, colons[after], end)
            found.append(
                (np.where(present, value_start, end), np.where(present, value_end, end), present)
            )
        return found

    def commas(self, spans: Spans) -> tuple[np.ndarray, np.ndarray]:
        """How many commas each span holds, and where its first comma is (its end if
        none)."""
        start, end = spans
        if self._commas is None:
            self._commas = np.append(np.flatnonzero(self.buf == COMMA), len(self.buf))
        first = np.searchsorted(self._commas, start)
        count = np.searchsorted(self._commas, end) - first
        return count, np.where(count > 0, self._commas[first], end)
