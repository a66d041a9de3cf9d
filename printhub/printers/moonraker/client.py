"""A small HTTP client for Moonraker's REST API that turns failures into printer errors.

Standard library only (``urllib``), like the OctoPrint client: a handful of JSON calls and one
multipart upload. Moonraker wraps every answer as ``{"result": …}`` and every failure as
``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import http.client
import json
import re
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


class MoonrakerRejected(PrinterError):
    """Moonraker (or Klippy behind it) refused a request with 400, 403 or 409.

    Klippy's G-code errors arrive as 400 with its message ("SD busy"); what that means for a
    command depends on the command, so the caller decides.
    """

    def __init__(self, code: int, reason: str):
        self.code = code
        self.reason = reason
        super().__init__(f"{reason} ({code})")


class MoonrakerClient:
    """JSON over HTTP, optionally with an API key; every failure becomes a PrinterError."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout_s: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout_s = timeout_s

    @property
    def where(self) -> str:
        return f"Moonraker at {self.base_url}"

    def get(self, path: str, **query: str) -> Any:
        """GET ``path`` and return the ``result`` of its answer."""
        return self._send("GET", path + _query_string(query))

    def post(self, path: str, **query: str) -> Any:
        """POST with the arguments in the query string, as Moonraker's docs show."""
        return self._send("POST", path + _query_string(query))

    def post_file(self, path: str, field: str, filename: str, content: bytes, **fields: str) -> Any:
        """POST a multipart form with some text fields and one file (the file last: Moonraker
        streams the upload and reads fields such as ``checksum`` before the file ends)."""
        body, content_type = multipart_body(field, filename, content, **fields)
        return self._send("POST", path, body, content_type, wrapped=False)

    def _send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str | None = None,
        *,
        wrapped: bool = True,
    ) -> Any:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        if self.api_key:
            request.add_header("X-Api-Key", self.api_key)
        request.add_header("Accept", "application/json")
        if content_type is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            raise self._http_error(err, path) from err
        except TimeoutError as err:
            raise PrinterUnavailable(
                f"{self.where} did not answer within {self.timeout_s:g} s"
            ) from err
        except OSError as err:  # refused, reset, unreachable; URLError wraps these
            reason = getattr(err, "reason", err)
            raise PrinterUnavailable(f"{self.where} cannot be reached: {reason}") from err
        except http.client.HTTPException as err:
            raise PrinterProtocolError(f"{self.where} sent a malformed answer: {err!r}") from err
        try:
            answer = json.loads(raw)
        except ValueError as err:
            raise PrinterProtocolError(f"{self.where} did not answer JSON to {path}") from err
        if not wrapped:  # the upload answers its object without the "result" envelope
            return answer
        if not isinstance(answer, dict) or "result" not in answer:
            raise PrinterProtocolError(f"{self.where} answered {path} unexpectedly: {raw!r:.200}")
        return answer["result"]

    def _http_error(self, err: urllib.error.HTTPError, path: str) -> PrinterError:
        reason = _error_text(err)
        where = self.where
        if err.code == 401:
            return PrinterAuthError(f"{where} refused the API key ({err.code}: {reason})")
        # Moonraker's own 403s are about files (one being printed, a forbidden folder).
        if err.code == 403 and "file" not in reason.lower():
            return PrinterAuthError(f"{where} refused the API key ({err.code}: {reason})")
        if err.code in (400, 403, 409):
            return MoonrakerRejected(err.code, reason)
        if err.code in (404, 413, 422):  # 422: the upload's checksum did not match
            return PrinterFileError(f"{where}: {reason} ({err.code} for {path})")
        if err.code >= 500:  # 503: Klippy is not connected to Moonraker
            return PrinterUnavailable(f"{where} failed with {err.code}: {reason}")
        return PrinterProtocolError(f"{where} rejected {path} with {err.code}: {reason}")


def _error_text(err: urllib.error.HTTPError) -> str:
    """Moonraker's reason for an error status: ``{"error": {"message"}}``, else the body.

    Where Moonraker raised a bare HTTP error (uploads do) the message is only the status's
    name ("Forbidden"); the reason is then at the end of the traceback it sends along.
    """
    try:
        raw = err.read()
    except OSError:
        raw = b""
    try:
        error = json.loads(raw)["error"]
        text = error["message"]
        detail = _TRACEBACK_REASON.search(str(error.get("traceback") or ""))
        if detail and text == err.reason:
            text = detail.group(1)
    except (ValueError, KeyError, TypeError):
        text = None
    if not text:
        text = raw.decode("utf-8", "replace").strip()[:200] or err.reason
    return str(text)


# The last line of a traceback of tornado's HTTPError: "HTTP 403: Forbidden (the reason)".
_TRACEBACK_REASON = re.compile(r"HTTPError: HTTP \d+: [^(\n]*\((.*)\)\s*$")


def _query_string(query: dict[str, str]) -> str:
    return "?" + urllib.parse.urlencode(query) if query else ""
