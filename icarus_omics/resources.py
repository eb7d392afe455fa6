"""Reference data: files shipped in the wheel, and a local store for what cannot be shipped.

OncoKB and KEGG files are licensed and must never be bundled; CIViC (CC0), Hallmark (CC BY)
and PAM50 centroids could be, but users pin their own release. The store keeps one validated
copy per known resource NAME under ``$ICARUS_RESOURCES``, or else the XDG user data directory
(``$XDG_DATA_HOME/icarus-omics``, default ``~/.local/share/icarus-omics``)::

    STORE/NAME/manifest.json            name, source, version, sha256, size, installed_at, ...
    STORE/NAME/FILE.<sha256[:12]>.EXT   the data file the manifest names

The manifest is written last and is the commit point: a new file is renamed into place under
its own name first, so readers see the old install or the new one, never a mixture. Before
that, the resource's validator (:mod:`icarus_omics.io.resource_formats`) checks its layout.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import os
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from http.client import HTTPException
from pathlib import Path
from urllib.parse import urlsplit

from icarus_omics import __version__
from icarus_omics.errors import IcarusError
from icarus_omics.io import download
from icarus_omics.io.files import file_sha256, staged_outputs
from icarus_omics.io.resource_formats import (
    Validator,
    require_columns,
    require_gene_sets,
    validate_json_keys,
    validate_pam50,
    validate_pam50_subgroups,
)

DOWNLOAD_TIMEOUT = 60.0  # seconds without data before a download is abandoned
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ResourceSpec:
    """One known resource: what it is, its licence, and how to recognise a good file."""

    name: str
    description: str
    licence: str
    kind: str  # "tsv" or "gmt"
    filename: str  # name the data file gets in the store (plus the sha256 prefix)
    validate: Validator  # (file, label used in messages) -> None; raises IcarusError
    url: str | None = None  # default public source, if there is one


@dataclass(frozen=True)
class Manifest:
    """What was installed, from where, and the checksum that proves it is unchanged."""

    name: str
    source: str
    version: str | None
    sha256: str
    size: int
    installed_at: str  # UTC, ISO 8601
    icarus_omics_version: str
    file: str  # data file name inside STORE/NAME


# ---------------------------------------------------------------- registry

ONCOKB_LICENCE = "OncoKB terms of use: academic research only; never bundled"
CIVIC_LICENCE = "CC0 1.0 (public domain)"
MSIGDB = "https://data.broadinstitute.org/gsea-msigdb/msigdb/release"
CIVIC = "https://civicdb.org/downloads/nightly"

# Adding a resource is one entry here.
RESOURCES: dict[str, ResourceSpec] = {
    spec.name: spec
    for spec in (
        ResourceSpec(
            "oncokb-variants", "OncoKB annotated variants (allAnnotatedVariants.txt)",
            ONCOKB_LICENCE, "tsv", "allAnnotatedVariants.txt",
            require_columns("an OncoKB allAnnotatedVariants file", ("Gene", "Hugo Symbol"),
                            ("Alteration",), ("Oncogenicity",), ("Mutation Effect",)),
        ),
        ResourceSpec(
            "oncokb-genes", "OncoKB cancer gene list (cancerGeneList.tsv)",
            ONCOKB_LICENCE, "tsv", "cancerGeneList.tsv",
            require_columns("an OncoKB cancerGeneList file", ("Hugo Symbol",),
                            ("Is Oncogene",), ("Is Tumor Suppressor Gene",)),
        ),
        ResourceSpec(
            "civic-variants", "CIViC variant summaries (nightly-VariantSummaries.tsv)",
            CIVIC_LICENCE, "tsv", "VariantSummaries.tsv",
            require_columns("a CIViC VariantSummaries file", ("gene",), ("variant",)),
            f"{CIVIC}/nightly-VariantSummaries.tsv",
        ),
        ResourceSpec(
            "civic-evidence", "CIViC clinical evidence (nightly-ClinicalEvidenceSummaries.tsv)",
            CIVIC_LICENCE, "tsv", "ClinicalEvidenceSummaries.tsv",
            require_columns("a CIViC ClinicalEvidenceSummaries file",
                            ("gene", "molecular_profile", "variant"), ("evidence_level",),
                            ("evidence_direction",), ("clinical_significance", "significance")),
            f"{CIVIC}/nightly-ClinicalEvidenceSummaries.tsv",
        ),
        ResourceSpec(
            "hallmark", "MSigDB Hallmark gene sets, human symbols (h.all GMT)",
            "CC BY 4.0 (MSigDB Hallmark)", "gmt", "h.all.symbols.gmt",
            require_gene_sets("HALLMARK_", "the MSigDB Hallmark collection (h.all...symbols.gmt)"),
            f"{MSIGDB}/2023.2.Hs/h.all.v2023.2.Hs.symbols.gmt",
        ),
        ResourceSpec(
            "kegg", "KEGG pathway gene sets, human symbols (MSigDB c2.cp.kegg GMT)",
            "KEGG and MSigDB licence restrictions; never bundled", "gmt", "kegg.symbols.gmt",
            require_gene_sets("KEGG_", "KEGG gene sets (c2.cp.kegg...symbols.gmt)"),
        ),
        ResourceSpec(
            "pam50", "PAM50 subtype centroids (gene, LumA, LumB, Her2, Basal, Normal)",
            "as published (Parker et al. 2009); check your source's terms", "tsv",
            "pam50_centroids.tsv",
            validate_pam50,
        ),
        ResourceSpec(
            "pam50-annotation", "PAM50 gene annotation: symbol, Ensembl id, HGNC id, proliferative",
            "MIT (hoadley-lab pam50)", "tsv", "pam50_annot.tsv",
            require_columns("a PAM50 annotation (pam50_annot.tsv)", ("gene_name",), ("gene_id",),
                            ("proliferative",)),
        ),
        ResourceSpec(
            "pam50-subgroups", "PAM50 ER/HER2 subgroup gene quantiles (SIGMA.txt, UNC323)",
            "CC BY 4.0 (PAM50_ER_HER2_normalization)", "tsv", "SIGMA.txt",
            validate_pam50_subgroups,
        ),
        ResourceSpec(
            "pam50-ror", "PAM50 risk-of-recurrence coefficients (ror_coeffs.json)",
            "MIT (hoadley-lab pam50)", "json", "ror_coeffs.json",
            validate_json_keys("PAM50 ROR coefficients", ("subtype", "prolif")),
        ),
        ResourceSpec(
            "pam50-ror-thresholds", "PAM50 risk-of-recurrence group cut-offs (ror_thresholds.json)",
            "MIT (hoadley-lab pam50)", "json", "ror_thresholds.json",
            validate_json_keys("PAM50 ROR thresholds", ("subtype", "prolif")),
        ),
    )
}  # fmt: skip


def known_resources() -> dict[str, ResourceSpec]:
    """Every known resource NAME and its spec, in display order."""
    return dict(RESOURCES)


def spec_for(name: str) -> ResourceSpec:
    """The spec of ``name``; unknown names fail with the list of known ones."""
    if name not in RESOURCES:
        raise IcarusError(f"unknown resource {name!r}; known: {', '.join(RESOURCES)}")
    return RESOURCES[name]


def validate(name: str, path: Path) -> None:
    """Check that ``path`` has the layout resource ``name`` expects; raise IcarusError if not."""
    spec_for(name).validate(path, str(path))


# ---------------------------------------------------------------- the store


def store_dir() -> Path:
    """The store: ``$ICARUS_RESOURCES``, else ``$XDG_DATA_HOME/icarus-omics``, else
    ``~/.local/share/icarus-omics``. Not created here."""
    if os.environ.get("ICARUS_RESOURCES"):
        return Path(os.environ["ICARUS_RESOURCES"]).expanduser().absolute()
    data_home = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(data_home):  # the XDG spec says relative values are ignored
        data_home = str(Path.home() / ".local" / "share")
    return Path(data_home) / "icarus-omics"


def _install_hint(name: str, force: bool = False) -> str:
    return f"icarus-omics resources install {name} --from FILE" + (" --force" if force else "")


def installed_manifest(name: str) -> Manifest | None:
    """The manifest of an installed resource, or None when it is not installed."""
    path = store_dir() / spec_for(name).name / MANIFEST
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
        known = Manifest.__dataclass_fields__  # fields a later version adds are ignored
        return Manifest(**{key: value for key, value in fields.items() if key in known})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise IcarusError(
            f"{path}: unreadable manifest ({error}); reinstall: {_install_hint(name, True)}"
        ) from None


def _is_intact(path: Path, manifest: Manifest) -> bool:
    return path.is_file() and file_sha256(path) == manifest.sha256


def resource_path(name: str) -> Path:
    """The installed file of ``name``, after checking its sha256 against the manifest."""
    manifest = installed_manifest(name)
    if manifest is None:
        raise IcarusError(f"resource {name!r} is not installed; run: {_install_hint(name)}")
    path = store_dir() / name / manifest.file
    if not path.is_file():
        raise IcarusError(
            f"resource {name!r}: {path} is missing; reinstall: {_install_hint(name, True)}"
        )
    if file_sha256(path) != manifest.sha256:
        raise IcarusError(
            f"resource {name!r}: {path} has changed since it was installed (sha256 differs "
            f"from the manifest); reinstall: {_install_hint(name, True)}"
        )
    return path


def resolve(name_or_path: str) -> Path:
    """An existing file is returned as is; a known resource NAME is looked up in the store."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    if name_or_path in RESOURCES:
        return resource_path(name_or_path)
    raise IcarusError(
        f"{name_or_path!r} is neither an existing file nor a resource name ({', '.join(RESOURCES)})"
    )


def bundled_path(relative: str) -> Path:
    """A data file shipped with icarus-omics, e.g. ``genesets/x.gmt``.

    In an installed wheel the repository's ``resources/`` folder is ``icarus_omics/_resources``;
    in a source checkout it is ``resources/`` next to the package.
    """
    parts = Path(relative).parts
    if Path(relative).is_absolute() or ".." in parts or not parts:
        raise IcarusError(f"bundled file name {relative!r} must be relative, inside resources/")
    wheel = Path(str(importlib.resources.files("icarus_omics") / "_resources"))
    checkout = Path(__file__).resolve().parent.parent / "resources"
    for folder in (wheel, checkout):
        if (folder / relative).is_file():
            return folder / relative
    raise IcarusError(
        f"bundled file {relative!r} not found in {wheel} or {checkout}; reinstall icarus-omics"
    )


# ---------------------------------------------------------------- install and remove


def _is_url(source: str) -> bool:
    return "://" in source


def _fetch(
    source: str, target: Path, timeout: float, max_bytes: int = download.MAX_RESOURCE_BYTES
) -> None:
    """Copy a local file or download an http(s) URL to ``target``, unpacking ``.gz``;
    more than ``max_bytes`` (after unpacking) is refused."""
    if not _is_url(source):
        path = Path(source).expanduser()
        if not path.is_file():
            raise IcarusError(f"{source}: no such file")
        try:
            with open(path, "rb") as stream, open(target, "wb") as out:
                download.copy_unpacked(stream, out, path.name.endswith(".gz"), max_bytes, source)
        except (OSError, EOFError) as error:  # BadGzipFile is an OSError
            raise IcarusError(f"{source}: cannot read: {error}") from None
        return
    if urlsplit(source).scheme not in ("http", "https"):
        raise IcarusError(f"{source}: only http(s) URLs or local files can be installed")
    offline = "; offline? download it elsewhere and use --from FILE"
    try:
        compressed = urlsplit(source).path.endswith(".gz")
        with download.open_url(source, timeout) as response, open(target, "wb") as out:
            download.copy_unpacked(response, out, compressed, max_bytes, source)
    except urllib.error.HTTPError as error:
        error.close()  # an HTTPError holds the open response
        raise IcarusError(f"cannot download {source}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, TimeoutError, HTTPException, OSError, EOFError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            reason = f"no response within {timeout:g} s"
        raise IcarusError(f"cannot download {source}: {reason}{offline}") from None


def _data_name(filename: str, sha256: str) -> str:
    stem, dot, suffix = filename.rpartition(".")
    return f"{stem}.{sha256[:12]}.{suffix}" if dot else f"{filename}.{sha256[:12]}"


def install(
    name: str,
    source: str | None = None,
    version: str | None = None,
    force: bool = False,
    timeout: float | None = None,
) -> Manifest:
    """Fetch, validate and publish resource ``name``; return its manifest.

    ``source`` is a local file or an http(s) URL (default: the resource's public URL); a
    ``.gz`` source is unpacked. The same content again is a no-op that returns the existing
    manifest; different content replaces an install only with ``force``.
    """
    spec = spec_for(name)
    if source is None:
        if spec.url is None:
            raise IcarusError(
                f"resource {name!r} has no public source ({spec.licence}); download it yourself "
                f"and run: {_install_hint(name)}"
            )
        source = spec.url
    try:
        return _publish(spec, source, version, force, timeout)
    finally:
        with contextlib.suppress(OSError):  # only an empty folder (a failed first install)
            (store_dir() / name).rmdir()


def _publish(
    spec: ResourceSpec, source: str, version: str | None, force: bool, timeout: float | None
) -> Manifest:
    """Fetch into a scratch folder, validate, then rename the file and its manifest in."""
    name = spec.name
    folder = store_dir() / name
    previous = installed_manifest(name)
    with staged_outputs(folder) as staging:
        fetched = staging.scratch() / spec.filename
        _fetch(source, fetched, DOWNLOAD_TIMEOUT if timeout is None else timeout)
        spec.validate(fetched, source)
        sha256 = file_sha256(fetched)
        if previous is not None and previous.sha256 == sha256:
            if _is_intact(folder / previous.file, previous) and not force:
                return previous
        elif previous is not None and not force:
            raise IcarusError(
                f"resource {name!r} is already installed from {previous.source} with different "
                "content; add --force to replace it"
            )
        manifest = Manifest(
            name=name,
            source=source if _is_url(source) else str(Path(source).expanduser().absolute()),
            version=version,
            sha256=sha256,
            size=fetched.stat().st_size,
            installed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            icarus_omics_version=__version__,
            file=_data_name(spec.filename, sha256),
        )
        os.replace(fetched, staging.path(manifest.file))
        text = json.dumps(asdict(manifest), indent=2) + "\n"
        staging.path(MANIFEST).write_text(text, encoding="utf-8")
    if previous is not None and previous.file != manifest.file:
        (folder / previous.file).unlink(missing_ok=True)
    return manifest


def remove(name: str) -> bool:
    """Delete an installed resource; return False when it was not installed."""
    manifest = installed_manifest(name)
    if manifest is None:
        return False
    folder = store_dir() / name
    (folder / MANIFEST).unlink()  # the commit point goes first
    (folder / manifest.file).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty: an install in progress; leave it
        folder.rmdir()
    return True
