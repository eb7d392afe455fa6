"""``run``: a cohort from one sample sheet (and a config) to every table (library: cohort/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Annotated, Any

import typer

from icarus_omics.commands.params import OutDir, Quiet, say, stderr, warn
from icarus_omics.errors import IcarusError

_SHEET = "Sample sheet (TSV): patient, sample, and per-sample inputs (vcf, segments, ...)."
_CONFIG = "Config (TOML, or YAML by suffix): [inputs] cohort files and one table per step."


def run(
    samplesheet: Annotated[Path, typer.Argument(metavar="SAMPLESHEET", exists=True,
                                                dir_okay=False, help=_SHEET)],
    outdir: OutDir = Path("icarus-run"),
    config: Annotated[Path | None, typer.Option(metavar="CONFIG", exists=True, dir_okay=False,
                                                help=_CONFIG)] = None,
    clinical: Annotated[Path | None, typer.Option(metavar="FILE", exists=True, dir_okay=False,
        help="Clinical table (one row per patient) for the clinical step; replaces the "
        "config's [inputs] clinical.")] = None,
    jobs: Annotated[int, typer.Option(min=1, max=256, metavar="N",
        help="Steps run at once (per-sample steps, and cohort steps whose inputs are ready).")] = 2,
    only: Annotated[list[str] | None, typer.Option(metavar="STEP",
        help="Run only this step (e.g. wes/P01_T, cna, pfs); repeatable.")] = None,
    force: Annotated[bool, typer.Option("--force",
        help="Run every step, even those whose outputs are current.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run",
        help="Print the steps and their command lines on stdout, run nothing.")] = False,
    quiet: Quiet = False,
) -> None:  # fmt: skip
    """Run every step the sample sheet and config allow: wes-annotate and cna per sample,
    alterations and signatures once those are done, rna-de and gsea, pam50, pfs-signature
    and clinical; up to --jobs steps at once, each as soon as the steps it reads have
    finished. Steps whose inputs are absent are skipped and said why.

    Resumable: a rerun skips the steps whose inputs and options did not change since they
    last succeeded. A failed step does not stop the others; run.json records every step
    (ran, current, skipped, failed and why), the inputs with sha256 and the versions, and
    report.html shows the results in one self-contained page.
    """
    from icarus_omics.cohort.plan import plan
    from icarus_omics.cohort.sheet import check_sheet, read_config
    from icarus_omics.io.tables import read_tsv

    table = read_tsv(samplesheet, what="sample sheet")
    sheet, problems = check_sheet(table, samplesheet.parent, str(samplesheet))
    problems += _unsafe_names(sheet, samplesheet)
    settings, config_problems = read_config(config)
    problems += config_problems
    if clinical is not None:
        settings.inputs["clinical"] = clinical.resolve()
    if problems:
        for problem in problems:
            stderr.print(f"problem: {problem}", markup=False, soft_wrap=True)
        raise IcarusError(f"{len(problems)} problem(s) in the sample sheet or config, listed "
                          "above; nothing was run")  # fmt: skip
    steps = plan(sheet, settings, outdir.resolve(), samplesheet)
    _skip_without_resources(steps)
    chosen = [s for s in steps.steps if _selected(s.name, only)]
    if only and not chosen:
        known = ", ".join(s.name for s in steps.steps)
        raise IcarusError(f"--only {', '.join(only)}: no such step (steps: {known})")
    if dry_run:
        for step in chosen:
            print(step.name + "\t" + " ".join(step.argv))
        for skip in steps.skipped:
            print(f"{skip.name}\tskipped: {skip.reason}")
        return
    for skip in steps.skipped:
        say(f"run: skipped {skip.name}: {skip.reason}", quiet)
    _write_cohort_sheet(sheet, outdir)
    results = _execute(chosen, outdir.resolve(), jobs, force, quiet)
    failed = [name for name, result in results.items() if result["status"] == "failed"]
    manifest = _write_manifest(outdir, samplesheet, config, settings, results, steps.skipped)
    from icarus_omics.io.report import write_report

    write_report(outdir, outdir / "report.html", f"icarus-omics: {samplesheet.stem}", manifest)
    ran = sum(r["status"] == "ran" for r in results.values())
    current = sum(r["status"] == "current" for r in results.values())
    say(f"run: {ran} step(s) run, {current} current, {len(steps.skipped)} skipped, "
        f"{len(failed)} failed; outputs in {outdir}", quiet)  # fmt: skip
    if failed:
        raise IcarusError(f"{len(failed)} step(s) failed: " + "; ".join(
            f"{name}: {results[name]['message']}" for name in failed))  # fmt: skip


def _unsafe_names(sheet: Any, samplesheet: Path) -> list[str]:
    """Sample names become file and step names: each must pass the file-name rule."""
    from icarus_omics.io.files import safe_name

    problems = []
    for sample in sheet["sample"] if "sample" in sheet.columns else []:
        try:
            safe_name(str(sample), "sample", "rename it in the sample sheet")
        except IcarusError as error:
            problems.append(f"{samplesheet}: {error}")
    return problems


PAM50_RESOURCES = ("pam50", "pam50-annotation", "pam50-subgroups")


def _skip_without_resources(steps: Any) -> None:
    """Steps that need reference data not installed are skipped, with the install command."""
    from icarus_omics import resources
    from icarus_omics.cohort.plan import Skip

    needs: dict[str, tuple[str, ...]] = {"pam50": PAM50_RESOURCES}
    for step in list(steps.steps):
        names: tuple[str, ...] = needs.get(step.name, ())
        if step.name.startswith("gsea/") and "--genesets" in step.argv:
            source = step.argv[step.argv.index("--genesets") + 1]
            names = (source,) if source in ("hallmark", "kegg") else ()
        missing = [n for n in names if resources.installed_manifest(n) is None]
        if missing:
            steps.steps.remove(step)
            hint = "; ".join(f"icarus-omics resources install {n} --from FILE" for n in missing)
            steps.skipped.append(Skip(step.name, f"reference data not installed: {hint}"))


def _selected(name: str, only: list[str] | None) -> bool:
    if not only:
        return True
    return any(name == o or name.split("/")[0] == o for o in only)


def _write_cohort_sheet(sheet: Any, outdir: Path) -> None:
    """OUTDIR/run/samples.tsv (the sheet's sample columns, for alterations and signatures),
    rna_samples.tsv and salmon/SAMPLE.quant.sf links when the sheet lists RNA-seq samples.
    A file whose content did not change keeps its time, so the steps reading it stay
    current."""
    from icarus_omics.cohort.plan import RNA_SHEET, SALMON_FOLDER
    from icarus_omics.cohort.sheet import rna_samples
    from icarus_omics.io.files import staged_outputs
    from icarus_omics.io.tables import write_tsv

    keep = [c for c in ("sample", "patient", "timepoint", "response", "best_response")
            if c in sheet.columns]  # fmt: skip
    tables = {"samples.tsv": sheet[keep]}
    rna = rna_samples(sheet)
    if len(rna):
        tables[RNA_SHEET] = rna
    with staged_outputs(outdir / "run") as stage:
        for name, table in tables.items():
            staged = stage.path(name)
            write_tsv(table, staged)
            target = outdir / "run" / name
            if target.exists() and target.read_bytes() == staged.read_bytes():
                staged.unlink()
    if "salmon" in sheet.columns:
        links = outdir / "run" / SALMON_FOLDER
        links.mkdir(exist_ok=True)
        for sample, quant in zip(sheet["sample"], sheet["salmon"], strict=True):
            link = links / f"{sample}.quant.sf"
            if quant and not (link.is_symlink() and os.readlink(link) == quant):
                # atomic: Snakemake's jobs (run --only) may write the same links at once
                temporary = links / f".{sample}.{os.getpid()}.link"
                temporary.unlink(missing_ok=True)
                temporary.symlink_to(quant)
                os.replace(temporary, link)


def _execute(steps: list[Any], outdir: Path, jobs: int, force: bool,
             quiet: bool) -> dict[str, dict[str, Any]]:  # fmt: skip
    from icarus_omics.cohort import state

    results: dict[str, dict[str, Any]] = {}
    origin = time.monotonic()  # steps' started / finished: seconds since the run began

    def one(step: Any) -> dict[str, Any]:
        failed_needs = [n for n in step.needs if results.get(n, {}).get("status") == "failed"]
        if failed_needs:
            return {"status": "skipped", "message": f"needs {', '.join(failed_needs)}, which "
                    "failed", "seconds": 0.0}  # fmt: skip
        if not force and state.is_current(outdir, step):
            return {"status": "current", "message": "inputs and options unchanged",
                    "seconds": 0.0}  # fmt: skip
        state.forget(outdir, step)
        started = time.monotonic()
        argv = [sys.executable, "-m", "icarus_omics", *step.argv, "-q"]
        if step.per_sample and jobs > 1 and "--threads" not in step.argv:
            argv += ["--threads", "1"]
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        live.add(child)
        try:
            _, error_text = child.communicate()
        finally:
            live.discard(child)
        done = subprocess.CompletedProcess(argv, child.returncode, "", error_text)
        finished = time.monotonic()
        seconds = round(finished - started, 2)
        timing = {"seconds": seconds, "started": round(started - origin, 3),
                  "finished": round(finished - origin, 3)}  # fmt: skip
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            message = lines[-1] if lines else f"exit code {done.returncode}"
            if done.returncode in (130, 143):
                raise KeyboardInterrupt
            return {"status": "failed", "message": message.removeprefix("error: "), **timing}
        state.save(outdir, step)
        for line in done.stderr.splitlines():
            if line.startswith("warning: "):
                warn(f"{step.name}: {line.removeprefix('warning: ')}")
        return {"status": "ran", "message": "", **timing}

    live: set[subprocess.Popen[str]] = set()
    chosen = {s.name for s in steps}
    pending = list(steps)  # plan order: per-sample steps first, then the cohort's
    running: dict[Future[dict[str, Any]], Any] = {}
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        while pending or running:
            ready = [s for s in pending
                     if all(n in results or n not in chosen for n in s.needs)]  # fmt: skip
            for step in ready:
                pending.remove(step)
                running[pool.submit(one, step)] = step
            if not running:  # a cycle cannot happen: needs point to earlier steps
                raise IcarusError("run: steps wait for each other: " + ", ".join(
                    s.name for s in pending))  # fmt: skip
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                step = running.pop(future)
                result = future.result()
                results[step.name] = {**result, "argv": list(step.argv)}
                say(f"run: {step.name}: {result['status']} {result['message']}".rstrip(), quiet)
        pool.shutdown()
    except BaseException:
        # interrupted: stop the steps still running (they leave no output, only staged
        # files that the next run removes) before the interrupt ends this one
        pool.shutdown(wait=False, cancel_futures=True)
        for child in list(live):
            child.terminate()
        for child in list(live):
            child.wait()
        raise
    return {s.name: results[s.name] for s in steps}


def _step_resources(outdir: Path, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The reference data each step used (name, file, sha256, seed), from the steps'
    summaries: COSMIC signatures, gene sets, PAM50 tables, knowledge bases."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for name in sorted(results):
        folder = outdir / name.split("/")[0]
        for summary in sorted(folder.rglob("*summary.json")) if folder.is_dir() else []:
            try:
                block = json.loads(summary.read_text()).get("run", {})
            except (OSError, ValueError):
                continue
            for item in block.get("resources") or []:
                key = (str(item.get("name")), str(item.get("sha256")))
                if item.get("path"):  # relative to the step's folder there, to OUTDIR here
                    where = (summary.parent / str(item["path"])).resolve()
                    item = {**item, "path": os.path.relpath(where, outdir.resolve())}
                found.setdefault(key, {**item, "step": name.split("/")[0],
                                       "seed": block.get("seed")})  # fmt: skip
    return list(found.values())


def _write_manifest(outdir: Path, samplesheet: Path, config: Path | None, settings: Any,
                    results: dict[str, dict[str, Any]],
                    skipped: list[Any]) -> dict[str, Any]:  # fmt: skip
    from icarus_omics.io.files import file_sha256, staged_outputs
    from icarus_omics.io.summary import write_summary

    files = {"samplesheet": samplesheet.resolve()}
    if config is not None:
        files["config"] = config.resolve()
    for name, path in settings.inputs.items():
        if isinstance(path, Path) and path.is_file():
            files[f"input:{name}"] = path
    document = {
        "steps": results,
        "resources": _step_resources(outdir, results),
        "skipped": {s.name: s.reason for s in skipped},
        "inputs": {name: {"path": str(path), "sha256": file_sha256(path)}
                   for name, path in files.items()},
        "options": settings.options,
    }  # fmt: skip
    with staged_outputs(outdir) as stage:
        write_summary(document, stage.path("run.json"), outdir)
    manifest: dict[str, Any] = json.loads((outdir / "run.json").read_text())
    return manifest
