"""Knowledge-base options shared by ``oncokb`` and ``wes-annotate``: resource names resolved
to files here (commands resolve names; io readers take paths)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from icarus_omics import resources

if TYPE_CHECKING:
    from icarus_omics.oncogenic.civic import Civic
    from icarus_omics.oncogenic.oncokb import Verdicts


def knowledge_files(
    oncokb: str | None, oncokb_genes: str | None, civic: str | None, actionable: str | None
) -> dict[str, Path]:
    """The files behind the options (a path or an installed resource name each); ``--oncokb
    api`` has no file. Keys: oncokb, oncokb_genes, civic, actionable (given ones only)."""
    given = {"oncokb": oncokb, "oncokb_genes": oncokb_genes, "civic": civic,
             "actionable": actionable}  # fmt: skip
    return {
        key: resources.resolve(value)
        for key, value in given.items()
        if value is not None and not (key == "oncokb" and value == "api")
    }


def load_knowledge(
    oncokb: str | None,
    oncokb_genes: str | None,
    civic: str | None,
    version: str | None = None,
    actionable: str | None = None,
) -> tuple[Verdicts | None, Civic | None]:
    """OncoKB and CIViC from files or installed resource names (``oncokb-variants``,
    ``oncokb-genes``, ``civic-evidence``/``civic-variants``); ``--oncokb api`` asks the
    OncoKB web API (token in ONCOKB_API_TOKEN), caching answers in the resource store."""
    from icarus_omics.io import knowledge

    files = knowledge_files(oncokb, oncokb_genes, civic, actionable)
    cache = resources.store_dir() / "oncokb-api-cache" if oncokb == "api" else None
    get = files.get
    return knowledge.load_knowledge(
        get("oncokb"), get("oncokb_genes"), get("civic"), version, get("actionable"), cache
    )
