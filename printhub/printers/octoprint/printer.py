"""The OctoPrint connector: one OctoPrint server drives one printer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from printhub.printers.base import Printer, PrinterState, PrinterStatus, Temperature
from printhub.printers.errors import (
    PrinterBusy,
    PrinterError,
    PrinterFileError,
    PrinterNotPrinting,
    PrinterProtocolError,
    PrinterUnavailable,
)
from printhub.printers.octoprint.client import OctoPrintClient, OctoPrintConflict, quote_path
from printhub.printers.octoprint.states import state_from_flags, state_from_text


class OctoPrintPrinter(Printer):
    """A printer behind OctoPrint's REST API, authenticated with an API key.

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
        progress = job.get("progress") or {}
        completion = progress.get("completion")
        state_text = str(job.get("state") or "")
        if printer is not None and "state" in printer:
            state = state_from_flags(printer["state"].get("flags") or {}, completion)
            error = printer["state"].get("error") or None
        else:
            state = state_from_text(state_text, completion)
            error = None
        if state is PrinterState.ERROR and not error:
            error = job.get("error") or state_text or "OctoPrint reports an error"
        temperatures = (printer or {}).get("temperature") or {}
        return PrinterStatus(
            state=state,
            progress=min(1.0, completion / 100) if completion is not None else None,
            tool=_temperature(temperatures.get("tool0")),
            bed=_temperature(temperatures.get("bed")),
            file=((job.get("job") or {}).get("file") or {}).get("path"),
            elapsed_s=_seconds(progress.get("printTime")),
            remaining_s=_seconds(progress.get("printTimeLeft")),
            error=error,
        )

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


def _temperature(heater: dict[str, Any] | None) -> Temperature | None:
    if not heater or heater.get("actual") is None:
        return None
    return Temperature(actual=float(heater["actual"]), target=float(heater.get("target") or 0))


def _seconds(value: Any) -> float | None:
    return float(value) if value is not None else None
