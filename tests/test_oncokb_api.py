"""The OncoKB API client against a fake OncoKB server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.io.oncokb_api import OncokbApi

SEEN: list[tuple[str, dict[str, list[str]], str]] = []


class FakeOncokb(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        SEEN.append((url.path, query, self.headers.get("Authorization", "")))
        if self.headers.get("Authorization") != "Bearer good-token":
            self.send_response(401)
            self.end_headers()
            return
        if url.path.endswith("/annotate/mutations/byProteinChange"):
            oncogenic = query["alteration"] == ["V600E"]
            body = {
                "query": {"hugoSymbol": query["hugoSymbol"][0], "alteration": query["alteration"][0]},
                "geneExist": True, "variantExist": oncogenic,
                "oncogenic": "Oncogenic" if oncogenic else "Unknown",
                "mutationEffect": {"knownEffect": "Gain-of-function" if oncogenic else "Unknown"},
                "highestSensitiveLevel": "LEVEL_1" if oncogenic else None,
                "dataVersion": "v4.21",
            }  # fmt: skip
        else:
            body = {"query": {"hugoSymbol": query["hugoSymbol"][0]}, "geneExist": True,
                    "variantExist": True, "oncogenic": "Oncogenic",
                    "mutationEffect": {"knownEffect": "Gain-of-function"}, "dataVersion": "v4.21"}  # fmt: skip
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeOncokb)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    SEEN.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/v1"
    httpd.shutdown()
    httpd.server_close()


def test_mutation_verdict_cached_and_authorised(server: str, tmp_path: Path) -> None:
    api = OncokbApi("good-token", server, cache_dir=tmp_path, min_interval=0.0)
    event = api.match_mutation("BRAF", "p.Val600Glu", "Missense_Mutation")
    assert (event.oncogenicity, event.highest_level, event.kb_version, event.rule) == (
        "Oncogenic", "LEVEL_1", "v4.21", "api",
    )  # fmt: skip
    path, query, auth = SEEN[0]
    assert path == "/api/v1/annotate/mutations/byProteinChange"
    assert query == {
        "alteration": ["V600E"],
        "consequence": ["missense_variant"],
        "hugoSymbol": ["BRAF"],
    }
    assert auth == "Bearer good-token"
    again = OncokbApi("good-token", server, cache_dir=tmp_path, min_interval=0.0)
    assert again.match_mutation("BRAF", "p.V600E", "Missense_Mutation") == event
    assert again.requests == 0 and len(SEEN) == 1  # answered from the cache


def test_copy_number_and_rate_limit(server: str) -> None:
    api = OncokbApi("good-token", server, min_interval=0.05)
    first = api.match_copy_number("ERBB2", "amplification")
    assert (first.alteration, first.oncogenicity) == ("Amplification", "Oncogenic")
    api.match_copy_number("MYC", "amplification")
    assert SEEN[1][1]["copyNameAlterationType"] == ["AMPLIFICATION"]


def test_refused_token_and_missing_token(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    api = OncokbApi("bad-token", server, min_interval=0.0)
    with pytest.raises(IcarusError, match=r"HTTP 401 .* the token was refused"):
        api.match_mutation("BRAF", "p.V600E", "Missense_Mutation")
    monkeypatch.delenv("ONCOKB_API_TOKEN", raising=False)
    with pytest.raises(IcarusError, match="set ONCOKB_API_TOKEN"):
        OncokbApi(base_url=server)


def test_unreachable_server() -> None:
    api = OncokbApi("t", "http://127.0.0.1:9/api/v1", min_interval=0.0, timeout=2)
    with pytest.raises(IcarusError, match="unreachable"):
        api.match_copy_number("ERBB2", "amplification")


# ---------------------------------------------------------------- hostile servers


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def _stop(httpd: ThreadingHTTPServer) -> None:
    httpd.shutdown()
    httpd.server_close()


def _quiet_handler(
    answer: Callable[[BaseHTTPRequestHandler], None],
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def test_token_never_follows_a_redirect_to_another_host() -> None:
    """A redirect to another origin is refused, and the other host never sees the token."""
    seen: list[str] = []

    def elsewhere(h: BaseHTTPRequestHandler) -> None:
        seen.append(h.headers.get("Authorization", ""))
        h.send_response(200)
        h.end_headers()
        h.wfile.write(b"{}")

    other, other_url = _serve(_quiet_handler(elsewhere))

    def redirect(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", f"{other_url}/steal{h.path}")
        h.end_headers()

    first, first_url = _serve(_quiet_handler(redirect))
    try:
        api = OncokbApi("secret-token", f"{first_url}/api/v1", min_interval=0.0, timeout=5)
        with pytest.raises(IcarusError, match=r"refused a redirect .* to another host"):
            api.match_copy_number("ERBB2", "amplification")
    finally:
        _stop(first)
        _stop(other)
    assert seen == []


def test_token_follows_a_redirect_on_the_same_host() -> None:
    def answer(h: BaseHTTPRequestHandler) -> None:
        if h.path.startswith("/old"):
            h.send_response(301)
            h.send_header("Location", h.path.replace("/old", "/api/v1", 1))
            h.end_headers()
            return
        assert h.headers.get("Authorization") == "Bearer t"
        body = json.dumps({"oncogenic": "Oncogenic", "geneExist": True}).encode()
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    httpd, url = _serve(_quiet_handler(answer))
    try:
        event = OncokbApi("t", f"{url}/old", min_interval=0.0).match_copy_number(
            "ERBB2", "amplification"
        )
    finally:
        _stop(httpd)
    assert event.oncogenicity == "Oncogenic"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff\xfe\x00garbage", "is not UTF-8 text"),
        (b"{" + b" " * 3000 + b"}", "answer larger than"),
        (b"<html>maintenance</html>", "unreachable or garbled"),
    ],
    ids=["not-utf8", "too-large", "not-json"],
)
def test_bad_answers_are_one_line_errors(body: bytes, message: str) -> None:
    def answer(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    httpd, url = _serve(_quiet_handler(answer))
    try:
        api = OncokbApi("t", url, min_interval=0.0, max_answer_bytes=2048)
        with pytest.raises(IcarusError, match=message):
            api.match_copy_number("ERBB2", "amplification")
    finally:
        _stop(httpd)
