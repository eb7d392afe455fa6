"""HTTP(S) downloads with the two guards every download here needs.

- **A size limit.** Every body is read in blocks and the download stops with an
  :class:`IcarusError` once it passes ``max_bytes`` (a runaway or hostile server cannot
  fill the disk or the memory); gzip bodies are limited again after unpacking.
- **Credentials stay with their host.** A request that carries a secret header (the
  OncoKB token) is sent with it as an *unredirected* header, and any redirect to another
  scheme, host or port is refused with an error, so the token never reaches a host the
  user did not configure.

Used by the resource store (``resources install URL``) and the OncoKB API client.
"""

from __future__ import annotations

import gzip
import urllib.request
from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import urlsplit

from icarus_omics.errors import IcarusError

BLOCK = 1 << 20
# Defaults: resource files (CIViC nightly, MSigDB, OncoKB tables) are tens of MiB at most;
# an API answer is a few KiB.
MAX_RESOURCE_BYTES = 1 << 30
MAX_ANSWER_BYTES = 16 << 20


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to the origin (scheme, host, port) of the first request."""

    def __init__(self, origin: tuple[str, str, int | None], secrets: Mapping[str, str]) -> None:
        self.origin = origin
        self.secrets = dict(secrets)

    def redirect_request(  # type: ignore[override]
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
        headers: Mapping[str, str], newurl: str,
    ) -> urllib.request.Request | None:  # fmt: skip
        if _origin(newurl) != self.origin:
            fp.close()
            scheme, host, port = _origin(newurl)
            raise IcarusError(
                f"refused a redirect from {self.origin[1]} to another host "
                f"({scheme}://{host}:{port}); credentials are sent only to the configured host"
            )
        follow = super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]
        for key, value in self.secrets.items():  # same origin: the credentials go along
            if follow is not None:
                follow.add_unredirected_header(key, value)
        return follow


def open_url(
    url: str, timeout: float, headers: Mapping[str, str] | None = None,
    secret_headers: Mapping[str, str] | None = None,
) -> Any:  # fmt: skip
    """Open ``url``; ``secret_headers`` are never forwarded, redirects stay on this origin.

    Returns the response object (a context manager); network errors propagate as
    urllib raises them, for the caller to word.
    """
    request = urllib.request.Request(url, headers=dict(headers or {}))
    for key, value in (secret_headers or {}).items():
        request.add_unredirected_header(key, value)
    opener = urllib.request.build_opener(_SameOriginRedirects(_origin(url), secret_headers or {}))
    return opener.open(request, timeout=timeout)


def copy_limited(stream: IO[bytes], out: IO[bytes], max_bytes: int, source: str) -> int:
    """Copy ``stream`` to ``out`` in blocks; refuse more than ``max_bytes``. Returns bytes."""
    total = 0
    while block := stream.read(BLOCK):
        total += len(block)
        if total > max_bytes:
            raise IcarusError(
                f"{source}: larger than the {max_bytes / (1 << 20):,.0f} MiB limit; "
                "download it yourself and install it with --from FILE"
            )
        out.write(block)
    return total


def copy_unpacked(
    stream: IO[bytes], out: IO[bytes], compressed: bool, max_bytes: int, source: str
) -> int:
    """:func:`copy_limited`, unpacking gzip first when ``compressed`` (limit after unpacking)."""
    if not compressed:
        return copy_limited(stream, out, max_bytes, source)
    with gzip.GzipFile(fileobj=stream) as unpacked:
        return copy_limited(unpacked, out, max_bytes, source)  # type: ignore[arg-type]


def read_limited(url: str, response: IO[bytes], max_bytes: int) -> bytes:
    """The whole body of ``response``, refused past ``max_bytes``."""
    body = response.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise IcarusError(f"{url}: answer larger than {max_bytes >> 20} MiB; refused")
    return body


__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_RESOURCE_BYTES",
    "copy_limited",
    "copy_unpacked",
    "open_url",
    "read_limited",
]
