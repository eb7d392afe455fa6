"""The sample side of a differential-expression analysis: which samples, which model.

Checks a sample sheet against a count matrix, applies subsets, pairs baseline and
on-treatment samples by patient, reads the design formula's columns, and builds the
nested interaction design DESeq2's documentation gives for "does the treatment effect
differ between groups" with patients nested in groups::

    ~ group + group:patient_n + group:timepoint

where ``patient_n`` numbers the patients within each group, all-zero columns dropped, and
the contrast is the difference of the two ``group:timepoint`` coefficients.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from icarus_omics.errors import IcarusError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

FORMULA_WORDS = {"C", "Q", "I", "0", "1"}  # formulaic helpers, not sheet columns


@dataclass(frozen=True)
class Contrast:
    """A factor and its tested and reference levels, as ``FACTOR:TEST:REFERENCE``."""

    factor: str
    test: str
    reference: str

    @classmethod
    def parse(cls, text: str, option: str = "--contrast") -> Contrast:
        """Read ``FACTOR:TEST:REFERENCE``."""
        parts = text.split(":")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise IcarusError(f"{option} {text!r}: expected FACTOR:TEST:REFERENCE")
        if parts[1] == parts[2]:
            raise IcarusError(f"{option} {text!r}: test and reference levels are the same")
        return cls(*(p.strip() for p in parts))

    def __str__(self) -> str:
        return f"{self.factor}:{self.test}:{self.reference}"


@dataclass(frozen=True)
class SampleReport:
    """What the sample checks removed: samples in the matrix but not in the sheet, samples
    outside the subsets, patients without both compared levels."""

    unlisted: tuple[str, ...] = ()
    outside_subset: int = 0
    unpaired_patients: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def parse_subsets(values: list[str]) -> tuple[tuple[str, str], ...]:
    """``COLUMN=VALUE`` options as pairs."""
    pairs = []
    for value in values:
        column, sep, level = value.partition("=")
        if not sep or not column.strip() or not level.strip():
            raise IcarusError(f"--subset {value!r}: expected COLUMN=VALUE")
        pairs.append((column.strip(), level.strip()))
    return tuple(pairs)


def design_columns(design: str) -> list[str]:
    """The sheet columns a formula such as ``~ patient + timepoint`` refers to."""
    if not design.strip().startswith("~"):
        raise IcarusError(f"--design {design!r}: a formula starts with '~', e.g. '~ patient + x'")
    words = re.findall(r"[A-Za-z_.][A-Za-z0-9_.]*", design)
    return list(dict.fromkeys(w for w in words if w not in FORMULA_WORDS))


def align_samples(
    sheet: pd.DataFrame, samples: list[str], sheet_name: str
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Keep the sheet rows of samples in the matrix; every sheet sample must be there.
    Returns the sheet (indexed by sample) and the matrix samples the sheet does not list."""
    if "sample" not in sheet.columns:
        raise IcarusError(f"{sheet_name}: the sample sheet needs a 'sample' column")
    names = sheet["sample"].astype(str)
    if names.duplicated().any():
        raise IcarusError(
            f"{sheet_name}: sample {names[names.duplicated()].iloc[0]} is listed twice"
        )
    missing = [s for s in names if s not in set(samples)]
    if missing:
        raise IcarusError(
            f"{sheet_name}: {len(missing)} sample(s) not in the count matrix, e.g. "
            f"{', '.join(missing[:3])}; check the sheet's sample column against the matrix header"
        )
    listed = set(names)
    unlisted = tuple(s for s in samples if s not in listed)
    return sheet.assign(sample=names).set_index("sample"), unlisted


def subset(sheet: pd.DataFrame, subsets: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """Rows matching every ``COLUMN=VALUE``."""
    for column, value in subsets:
        if column not in sheet.columns:
            raise IcarusError(f"--subset {column}={value}: the sample sheet has no column {column}")
        keep = sheet[column].astype(str) == value
        if not keep.any():
            levels = ", ".join(sorted(sheet[column].astype(str).unique())[:6])
            raise IcarusError(f"--subset {column}={value}: no sample has that value ({levels})")
        sheet = sheet[keep]
    return sheet


def check_levels(sheet: pd.DataFrame, contrast: Contrast, option: str = "--contrast") -> None:
    """The factor is a column and both levels are present."""
    if contrast.factor not in sheet.columns:
        raise IcarusError(f"{option} {contrast}: the sample sheet has no column {contrast.factor}")
    present = set(sheet[contrast.factor].astype(str))
    for level in (contrast.test, contrast.reference):
        if level not in present:
            raise IcarusError(
                f"{option} {contrast}: no sample has {contrast.factor} = {level} "
                f"(levels: {', '.join(sorted(present))})"
            )


def complete_pairs(
    sheet: pd.DataFrame, contrast: Contrast, patient: str
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Keep patients with exactly one sample at each compared level.

    Parameters
    ----------
    sheet
        One row per sample (index sample), with the contrast's factor and ``patient``.
    contrast
        The factor and its two compared levels.
    patient
        The column pairing samples.

    Returns
    -------
    tuple
        The sheet restricted to complete patients' samples at the two levels (their
        samples at other levels dropped, row order kept), and the patients dropped.
    """
    if patient not in sheet.columns:
        raise IcarusError(f"the sample sheet has no patient column {patient!r} (see --patient)")
    levels = sheet[contrast.factor].astype(str)
    compared = sheet[levels.isin([contrast.test, contrast.reference])]
    keys = [compared[patient].astype(str), compared[contrast.factor].astype(str)]
    counts = compared.groupby(keys).size()
    table = counts.unstack(fill_value=0).reindex(columns=[contrast.test, contrast.reference],
                                                 fill_value=0)  # fmt: skip
    paired = table[(table == 1).all(axis=1)].index
    dropped = tuple(sorted(set(compared[patient].astype(str)) - set(paired)))
    return compared[compared[patient].astype(str).isin(paired)], dropped


def interaction_design(
    sheet: pd.DataFrame, group: Contrast, treatment: Contrast, patient: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """The nested design ``~ group + group:patient_n + group:treatment``.

    Parameters
    ----------
    sheet
        Paired samples (index sample) with the group, treatment and patient columns.
    group, treatment
        The two factors and their test and reference levels.
    patient
        The column pairing samples; patients are numbered within each group.

    Returns
    -------
    tuple
        The design matrix (samples x coefficients, 0/1 floats, R's ``model.matrix``
        column layout and names, all-zero columns dropped) and the contrast vector (one
        weight per column): "treatment effect in ``group.test`` minus in
        ``group.reference``".
    """
    import numpy as np
    import pandas as pd

    groups = sheet[group.factor].astype(str)
    if set(groups) - {group.test, group.reference}:
        sheet = sheet[groups.isin([group.test, group.reference])]
        groups = sheet[group.factor].astype(str)
    order = [group.reference, group.test]
    patients = sheet[patient].astype(str)
    numbering = {}
    for g in order:
        for n, p in enumerate(dict.fromkeys(patients[groups == g]), start=1):
            numbering[p] = n
    patient_n = patients.map(numbering)
    treated = (sheet[treatment.factor].astype(str) == treatment.test).astype(float)
    columns = {
        "Intercept": np.ones(len(sheet)),
        f"{group.factor}{group.test}": (groups == group.test).astype(float),
    }
    for n in range(2, int(patient_n.max()) + 1):
        for g in order:
            columns[f"{group.factor}{g}:{patient}_n{n}"] = (
                (groups == g) & (patient_n == n)
            ).astype(float)
    for g in order:
        columns[f"{group.factor}{g}:{treatment.factor}{treatment.test}"] = (groups == g) * treated
    design = pd.DataFrame(
        {k: np.asarray(v, dtype=float) for k, v in columns.items()}, index=sheet.index
    )
    design = design.loc[:, (design != 0).any(axis=0)]
    contrast = np.zeros(design.shape[1])
    contrast[
        design.columns.get_loc(f"{group.factor}{group.test}:{treatment.factor}{treatment.test}")
    ] = 1
    contrast[
        design.columns.get_loc(
            f"{group.factor}{group.reference}:{treatment.factor}{treatment.test}"
        )
    ] = -1
    return design, contrast
