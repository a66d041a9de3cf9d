"""A small HTTP client for OctoPrint's REST API that turns failures into printer errors.

Standard library only (``urllib``): the connector needs a handful of JSON calls and one
multipart upload, which is not worth a dependency.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from printhub.printers.errors import (
    PrinterAuthError,
    PrinterError,
    PrinterFileError,
    PrinterProtocolError,
    PrinterUnavailable,
)
from printhub.printers.multipart import multipart_body


class OctoPrintConflict(PrinterError):
    """OctoPrint answered 409; the caller decides what that means for its command."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class OctoPrintClient:
    """JSON over HTTP with an API key; every failure becomes a PrinterError."""

    def __init__(self, base_url: str, api_key: str, timeout_s: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout_s = timeout_s

    def get(self, path: str) -> Any:
        """GET ``path`` and return its decoded JSON."""
        return self._send("GET", path)

    def post_json(self, path: str, payload: dict[str, Any]) -> Any:
        """POST a JSON object; returns the decoded answer (None for 204)."""
        body = json.dumps(payload).encode()
        return self._send("POST", path, body, "application/json")

    def post_file(self, path: str, field: str, filename: str, content: bytes, **fields: str) -> Any:
        """POST a multipart form with one file and some text fields."""
        body, content_type = multipart_body(field, filename, content, **fields)
        return self._send("POST", path, body, content_type)

    def _send(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> Any:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        request.add_header("X-Api-Key", self.api_key)
        request.add_header("Accept", "application/json")
        if content_type is not None:
            request.add_header("Content-Type", content_type)
        where = f"OctoPrint at {self.base_url}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            raise self._http_error(err, where, path) from err
        except TimeoutError as err:
            raise PrinterUnavailable(f"{where} did not answer within {self.timeout_s:g} s") from err
        except OSError as err:  # refused, reset, unreachable; URLError wraps these
            reason = getattr(err, "reason", err)
            raise PrinterUnavailable(f"{where} cannot be reached: {reason}") from err
        except http.client.HTTPException as err:
            raise PrinterProtocolError(f"{where} sent a malformed answer: {err!r}") from err
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as err:
            raise PrinterProtocolError(f"{where} did not answer JSON to {path}") from err

    @staticmethod
    def _http_error(err: urllib.error.HTTPError, where: str, path: str) -> PrinterError:
        reason = _error_text(err)
        # An unknown key makes OctoPrint treat a POST as a browser's, which fails its CSRF check.
        if err.code in (401, 403) or (err.code == 400 and "CSRF" in reason):
            return PrinterAuthError(f"{where} refused the API key ({err.code}: {reason})")
        if err.code == 409:
            return OctoPrintConflict(reason)
        if err.code in (404, 415) or (err.code == 400 and path.startswith("/api/files")):
            return PrinterFileError(f"{where}: {reason} ({err.code} for {path})")
        if err.code >= 500:
            return PrinterUnavailable(f"{where} failed with {err.code}: {reason}")
        return PrinterProtocolError(f"{where} rejected {path} with {err.code}: {reason}")


def _error_text(err: urllib.error.HTTPError) -> str:
    """OctoPrint's reason for an error status: ``{"error": …}``, else the body's text."""
    try:
        raw = err.read()
    except OSError:
        raw = b""
    try:
        text = json.loads(raw).get("error")
    except (ValueError, AttributeError):
        text = None
    if not text:
        text = raw.decode("utf-8", "replace").strip()[:200] or err.reason
    return str(text)


def quote_path(path: str) -> str:
    """A stored file's path as an URL path segment sequence."""
    return urllib.parse.quote(path, safe="/")
