"""``demo``: run the pipeline on the bundled example cohort."""

from __future__ import annotations

from pathlib import Path

from icarus_omics.commands.params import OutDir, Quiet, say


def demo(outdir: OutDir = Path("icarus-demo"), quiet: Quiet = False) -> None:
    """Generate the example cohort and run every step on it."""
    say(f"demo: not yet written ({outdir})", quiet)
