"""A small client for Inngest's REST API (v1): look up a run or an event by its id.

    GET /v1/runs/{run_id}          one function run: status, output, ...
    GET /v1/events/{event_id}      one event: name, data, ...
    GET /v1/events/{event_id}/runs the runs an event started

Inngest Cloud wraps every answer as ``{"data": ..., "metadata": ...}``; a Dev
Server may answer bare. Requests carry the hashed form of the signing key that
the SDKs send for their own API calls, ``Authorization: Bearer <hex SHA-256 of
the key's bytes>``, never the key itself; on 401 or 403 the fallback signing key
is tried, as the SDKs do. The API must be https unless it is on this machine
(``allow_http=True`` for a self-hosted Inngest on plain http), and an answer
larger than ``max_answer_bytes`` is refused.

Configuration follows the SDKs' variables: ``INNGEST_API_BASE_URL`` (else
``INNGEST_BASE_URL``, else ``INNGEST_DEV`` when it holds a URL; default Inngest
Cloud, or ``http://127.0.0.1:8288`` when ``INNGEST_DEV`` is set), and
``INNGEST_SIGNING_KEY`` with ``INNGEST_SIGNING_KEY_FALLBACK`` (not needed for a
Dev Server).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from typing import Any

import httpx

from ..errors import (
    EncodingError,
    InngestAPIError,
    InngestAuthError,
    InngestNotFoundError,
    InngestUnavailableError,
)
from ..jsoninput import read_json
from ..net import LOCAL_HOSTS, read_capped

CLOUD_API = "https://api.inngest.com"
DEV_SERVER_API = "http://127.0.0.1:8288"
ENV_API_BASE_URL = "INNGEST_API_BASE_URL"
ENV_BASE_URL = "INNGEST_BASE_URL"
ENV_DEV = "INNGEST_DEV"
ENV_SIGNING_KEY = "INNGEST_SIGNING_KEY"
ENV_SIGNING_KEY_FALLBACK = "INNGEST_SIGNING_KEY_FALLBACK"

# Run ids and event ids are ULIDs; the stand-in's are short names. Anything
# else could reach another path of the API, so it is refused before sending.
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_FALSE = {"", "0", "false"}
_WRAPPER_KEYS = {"data", "metadata"}
_SIGNING_KEY = re.compile(r"(signkey-\w+-)?((?:[0-9a-fA-F]{2})+)")
MAX_ANSWER_BYTES = 64 * 1024 * 1024


def hashed_signing_key(signing_key: str) -> str:
    """What the SDKs send as the bearer token: the hex SHA-256 of the key's bytes (the
    hex after its ``signkey-<env>-`` prefix). [`InngestAuthError`][] for a key not of that form."""
    match = _SIGNING_KEY.fullmatch(signing_key.strip())
    if match is None:
        raise InngestAuthError(
            f"{ENV_SIGNING_KEY} is not a signing key "
            "(signkey-<env>-<hex>, as the dashboard shows it)"
        )
    return hashlib.sha256(bytes.fromhex(match.group(2))).hexdigest()


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


class InngestAPI:
    """Look up runs and events; every failure is an [`InngestAPIError`][] subclass."""

    def __init__(
        self,
        base_url: str = CLOUD_API,
        signing_key: str | None = None,
        *,
        signing_key_fallback: str | None = None,
        timeout: float = 30.0,
        allow_http: bool = False,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = httpx.URL(self.base_url)
        self.plain_http = parts.scheme == "http" and parts.host not in LOCAL_HOSTS
        if parts.scheme not in ("http", "https") or (self.plain_http and not allow_http):
            raise InngestAuthError(
                f"the Inngest API must be https off this machine, not {self.base_url}: the "
                "signing key's hash and your data travel over it (a self-hosted Inngest on "
                "plain http: allow it explicitly)"
            )
        self._tokens = [
            hashed_signing_key(key) for key in (signing_key, signing_key_fallback) if key
        ]
        self._max_answer = max_answer_bytes
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, allow_http: bool = False
    ) -> InngestAPI:
        """Configured by the SDKs' environment variables (see the module docstring)."""
        env = os.environ if environ is None else environ
        dev = env.get(ENV_DEV, "").strip()
        base = env.get(ENV_API_BASE_URL, "").strip() or env.get(ENV_BASE_URL, "").strip()
        if not base and _is_url(dev):
            base = dev
        if not base:
            base = DEV_SERVER_API if dev.lower() not in _FALSE else CLOUD_API
        return cls(
            base,
            env.get(ENV_SIGNING_KEY, "").strip() or None,
            signing_key_fallback=env.get(ENV_SIGNING_KEY_FALLBACK, "").strip() or None,
            allow_http=allow_http,
        )

    @property
    def configured(self) -> bool:
        """Whether lookups can work: a signing key, or an API other than Inngest Cloud
        (a Dev Server needs none)."""
        return bool(self._tokens) or self.base_url != CLOUD_API

    def run(self, run_id: str) -> dict[str, Any]:
        """The function run ``run_id``, as Inngest stores it (its output still encrypted)."""
        return self._object(self._get(f"/v1/runs/{_checked(run_id, 'run')}", "run", run_id))

    def event(self, event_id: str) -> dict[str, Any]:
        """The event ``event_id``, as Inngest stores it."""
        found = self._get(f"/v1/events/{_checked(event_id, 'event')}", "event", event_id)
        if isinstance(found, list) and len(found) == 1:
            found = found[0]
        return self._object(found)

    def event_runs(self, event_id: str) -> list[dict[str, Any]]:
        """The function runs the event ``event_id`` started (possibly none)."""
        found = self._get(f"/v1/events/{_checked(event_id, 'event')}/runs", "event", event_id)
        if found is None:
            return []
        if not isinstance(found, list) or not all(isinstance(run, dict) for run in found):
            raise self._unexpected()
        return found

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> InngestAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<InngestAPI {self.base_url} signing_keys={len(self._tokens)}>"

    # Requests -------------------------------------------------------------

    def _get(self, path: str, kind: str, wanted: str) -> Any:
        url = self.base_url + path
        status, content = self._send(url, self._tokens[0] if self._tokens else None)
        if status in (401, 403) and len(self._tokens) > 1:
            status, content = self._send(url, self._tokens[1])
        if status in (401, 403):
            raise InngestAuthError(self._refused(status), status=status)
        if status == 404:
            raise InngestNotFoundError(
                f"Inngest at {self.base_url} has no {kind} {wanted}", status=status
            )
        if status >= 400:
            raise InngestUnavailableError(
                f"Inngest at {self.base_url} answered {status} for the {kind}", status=status
            )
        if content is None:
            raise InngestUnavailableError(
                f"Inngest at {self.base_url} answered more than {self._max_answer} bytes "
                f"for the {kind}",
                status=status,
            )
        try:
            body = read_json(content, "the answer")
        except EncodingError:
            raise self._unexpected() from None
        return _unwrap(body)

    def _send(self, url: str, token: str | None) -> tuple[int, bytes | None]:
        headers = {"accept": "application/json"}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        try:
            with self._http.stream("GET", url, headers=headers) as response:
                return response.status_code, read_capped(response, self._max_answer)
        except httpx.TimeoutException:
            raise InngestUnavailableError(
                f"Inngest at {self.base_url} did not answer in time"
            ) from None
        except httpx.HTTPError as error:
            reason = type(error).__name__
            raise InngestUnavailableError(
                f"cannot reach Inngest at {self.base_url} ({reason})"
            ) from None

    def _refused(self, status: int) -> str:
        if not self._tokens:
            return (
                f"Inngest at {self.base_url} answered {status}: set {ENV_SIGNING_KEY} "
                f"(or {ENV_DEV} for a local Dev Server)"
            )
        return (
            f"Inngest at {self.base_url} refused the signing key ({status}): check "
            f"{ENV_SIGNING_KEY} (and {ENV_SIGNING_KEY_FALLBACK}) for this environment"
        )

    def _object(self, found: Any) -> dict[str, Any]:
        if not isinstance(found, dict):
            raise self._unexpected()
        return found

    def _unexpected(self) -> InngestAPIError:
        return InngestUnavailableError(
            f"Inngest at {self.base_url} answered with something other than the expected JSON"
        )


def _checked(identifier: str, kind: str) -> str:
    if not _ID.fullmatch(identifier):
        raise InngestNotFoundError(
            f"that is not a {kind} id (ids are letters, digits, '-' and '_', at most 128)"
        )
    return identifier


def _unwrap(body: Any) -> Any:
    """``data`` of Inngest Cloud's ``{"data": ..., "metadata": ...}``; a bare answer as it is."""
    if isinstance(body, dict) and "data" in body and set(body) <= _WRAPPER_KEYS:
        return body["data"]
    return body


__all__ = ["InngestAPI"]
