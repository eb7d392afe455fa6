"""The cohort report: one self-contained ``report.html`` summarising a run folder.

- ``html.py``: the page model (``Table``, ``Figure``, ``Section``) and ``render``, which
  turns it into one HTML file with inline CSS, a small inline script (sortable, filterable
  tables), inline SVG and base64 PNG figures, and no external reference of any kind.
- ``assets.py``: that stylesheet and script.
- ``sections.py``: one builder per analysis step, from its tables to a ``Section`` with a
  one-line summary (e.g. the ORR with its exact interval).

Reading the run folder is ``icarus_omics.io.report`` (``collect_sections``, ``write_report``).
"""

from icarus_omics.report.html import Figure, Section, Table, render

__all__ = ["Figure", "Section", "Table", "render"]
