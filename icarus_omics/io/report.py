"""Read a run folder into report sections, and write ``report.html``.

The folder is laid out as ``icarus-omics demo -o DIR`` writes it: one subfolder per step
(``wes/``, ``alterations/``, ``cna/``, ``signatures/``, ``rna/<comparison>/``,
``gsea/<name>/``, ``pam50/``, ``pfs/``, ``clinical/``). A section appears only when its
files exist; figures are taken as SVG when present, else PNG (PDF is not shown). Table
columns whose every value is a number are read as numbers (identifier columns such as
``sample`` and ``gene``, and numbers written with a leading zero, stay text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from icarus_omics.errors import IcarusError
from icarus_omics.io.files import staged_outputs
from icarus_omics.io.tables import READ_ERRORS, read_tsv, unreadable
from icarus_omics.report import expression, genomics, outcome
from icarus_omics.report.html import Figure, Section, render

TEXT_COLUMNS = frozenset(
    {
        "sample",
        "tumor_sample",
        "normal_sample",
        "patient",
        "gene",
        "symbol",
        "term",
        "feature",
        "marker",
        "group",
        "endpoint",
        "chrom",
    }
)
"""Identifier columns, kept as text even when every value looks like a number."""

_INTEGER = re.compile(r"[+-]?\d+")
_LEADING_ZERO = re.compile(r"[+-]?0\d")


def collect_sections(run_dir: Path) -> list[Section]:
    """The report's sections for what ``run_dir`` holds, in reading order: clinical
    endpoints, biomarkers and outcome, somatic mutations, oncogenic alterations, copy
    number, signatures, each DE comparison, each GSEA result, PAM50, the PFS signature,
    target expression, and the biomarker evaluations against response and PFS.
    Each section ends with a note of the files it was built from."""
    if not run_dir.is_dir():
        raise IcarusError(f"{run_dir}: not a folder; give the run's output folder")
    collectors: tuple[Callable[[Path], list[Section]], ...] = (
        _clinical,
        _associations,
        _wes,
        _alterations,
        _cna,
        _signatures,
        _rna,
        _gsea,
        _pam50,
        _pfs,
        _targets,
        _evaluation,
    )
    sections: list[Section] = []
    for collect in collectors:
        sections += collect(run_dir)
    return sections


def write_report(run_dir: Path, out: Path, title: str, manifest: dict[str, Any]) -> None:
    """Write the report of ``run_dir`` to ``out`` (staged beside it, then renamed, so a
    reader never sees half a page)."""
    page = render(title, collect_sections(run_dir), manifest)
    with (
        staged_outputs(out.parent) as stage,
        open(stage.path(out.name), "w", encoding="utf-8", newline="\n") as handle,
    ):
        handle.write(page)


# --- reading -----------------------------------------------------------------------------


def read_report_table(path: Path, required: tuple[str, ...] = ()) -> pd.DataFrame:
    """A TSV with its all-numeric columns as numbers (integers as ``Int64``)."""
    table = read_tsv(path, required, what=path.name)
    for column in table.columns:
        if str(column) not in TEXT_COLUMNS:
            table[column] = _typed(table[column])
    return table


def _typed(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip()
    present = text != ""
    if not present.any() or text[present].str.match(_LEADING_ZERO.pattern).any():
        return values
    numbers = pd.to_numeric(text.where(present), errors="coerce")
    if numbers[present].isna().any():
        return values
    if text[present].str.fullmatch(_INTEGER.pattern).all():
        return numbers.astype("Int64")
    return numbers.astype(float)


def _json(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except json.JSONDecodeError as error:
        raise IcarusError(f"{path}: not valid JSON ({error}); run its step again") from None
    except READ_ERRORS as error:
        raise unreadable(path, "summary", error) from None
    return document if isinstance(document, dict) else {}


def _figure(folder: Path, stem: str, title: str, caption: str = "") -> list[Figure]:
    """The figure ``stem`` of ``folder`` (SVG, else PNG) as a one-item list, or none."""
    try:
        if (folder / f"{stem}.svg").is_file():
            return [Figure(title, svg=(folder / f"{stem}.svg").read_text("utf-8"), caption=caption)]
        if (folder / f"{stem}.png").is_file():
            return [Figure(title, png=(folder / f"{stem}.png").read_bytes(), caption=caption)]
    except READ_ERRORS as error:
        raise unreadable(folder / stem, "figure", error) from None
    return []


def _sourced(section: Section, run_dir: Path, folder: Path, names: list[str]) -> Section:
    """``section`` with a closing note naming the files (relative to the run) it used."""
    listed = []
    for name in names:
        used = [p for p in sorted(folder.glob(name)) if p.is_file()]
        if len(used) > 2:  # one entry per sample: say how many, not each
            relative = (folder / name).relative_to(run_dir).as_posix()
            listed.append(f"{relative} ({len(used)} files)")
        else:
            listed += [p.relative_to(run_dir).as_posix() for p in used]
    if not listed:
        return section
    return replace(section, notes=[*section.notes, f"Files: {', '.join(listed)}"])


def _existing(path: Path, required: tuple[str, ...] = ()) -> pd.DataFrame | None:
    return read_report_table(path, required) if path.is_file() else None


# --- one collector per step --------------------------------------------------------------


def _clinical(run_dir: Path) -> list[Section]:
    folder = run_dir / "clinical"
    endpoints = _existing(folder / "endpoints.tsv", ("endpoint", "group", "estimate"))
    if endpoints is None:
        return []
    figures = _figure(
        folder,
        "km_pfs",
        "Progression-free survival",
        "Kaplan-Meier estimate with its confidence band; censored patients "
        "marked, numbers at risk under the axis.",
    )
    figures += _figure(
        folder,
        "waterfall",
        "Best change in target lesions",
        "Coloured by best response; dashed lines at +20% and -30%.",
    )
    section = outcome.endpoints_section(endpoints, figures)
    return [_sourced(section, run_dir, folder, ["endpoints.tsv", "km_pfs.*", "waterfall.*"])]


def _associations(run_dir: Path) -> list[Section]:
    folder = run_dir / "clinical"
    association = _existing(folder / "association.tsv", ("marker", "outcome", "test", "p_value"))
    if association is None:
        return []
    figures = _figure(
        folder,
        "forest",
        "Markers against outcome",
        "Hazard and odds ratios with their confidence intervals.",
    )
    section = outcome.associations_section(association, figures)
    return [_sourced(section, run_dir, folder, ["association.tsv", "forest.*"])]


def _wes(run_dir: Path) -> list[Section]:
    folder = run_dir / "wes"
    cohort = _existing(folder / "cohort_summary.tsv", ("sample", "passed"))
    attrition = {
        path.name.removesuffix(".filter_attrition.tsv"): read_report_table(
            path, ("step", "filter", "removed", "remaining")
        )
        for path in sorted(folder.glob("*.filter_attrition.tsv"))
    }
    summaries = {
        path.name.removesuffix(".summary.json"): _json(path)
        for path in sorted(folder.glob("*.summary.json"))
    }
    if cohort is None and not attrition and not summaries:
        return []
    section = genomics.wes_section(cohort, attrition, summaries)
    names = ["cohort_summary.tsv", "*.filter_attrition.tsv", "*.summary.json"]
    return [_sourced(section, run_dir, folder, names)]


def _alterations(run_dir: Path) -> list[Section]:
    folder = run_dir / "alterations"
    required = (
        "gene",
        "alteration",
        "group_a",
        "group_b",
        "altered_a",
        "total_a",
        "altered_b",
        "total_b",
        "padj",
    )
    frequency = _existing(folder / "alteration_frequency.tsv", required)
    if frequency is None:
        return []
    figures = _figure(
        folder,
        "oncoplot",
        "Oncoplot",
        "Samples by group then alteration pattern; genes by frequency.",
    )
    section = genomics.alterations_section(frequency, figures)
    return [_sourced(section, run_dir, folder, ["alteration_frequency.tsv", "oncoplot.*"])]


def _cna(run_dir: Path) -> list[Section]:
    folder = run_dir / "cna"
    genes = {
        path.name.removesuffix(".cna_genes.tsv"): read_report_table(path, ("gene", "category"))
        for path in sorted(folder.glob("*.cna_genes.tsv"))
    }
    if not genes:
        return []
    return [_sourced(genomics.cna_section(genes), run_dir, folder, ["*.cna_genes.tsv"])]


def _signatures(run_dir: Path) -> list[Section]:
    folder = run_dir / "signatures"
    exposures = _existing(folder / "exposures.tsv", ("sample",))
    quality = _existing(folder / "fit_quality.tsv", ("sample", "fitted", "cosine_similarity"))
    association = _existing(folder / "association.tsv", ("feature", "pvalue", "padj"))
    if exposures is None and quality is None and association is None:
        return []
    figures = _figure(
        folder,
        "exposures",
        "Relative exposures",
        "Tumours not fitted (too few SNVs) are drawn as empty bars.",
    )
    section = genomics.signatures_section(exposures, quality, association, figures)
    names = [
        "exposures.tsv",
        "fit_quality.tsv",
        "association.tsv",
        "exposures.png",
        "exposures.svg",
    ]
    return [_sourced(section, run_dir, folder, names)]


def _comparisons(parent: Path, table: str) -> list[Path]:
    """Subfolders of ``parent`` holding ``table``: ``overall*`` first, then by name."""
    if not parent.is_dir():
        return []
    found = [p for p in parent.iterdir() if p.is_dir() and (p / table).is_file()]
    return sorted(found, key=lambda p: (not p.name.startswith("overall"), p.name))


def _section_id(kind: str, name: str, used: set[str]) -> str:
    """``kind-name`` made safe as an HTML id, and unique among ``used``."""
    base = f"{kind}-{re.sub(r'[^A-Za-z0-9_-]+', '-', name).strip('-') or 'unnamed'}"
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    used.add(candidate)
    return candidate


def _rna(run_dir: Path) -> list[Section]:
    return _per_comparison(
        run_dir, "rna", "de", ("gene", "log2FoldChange", "padj"), "volcano",
        ("Volcano plot", "log2 fold change against -log10 p; the top genes are named."),
        expression.de_section,
    )  # fmt: skip


def _gsea(run_dir: Path) -> list[Section]:
    return _per_comparison(
        run_dir, "gsea", "gsea", ("term", "nes", "padj"), "dotplot",
        ("Enrichment", "Normalised enrichment score; dot size: gene ratio; colour: padj."),
        expression.gsea_section,
    )  # fmt: skip


def _per_comparison(
    run_dir: Path,
    kind: str,
    stem: str,
    required: tuple[str, ...],
    figure: str,
    words: tuple[str, str],
    build: Callable[..., Section],
) -> list[Section]:
    """One section per comparison folder under ``run_dir/kind`` holding ``STEM_results.tsv``
    (DE: ``de_results.tsv``, GSEA: ``gsea_results.tsv``), its summary and its figure."""
    sections, used = [], set[str]()
    table, summary_name = f"{stem}_results.tsv", f"{stem}_summary.json"
    for folder in _comparisons(run_dir / kind, table):
        results = read_report_table(folder / table, required)
        path = folder / summary_name
        summary = _json(path) if path.is_file() else None
        figures = _figure(folder, figure, f"{words[0]}, {folder.name}", words[1])
        section = build(_section_id(stem, folder.name, used), folder.name, results, summary,
                        figures)  # fmt: skip
        sections.append(_sourced(section, run_dir, folder, [table, summary_name, f"{figure}.*"]))
    return sections


def _pam50(run_dir: Path) -> list[Section]:
    folder = run_dir / "pam50"
    calls = _existing(folder / "pam50_calls.tsv", ("sample", "subtype"))
    if calls is None:
        return []
    figures = _figure(
        folder,
        "pam50",
        "PAM50 genes and calls",
        "The 50 genes over samples ordered by call, and the calls per group.",
    )
    section = expression.pam50_section(calls, figures)
    return [_sourced(section, run_dir, folder, ["pam50_calls.tsv", "pam50.*"])]


def _pfs(run_dir: Path) -> list[Section]:
    folder = run_dir / "pfs"
    signature = _existing(folder / "signature.tsv", ("gene",))
    selection = _existing(folder / "selection_frequency.tsv", ("gene",))
    path = folder / "pfs_summary.json"
    summary = _json(path) if path.is_file() else None
    if signature is None and selection is None and summary is None:
        return []
    figures = _figure(
        folder,
        "pfs_km",
        "PFS by signature risk group",
        "Kaplan-Meier by risk group with the log-rank p and numbers at risk.",
    )
    figures += _figure(
        folder,
        "pfs_selection",
        "Selection frequency",
        "How often each top gene was selected over the repeats.",
    )
    section = outcome.pfs_section(signature, selection, summary, figures)
    names = [
        "signature.tsv",
        "selection_frequency.tsv",
        "pfs_summary.json",
        "pfs_km.*",
        "pfs_selection.*",
    ]
    return [_sourced(section, run_dir, folder, names)]


EVALUATION_FIGURES = {
    "response": (("roc", "ROC curves", "With bootstrap bands; AUC and DeLong interval."),
                 ("precision_recall", "Precision-recall", "Dashed: the prevalence."),
                 ("calibration", "Calibration", "Binned observed rates and the lowess curve."),
                 ("decision_curve", "Decision curve", "Net benefit against treat-all and none."),
                 ("forest", "Odds ratios per SD", "Logistic regression, unadjusted.")),
    "pfs": (("forest", "Hazard ratios per SD", "Cox regression, unadjusted."),),
}  # fmt: skip


def _evaluation(run_dir: Path) -> list[Section]:
    sections = []
    for name in ("response", "pfs"):
        folder = run_dir / "evaluate" / name
        table = _existing(folder / "evaluation.tsv", ("score", "metric", "estimate"))
        if table is None:
            continue
        figures = []
        for stem, title, caption in EVALUATION_FIGURES[name]:
            figures += _figure(folder, stem, title, caption)
        for kind, title in (("km", "PFS by {} tertile"), ("spline", "Hazard ratio along {}")):
            for path in sorted(folder.glob(f"{kind}_*.png")) + sorted(folder.glob(f"{kind}_*.svg")):
                figures += _figure(folder, path.stem, title.format(path.stem[len(kind) + 1 :]))
        comparisons = _existing(folder / "comparisons.tsv", ("score", "versus"))
        section = outcome.evaluation_section(name, table, comparisons, figures)
        sections.append(_sourced(section, run_dir, folder, ["evaluation.tsv", "comparisons.tsv"]))
    return sections


def _targets(run_dir: Path) -> list[Section]:
    folder = run_dir / "targets"
    table = _existing(folder / "target_expression.tsv", ("sample", "gene"))
    if table is None:
        return []
    figures = _figure(folder, "target_expression", "Target expression", "log2(TPM + 1) per gene.")
    section = outcome.targets_section(table, figures)
    return [_sourced(section, run_dir, folder, ["target_expression.tsv"])]
