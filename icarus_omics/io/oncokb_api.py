"""OncoKB's web API as a source of verdicts (needs a token: ``ONCOKB_API_TOKEN``).

Kept deliberately thin: one GET per distinct query, answers cached as JSON files (so a
re-run, or a second sample with the same variant, asks nothing), at most one request per
``min_interval`` seconds, and every failure turned into one IcarusError. The base URL can
be pointed elsewhere (``ONCOKB_API_URL``), which is how it is tested on a loopback server.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
from http.client import HTTPException
from pathlib import Path
from typing import Any

from icarus_omics.errors import IcarusError
from icarus_omics.io import download
from icarus_omics.oncogenic.oncokb import UNKNOWN, Event, protein_change

DEFAULT_URL = "https://www.oncokb.org/api/v1"
# OncoKB's consequence vocabulary for MAF Variant_Classification values.
CONSEQUENCES = {
    "Missense_Mutation": "missense_variant",
    "Nonsense_Mutation": "stop_gained",
    "Frame_Shift_Del": "frameshift_variant",
    "Frame_Shift_Ins": "frameshift_variant",
    "In_Frame_Del": "inframe_deletion",
    "In_Frame_Ins": "inframe_insertion",
    "Splice_Site": "splice_region_variant",
    "Nonstop_Mutation": "stop_lost",
    "Translation_Start_Site": "start_lost",
    "5'Flank": "upstream_gene_variant",
}


class OncokbApi:
    """Verdicts from the OncoKB API, with an on-disk cache and a request-rate limit."""

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        cache_dir: Path | None = None,
        min_interval: float = 0.25,
        timeout: float = 30.0,
        max_answer_bytes: int = download.MAX_ANSWER_BYTES,
    ) -> None:
        self.token = token or os.environ.get("ONCOKB_API_TOKEN", "")
        if not self.token:
            raise IcarusError(
                "--oncokb api needs a token: set ONCOKB_API_TOKEN (oncokb.org/account)"
            )
        self.base_url = (base_url or os.environ.get("ONCOKB_API_URL") or DEFAULT_URL).rstrip("/")
        self.cache_dir = cache_dir
        self.min_interval = min_interval
        self.timeout = timeout
        self.max_answer_bytes = max_answer_bytes
        self.requests = 0
        self._last = 0.0

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(sorted(params.items()))}"
        cached = self._cache_file(url)
        if cached is not None and cached.exists():
            return dict(json.loads(cached.read_text()))
        wait = self.min_interval - (time.monotonic() - self._last)
        if wait > 0:
            time.sleep(wait)
        try:
            secret = {"Authorization": f"Bearer {self.token}"}
            accept = {"Accept": "application/json"}
            with download.open_url(url, self.timeout, accept, secret) as response:
                body = download.read_limited(url, response, self.max_answer_bytes)
            answer = json.loads(body.decode("utf-8"))
        except urllib.error.HTTPError as error:
            error.close()
            hint = "; the token was refused" if error.code in (401, 403) else ""
            raise IcarusError(f"OncoKB API: HTTP {error.code} for {path}{hint}") from None
        except UnicodeDecodeError:
            raise IcarusError(
                f"OncoKB API at {self.base_url}: answer for {path} is not UTF-8 text"
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError, HTTPException, ValueError) as error:
            raise IcarusError(
                f"OncoKB API at {self.base_url} unreachable or garbled: {error}"
            ) from None
        finally:
            self._last = time.monotonic()
            self.requests += 1
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text(json.dumps(answer))
        return dict(answer)

    def _cache_file(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()[:24]}.json"

    def _event(self, gene: str, alteration: str, answer: dict[str, Any]) -> Event:
        version = answer.get("dataVersion") or ""
        effect = (answer.get("mutationEffect") or {}).get("knownEffect") or UNKNOWN
        return Event(
            gene=(answer.get("query") or {}).get("hugoSymbol") or gene,
            alteration=alteration,
            gene_in_kb=bool(answer.get("geneExist")),
            variant_in_kb=bool(answer.get("variantExist")),
            oncogenicity=answer.get("oncogenic") or UNKNOWN,
            mutation_effect=effect,
            highest_level=answer.get("highestSensitiveLevel") or "",
            rule="api",
            matched_alteration=(answer.get("query") or {}).get("alteration") or alteration,
            kb="OncoKB API",
            kb_version=str(version.get("version", "") if isinstance(version, dict) else version),
        )

    def match_mutation(self, gene: str, change: str, classification: str) -> Event:
        """The API's verdict on a protein change."""
        alteration = protein_change(change) if change else ""
        params = {"hugoSymbol": gene, "alteration": alteration}
        if classification in CONSEQUENCES:
            params["consequence"] = CONSEQUENCES[classification]
        answer = self._get("/annotate/mutations/byProteinChange", params)
        return self._event(gene, alteration or classification, answer)

    def match_copy_number(self, gene: str, change: str) -> Event:
        """The API's verdict on an ``amplification`` or ``deletion``."""
        kind = {"amplification": "AMPLIFICATION", "deletion": "DELETION"}[change]
        answer = self._get("/annotate/copyNumberAlterations",
                           {"hugoSymbol": gene, "copyNameAlterationType": kind})  # fmt: skip
        return self._event(gene, kind.title(), answer)
