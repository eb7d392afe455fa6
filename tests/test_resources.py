"""The resource store: validation, atomic installs, integrity checks, URLs and the CLI."""

from __future__ import annotations

import functools
import gzip
import json
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from icarus_omics import resources
from icarus_omics.commands import resources as command
from icarus_omics.errors import IcarusError
from tests.conftest import CliResult, shared_file

ONCOKB_VARIANTS = (
    "Isoform\tGene\tAlteration\tProtein Change\tOncogenicity\tMutation Effect\n"
    "ENST00000288602\tBRAF\tV600E\tV600E\tOncogenic\tGain-of-function\n"
)
ONCOKB_GENES = (
    "Hugo Symbol\tEntrez Gene ID\tIs Oncogene\tIs Tumor Suppressor Gene\tGene Aliases\n"
    "BRAF\t673\tYes\tNo\tBRAF1\n"
)
CIVIC_VARIANTS = (
    "variant_id\tvariant_civic_url\tgene\tentrez_id\tvariant\tsummary\n"
    "12\thttps://civicdb.org/links/variants/12\tBRAF\t673\tV600E\tBRAF V600E is...\n"
)
CIVIC_EVIDENCE = (
    "molecular_profile\tdisease\tevidence_type\tevidence_direction\tevidence_level\tsignificance\n"
    "BRAF V600E\tMelanoma\tPredictive\tSupports\tA\tSensitivity/Response\n"
)
HALLMARK = (
    "HALLMARK_APOPTOSIS\thttp://www.gsea-msigdb.org/x\tCASP3\tCASP8\tBAX\n"
    "HALLMARK_HYPOXIA\thttp://www.gsea-msigdb.org/y\tHIF1A\tVEGFA\n"
)
KEGG = "KEGG_APOPTOSIS\thttp://www.gsea-msigdb.org/z\tCASP3\tCASP8\n"


def pam50_table(rows: int = 50, header: str = "gene\tLumA\tLumB\tHer2\tBasal\tNormal") -> str:
    body = "".join(f"G{i}\t0.1\t-0.2\t0.3\t-0.4\t0.5\n" for i in range(rows))
    return header + "\n" + body


PAM50_ANNOTATION = (
    "gene_name\tgene_id\thgnc_id\tproliferative\nANLN\tENSG00000011426\tHGNC:14082\t0\n"
)
SIGMA = "\tERneg_HER2neg\tERpos_HER2neg\n" + "".join(f"G{i}\t0.2\t0.6\n" for i in range(50))
ROR_COEFFICIENTS = '{"subtype": {"basal": 0.04}, "prolif": {"basal": -0.001}}'
ROR_THRESHOLDS = '{"subtype": {"low": -0.15, "high": 0.1}, "prolif": {"low": -0.25, "high": 0.1}}'

GOOD = {
    "oncokb-variants": ONCOKB_VARIANTS,
    "oncokb-genes": ONCOKB_GENES,
    "civic-variants": CIVIC_VARIANTS,
    "civic-evidence": CIVIC_EVIDENCE,
    "hallmark": HALLMARK,
    "kegg": KEGG,
    "pam50": pam50_table(),
    "pam50-annotation": PAM50_ANNOTATION,
    "pam50-subgroups": SIGMA,
    "pam50-ror": ROR_COEFFICIENTS,
    "pam50-ror-thresholds": ROR_THRESHOLDS,
}
BAD = {
    "oncokb-variants": (
        ONCOKB_VARIANTS.replace("Oncogenicity", "Oncogenic"),
        "not an OncoKB allAnnotatedVariants file: missing column 'Oncogenicity'",
    ),
    "oncokb-genes": (
        ONCOKB_GENES.replace("Hugo Symbol", "Symbol"),
        "not an OncoKB cancerGeneList file: missing column 'Hugo Symbol'",
    ),
    "civic-variants": (
        CIVIC_VARIANTS.replace("\tvariant\t", "\tname\t"),
        "not a CIViC VariantSummaries file: missing column 'variant'",
    ),
    "civic-evidence": (
        CIVIC_EVIDENCE.replace("\tsignificance", "\tsig"),
        "missing column 'clinical_significance' or 'significance'",
    ),
    "hallmark": (KEGG, "gene set 'KEGG_APOPTOSIS' does not start with HALLMARK_"),
    "kegg": ("KEGG_EMPTY\thttp://x\n", "gene set 'KEGG_EMPTY' has no genes"),
    "pam50": (pam50_table(header="gene\tLumA\tLumB\tHer2\tBasal"), "missing column Normal"),
    "pam50-annotation": (
        PAM50_ANNOTATION.replace("gene_id", "ensembl"),
        "missing column 'gene_id'",
    ),
    "pam50-subgroups": (SIGMA.replace("\t0.6\n", "\t1.6\n", 1), "quantile 1.6 is outside 0..1"),
    "pam50-ror": ('{"subtype": {}}', "not PAM50 ROR coefficients: missing prolif"),
    "pam50-ror-thresholds": ("[1, 2]", "not PAM50 ROR thresholds: missing subtype, prolif"),
}


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty store; downloads never go through a proxy."""
    folder = tmp_path / "store"
    monkeypatch.setenv("ICARUS_RESOURCES", str(folder))
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)
    return folder


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def local_cli() -> typer.Typer:
    root = typer.Typer(add_completion=False)

    @root.callback()
    def _root() -> None:
        """Test root."""

    root.add_typer(command.app, name="resources")
    return root


ROOT = local_cli()


def run(*args: object) -> CliResult:
    """Invoke ``icarus-omics resources ARGS``; IcarusError becomes exit 1 as in cli.main."""
    result = CliRunner().invoke(ROOT, ["resources", *[str(a) for a in args]])
    if isinstance(result.exception, IcarusError):
        return 1, result.stdout, result.stderr + f"error: {result.exception}\n"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- store location


def test_store_follows_icarus_resources(store: Path) -> None:
    assert resources.store_dir() == store


def test_store_defaults_to_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ICARUS_RESOURCES")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resources.store_dir() == tmp_path / "xdg" / "icarus-omics"


def test_store_falls_back_to_local_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ICARUS_RESOURCES")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resources.store_dir() == tmp_path / ".local" / "share" / "icarus-omics"


# ---------------------------------------------------------------- validators


def test_registry_covers_the_fixtures() -> None:
    assert set(resources.known_resources()) == set(GOOD) == set(BAD)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_install_accepts_a_good_file(name: str, tmp_path: Path, store: Path) -> None:
    source = write(tmp_path, "input.txt", GOOD[name])
    manifest = resources.install(name, str(source), version="v1")
    assert manifest.name == name and manifest.version == "v1"
    assert manifest.source == str(source) and manifest.size == len(GOOD[name])
    path = resources.resource_path(name)
    assert path.parent == store / name and path.read_text() == GOOD[name]
    saved = json.loads((store / name / "manifest.json").read_text())
    assert saved["sha256"] == manifest.sha256 and saved["installed_at"].endswith("+00:00")


@pytest.mark.parametrize("name", sorted(BAD))
def test_install_rejects_a_bad_file_before_publishing(
    name: str, tmp_path: Path, store: Path
) -> None:
    text, message = BAD[name]
    source = write(tmp_path, "input.txt", text)
    with pytest.raises(IcarusError, match=message) as raised:
        resources.install(name, str(source))
    assert str(raised.value).startswith(str(source))
    assert resources.installed_manifest(name) is None
    assert not (store / name).exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("Gene\tAlteration\tOncogenicity\tMutation Effect\n", "has a header but no data rows"),
        ("<!DOCTYPE html><html>Sign in to OncoKB</html>\n", "is an HTML or XML page"),
    ],
)
def test_tables_need_a_header_and_rows(tmp_path: Path, text: str, message: str) -> None:
    source = write(tmp_path, "input.txt", text)
    with pytest.raises(IcarusError, match=message):
        resources.install("oncokb-variants", str(source))


def test_compressed_file_without_gz_name_is_explained(tmp_path: Path) -> None:
    source = tmp_path / "variants.txt"
    source.write_bytes(gzip.compress(ONCOKB_VARIANTS.encode()))
    with pytest.raises(IcarusError, match=r"is gzip-compressed; give a name ending \.gz"):
        resources.install("oncokb-variants", str(source))


def test_local_gz_is_unpacked(tmp_path: Path) -> None:
    source = tmp_path / "variants.txt.gz"
    source.write_bytes(gzip.compress(ONCOKB_VARIANTS.encode()))
    resources.install("oncokb-variants", str(source))
    assert resources.resource_path("oncokb-variants").read_text() == ONCOKB_VARIANTS


def test_civic_columns_are_case_insensitive(tmp_path: Path) -> None:
    source = write(tmp_path, "v.tsv", CIVIC_VARIANTS.replace("gene", "Gene"))
    resources.install("civic-variants", str(source))


def test_pam50_accepts_long_names_and_r_row_names(tmp_path: Path) -> None:
    header = "basal\ther2\tluminal_a\tluminal_b\tnormal"  # R write.table: no row-name column
    resources.install("pam50", str(write(tmp_path, "c.tsv", pam50_table(header=header))))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (pam50_table(rows=5), "has 5 genes; a PAM50 centroid table has about 50"),
        (pam50_table().replace("0.3", "high", 1), "line 2: Her2 value 'high' is not a number"),
    ],
)
def test_pam50_checks_rows_and_numbers(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(IcarusError, match=message):
        resources.install("pam50", str(write(tmp_path, "c.tsv", text)))


@pytest.mark.parametrize(
    ("name", "relative"),
    [
        (
            "oncokb-variants",
            "07_oncokb_civic/oncokb_variants_2018/oncokb_allAnnotatedVariants_2018-08.txt",
        ),
        ("oncokb-genes", "07_oncokb_civic/oncokb_gene_lists/oncokb_cancerGeneList_2024.tsv"),
        ("hallmark", "06_gene_sets/gseapy_repo/h.all.v7.0.symbols.gmt"),
        ("kegg", "06_gene_sets/gseapy_repo/c2.cp.kegg.v7.5.1.symbols.gmt"),
        ("pam50", "05_pam50/hoadley_lab_pam50/pam50_centroids.tsv"),
    ],
)
def test_real_files_validate_and_their_damaged_copies_do_not(
    name: str, relative: str, tmp_path: Path
) -> None:
    """Each real file passes its validator, and the same file with its first line (the
    header, or the first gene set) dropped and its remaining rows cut to one field fails."""
    path = shared_file(relative)
    resources.validate(name, path)
    lines = path.read_text(encoding="latin-1").splitlines()
    damaged = tmp_path / path.name
    damaged.write_text("\n".join(line.split("\t")[0] for line in lines[1:]) + "\n", "latin-1")
    with pytest.raises(IcarusError):
        resources.validate(name, damaged)


def test_real_files_are_told_apart() -> None:
    hallmark = shared_file("06_gene_sets/gseapy_repo/h.all.v7.0.symbols.gmt")
    with pytest.raises(IcarusError, match="does not start with KEGG_"):
        resources.validate("kegg", hallmark)
    old_genes = shared_file("07_oncokb_civic/oncokb_gene_lists/oncokb_CancerGenesList_2018-08.txt")
    with pytest.raises(IcarusError, match="missing column 'Is Oncogene'; 'Is Tumor Suppressor"):
        resources.validate("oncokb-genes", old_genes)


# ---------------------------------------------------------------- store behaviour


def test_integrity_check_catches_a_modified_file(tmp_path: Path) -> None:
    resources.install("hallmark", str(write(tmp_path, "h.gmt", HALLMARK)))
    installed = resources.resource_path("hallmark")
    installed.write_text(HALLMARK.replace("BAX", "BAK1"))
    with pytest.raises(IcarusError, match="has changed since it was installed") as raised:
        resources.resource_path("hallmark")
    assert "icarus-omics resources install hallmark --from FILE --force" in str(raised.value)
    installed.unlink()
    with pytest.raises(IcarusError, match="is missing; reinstall: icarus-omics resources install"):
        resources.resource_path("hallmark")


def test_same_content_repairs_a_damaged_install(tmp_path: Path) -> None:
    source = write(tmp_path, "h.gmt", HALLMARK)
    resources.install("hallmark", str(source))
    resources.resource_path("hallmark").write_text("damaged")
    resources.install("hallmark", str(source))
    assert resources.resource_path("hallmark").read_text() == HALLMARK


def test_unreadable_manifest_is_reported(tmp_path: Path, store: Path) -> None:
    resources.install("kegg", str(write(tmp_path, "k.gmt", KEGG)))
    (store / "kegg" / "manifest.json").write_text("{not json")
    with pytest.raises(IcarusError, match="unreadable manifest"):
        resources.resource_path("kegg")


def test_resolve_takes_files_and_names(tmp_path: Path) -> None:
    own = write(tmp_path, "mine.gmt", KEGG)
    assert resources.resolve(str(own)) == own
    resources.install("kegg", str(own))
    assert resources.resolve("kegg") == resources.resource_path("kegg")
    with pytest.raises(IcarusError, match="'hallmark' is not installed"):
        resources.resolve("hallmark")
    with pytest.raises(IcarusError, match="neither an existing file nor a resource name"):
        resources.resolve(str(tmp_path / "absent.gmt"))


def test_bundled_path_finds_checkout_resources() -> None:
    path = resources.bundled_path("SOURCES.md")
    assert path == Path(__file__).resolve().parents[1] / "resources" / "SOURCES.md"
    with pytest.raises(IcarusError, match=r"bundled file 'absent\.gmt' not found"):
        resources.bundled_path("absent.gmt")
    with pytest.raises(IcarusError, match="must be relative"):
        resources.bundled_path("../pyproject.toml")


def test_library_rejects_unknown_names() -> None:
    with pytest.raises(IcarusError, match="unknown resource 'oncokb'; known: oncokb-variants"):
        resources.resource_path("oncokb")


# ---------------------------------------------------------------- command line


def test_cli_install_path_list_remove(tmp_path: Path, store: Path) -> None:
    source = write(tmp_path, "cancerGeneList.tsv", ONCOKB_GENES)
    code, out, err = run("install", "oncokb-genes", "--from", source, "--version", "2024-06")
    assert (code, out) == (0, "")
    assert err.startswith(f"resources: installed oncokb-genes from {source} (sha256 ")
    assert "licence: OncoKB terms of use: academic research only" in err

    code, out, _ = run("path", "oncokb-genes")
    installed = Path(out.rstrip("\n"))
    assert code == 0 and installed.is_absolute() and installed.read_text() == ONCOKB_GENES

    code, out, err = run("list")
    lines = [line.split("\t") for line in out.splitlines()]
    assert lines[0] == [
        "name",
        "installed",
        "version",
        "source",
        "sha256",
        "installed_at",
        "description",
    ]
    rows = {row[0]: row for row in lines[1:]}
    assert list(rows) == list(resources.known_resources())
    assert rows["oncokb-genes"][1:4] == ["yes", "2024-06", str(source)]
    assert len(rows["oncokb-genes"][4]) == 12 and installed.name.count(rows["oncokb-genes"][4])
    assert rows["hallmark"][1:6] == ["no", "", "", "", ""]
    assert err == f"resources: 1 of 11 installed in {store}\n"

    code, out, _ = run("list", "--json")
    entries = {entry["name"]: entry for entry in json.loads(out)}
    assert entries["oncokb-genes"]["installed"] is True
    assert entries["oncokb-genes"]["path"] == str(installed)
    assert entries["civic-variants"]["default_url"].startswith("https://civicdb.org/downloads/")

    assert run("remove", "oncokb-genes") == (0, "", "resources: removed oncokb-genes\n")
    assert not (store / "oncokb-genes").exists()
    assert run("remove", "oncokb-genes")[0] == 0


def test_cli_force_is_needed_to_replace(tmp_path: Path, store: Path) -> None:
    first = write(tmp_path, "a.gmt", KEGG)
    second = write(tmp_path, "b.gmt", KEGG.replace("CASP8", "CASP9"))
    assert run("install", "kegg", "--from", first)[0] == 0
    old = resources.resource_path("kegg")

    code, out, err = run("install", "kegg", "--from", first)
    assert (code, out) == (0, "") and "kegg already installed (sha256 " in err

    code, _, err = run("install", "kegg", "--from", second)
    assert code == 1
    assert err == (
        f"error: resource 'kegg' is already installed from {first} with different content; "
        "add --force to replace it\n"
    )
    assert resources.resource_path("kegg") == old

    assert run("install", "kegg", "--from", second, "--force")[0] == 0
    assert resources.resource_path("kegg").read_text() == second.read_text()
    assert not old.exists()
    assert sorted(p.name for p in (store / "kegg").iterdir()) == [
        resources.resource_path("kegg").name,
        "manifest.json",
    ]


def test_cli_unknown_name_lists_the_known_ones() -> None:
    code, _, err = run("install", "oncokb", "--from", "x.txt")
    assert code == 1
    assert err == (
        "error: unknown resource 'oncokb'; known: oncokb-variants, oncokb-genes, "
        "civic-variants, civic-evidence, hallmark, kegg, pam50, pam50-annotation, pam50-subgroups, pam50-ror, "
        "pam50-ror-thresholds\n"
    )


def test_cli_missing_resource_names_the_install_command() -> None:
    assert run("path", "civic-evidence") == (
        1,
        "",
        "error: resource 'civic-evidence' is not installed; "
        "run: icarus-omics resources install civic-evidence --from FILE\n",
    )


def test_cli_licensed_resource_has_no_default_source() -> None:
    code, _, err = run("install", "oncokb-variants")
    assert code == 1
    assert err.startswith("error: resource 'oncokb-variants' has no public source (OncoKB ")
    assert err.endswith("run: icarus-omics resources install oncokb-variants --from FILE\n")
    assert err.count("\n") == 1


def test_cli_missing_source_file(tmp_path: Path) -> None:
    code, _, err = run("install", "pam50", "--from", tmp_path / "absent.tsv")
    assert (code, err) == (1, f"error: {tmp_path / 'absent.tsv'}: no such file\n")


# ---------------------------------------------------------------- downloads


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A local HTTP server for files in ``tmp_path/site``; yields its base URL."""
    site = tmp_path / "site"
    site.mkdir()
    write(site, "VariantSummaries.tsv", CIVIC_VARIANTS)
    (site / "h.all.gmt.gz").write_bytes(gzip.compress(HALLMARK.encode()))

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_url_install(server: str) -> None:
    url = f"{server}/VariantSummaries.tsv"
    code, _, err = run("install", "civic-variants", "--from", url)
    assert code == 0 and f"from {url} " in err
    assert resources.resource_path("civic-variants").read_text() == CIVIC_VARIANTS
    assert resources.installed_manifest("civic-variants").source == url  # type: ignore[union-attr]


def test_url_gz_is_unpacked(server: str) -> None:
    resources.install("hallmark", f"{server}/h.all.gmt.gz")
    assert resources.resource_path("hallmark").read_text() == HALLMARK


def test_url_404(server: str) -> None:
    code, _, err = run("install", "civic-variants", "--from", f"{server}/absent.tsv")
    assert (code, err) == (
        1,
        f"error: cannot download {server}/absent.tsv: HTTP 404 File not found\n",
    )


def test_url_bad_content_is_not_published(server: str, store: Path) -> None:
    with pytest.raises(IcarusError, match="not a CIViC ClinicalEvidenceSummaries file"):
        resources.install("civic-evidence", f"{server}/VariantSummaries.tsv")
    assert not (store / "civic-evidence").exists()


def test_url_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "DOWNLOAD_TIMEOUT", 0.2)
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x.tsv"
        code, _, err = run("install", "civic-variants", "--from", url)
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"error: cannot download {url}: no response within 0.2 s; offline?")


def test_url_connection_refused() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, _, err = run("install", "civic-variants", "--from", f"http://127.0.0.1:{port}/x")
    assert code == 1 and err.count("\n") == 1
    assert "Connection refused; offline? download it elsewhere and use --from FILE" in err


def test_unsupported_url_scheme() -> None:
    with pytest.raises(IcarusError, match="only http"):
        resources.install("kegg", "ftp://example.org/kegg.gmt")


def test_url_larger_than_the_limit_is_refused(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Downloads stop at the size limit (also after unpacking a .gz), nothing is published."""
    from icarus_omics.io import download

    monkeypatch.setattr(download, "MAX_RESOURCE_BYTES", 64)
    monkeypatch.setattr(resources._fetch, "__defaults__", (64,))
    for url in (f"{server}/VariantSummaries.tsv", f"{server}/h.all.gmt.gz"):
        name = "hallmark" if url.endswith(".gz") else "civic-variants"
        code, _, err = run("install", name, "--from", url)
        assert code == 1 and "larger than the 0 MiB limit" in err and err.count("\n") == 1
        assert resources.installed_manifest(name) is None
