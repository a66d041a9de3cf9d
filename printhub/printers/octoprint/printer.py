"""The OctoPrint connector: one OctoPrint server drives one printer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from printhub.printers.base import Printer, PrinterStatus
from printhub.printers.errors import (
    PrinterBusy,
    PrinterError,
    PrinterFileError,
    PrinterNotPrinting,
    PrinterProtocolError,
    PrinterUnavailable,
)
from printhub.printers.octoprint.client import OctoPrintClient, OctoPrintConflict, quote_path
from printhub.printers.octoprint.states import status_from_parts

if TYPE_CHECKING:
    from printhub.printers.octoprint.subscription import OctoPrintSubscription


class OctoPrintPrinter(Printer):
    """A printer behind OctoPrint's REST API (and its socket, for :meth:`subscribe`),
    authenticated with an API key.

    OctoPrint answers 409 both when the printer is busy and when it is not connected; the
    connector tells them apart: ``PrinterBusy`` / ``PrinterNotPrinting`` for the state of the
    print, ``PrinterUnavailable`` when OctoPrint has no connection to its printer.
    """

    def __init__(self, base_url: str, api_key: str, *, timeout_s: float = 10.0):
        self.client = OctoPrintClient(base_url, api_key, timeout_s)

    def __repr__(self) -> str:
        return f"OctoPrintPrinter({self.client.base_url!r})"

    def upload(self, path: str | Path, name: str | None = None) -> str:
        """Upload to OctoPrint's local storage; returns the path OctoPrint stored it under."""
        path = Path(path)
        try:
            content = path.read_bytes()
        except OSError as err:
            raise PrinterFileError(f"cannot read {path}: {err.strerror}") from err
        try:
            answer = self.client.post_file("/api/files/local", "file", name or path.name, content)
        except OctoPrintConflict as err:
            raise PrinterBusy(f"{self._where}: {err.reason}") from err
        try:
            return answer["files"]["local"]["path"]
        except (KeyError, TypeError):
            raise self._unexpected("/api/files/local", answer) from None

    def start(self, name: str) -> None:
        """Select an uploaded file and print it."""
        self._command(
            f"/api/files/local/{quote_path(name)}",
            {"command": "select", "print": True},
            PrinterBusy,
        )

    def pause(self) -> None:
        """Pause the print (pausing a paused print does nothing)."""
        self._command("/api/job", {"command": "pause", "action": "pause"}, PrinterNotPrinting)

    def resume(self) -> None:
        """Resume the paused print (resuming a running print does nothing)."""
        self._command("/api/job", {"command": "pause", "action": "resume"}, PrinterNotPrinting)

    def cancel(self) -> None:
        """Cancel the print; OctoPrint passes through CANCELLING first."""
        self._command("/api/job", {"command": "cancel"}, PrinterNotPrinting)

    def status(self) -> PrinterStatus:
        """The job from ``/api/job``, the flags and temperatures from ``/api/printer``.

        A cancelled print leaves OctoPrint "Operational" with no progress, so it reads IDLE.
        """
        job = self.client.get("/api/job")
        try:
            printer = self.client.get("/api/printer?exclude=sd")
        except OctoPrintConflict:  # "Printer is not operational": not connected
            printer = None
        return status_from_parts(
            printer.get("state") if printer is not None else None,
            job.get("job"),
            job.get("progress"),
            (printer or {}).get("temperature"),
            state_text=str(job.get("state") or ""),
            job_error=job.get("error"),
        )

    def subscribe(
        self,
        on_status: Callable[[PrinterStatus], None],
        on_error: Callable[[PrinterError], None] | None = None,
    ) -> OctoPrintSubscription:
        """Push statuses to ``on_status`` (from a background thread) as OctoPrint reports them.

        The first call carries the full status, then one per change (OctoPrint sends at most
        two a second). When the socket drops or goes silent, ``on_error`` gets a
        ``PrinterUnavailable`` and the subscription ends: subscribe again to reconnect.
        ``close()`` the subscription to stop it.
        """
        # Imported here: only the push needs the websocket package.
        from printhub.printers.octoprint.subscription import OctoPrintSubscription

        return OctoPrintSubscription(self.client, on_status=on_status, on_error=on_error)

    def statuses(self) -> OctoPrintSubscription:
        """The same pushed statuses as an iterator (``next()``; raises PrinterUnavailable when
        the socket drops); ``close()`` it, or use it as a context manager."""
        from printhub.printers.octoprint.subscription import OctoPrintSubscription

        return OctoPrintSubscription(self.client)

    def connect(self, port: str | None = None, baudrate: int | None = None) -> None:
        """Ask OctoPrint to connect to its printer (``port="VIRTUAL"`` for its simulator).

        Returns at once; the connection is up when :meth:`status` leaves OFFLINE.
        """
        payload: dict[str, Any] = {"command": "connect"}
        if port is not None:
            payload["port"] = port
        if baudrate is not None:
            payload["baudrate"] = baudrate
        self._command("/api/connection", payload, PrinterBusy)

    def disconnect(self) -> None:
        """Ask OctoPrint to close its connection to the printer."""
        self._command("/api/connection", {"command": "disconnect"}, PrinterBusy)

    # -- internals

    @property
    def _where(self) -> str:
        return f"OctoPrint at {self.client.base_url}"

    def _command(self, path: str, payload: dict[str, Any], conflict: type[PrinterError]) -> None:
        try:
            self.client.post_json(path, payload)
        except OctoPrintConflict as err:
            # 409 also means "not connected", sometimes under another reason (selecting a file
            # while offline says "already printing"): ask the printer endpoint, which knows.
            if "not operational" in err.reason or not self._is_connected():
                raise PrinterUnavailable(
                    f"{self._where} is not connected to its printer ({err.reason})"
                ) from err
            raise conflict(f"{self._where}: {err.reason}") from err

    def _is_connected(self) -> bool:
        try:
            self.client.get("/api/printer?exclude=sd,temperature")
        except OctoPrintConflict:
            return False
        return True

    def _unexpected(self, path: str, answer: Any) -> PrinterError:
        return PrinterProtocolError(f"{self._where} answered {path} unexpectedly: {answer!r:.200}")
