"""``resources``: list, install, locate and remove reference data the tool cannot bundle."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from icarus_omics import resources as store
from icarus_omics.commands.params import Quiet, say, typer_app

app = typer_app(
    "resources", "Manage reference data that cannot be bundled (OncoKB, CIViC, gene sets, PAM50)."
)

LIST_COLUMNS = ("name", "installed", "version", "source", "sha256", "installed_at", "description")

Name = Annotated[str, typer.Argument(help="Resource name, as shown by 'resources list'.")]


def _cell(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())  # no tabs or newlines


@app.command(name="list")
def list_resources(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a TSV.")] = False,
) -> None:
    """List the known resources and what is installed, as a TSV on stdout."""
    rows = []
    for name, spec in store.known_resources().items():
        manifest = store.installed_manifest(name)
        row: dict[str, object] = {
            "name": name,
            "installed": manifest is not None,
            "description": spec.description,
            "licence": spec.licence,
            "kind": spec.kind,
            "default_url": spec.url,
        }
        if manifest is not None:
            row.update(asdict(manifest), path=str(store.store_dir() / name / manifest.file))
        rows.append(row)
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        print("\t".join(LIST_COLUMNS))
        for row in rows:
            shown = dict(row, installed="yes" if row["installed"] else "no")
            shown["sha256"] = str(row.get("sha256") or "")[:12]
            print("\t".join(_cell(shown.get(column)) for column in LIST_COLUMNS))
    installed = sum(1 for row in rows if row["installed"])
    say(f"resources: {installed} of {len(rows)} installed in {store.store_dir()}")


@app.command()
def install(
    name: Name,
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Local file or http(s) URL (.gz is unpacked); default: the public source.",
        ),
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Release label to record, e.g. 2024-06.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an installed copy.")] = False,
    quiet: Quiet = False,
) -> None:
    """Validate a resource file and copy or download it into the store."""
    spec = store.spec_for(name)
    before = store.installed_manifest(name)
    manifest = store.install(name, source, version=version, force=force)
    if manifest == before:
        say(f"resources: {name} already installed (sha256 {manifest.sha256[:12]})", quiet)
        return
    say(
        f"resources: installed {name} from {manifest.source} (sha256 {manifest.sha256[:12]}, "
        f"{manifest.size:,} bytes; licence: {spec.licence})",
        quiet,
    )


@app.command()
def path(name: Name) -> None:
    """Print the absolute path of an installed resource, after checking its checksum."""
    print(store.resource_path(name))


@app.command()
def remove(name: Name, quiet: Quiet = False) -> None:
    """Delete an installed resource from the store."""
    if store.remove(name):
        say(f"resources: removed {name}", quiet)
    else:
        say(f"resources: {name} is not installed; nothing to remove", quiet)
