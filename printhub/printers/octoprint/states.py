"""OctoPrint's printer states, as flags or texts, mapped to PrinterState."""

from __future__ import annotations

from typing import Any

from printhub.printers.base import PrinterState, PrinterStatus, Temperature


def state_from_flags(flags: dict[str, Any], completion: float | None) -> PrinterState:
    """The state from ``/api/printer``'s ``state.flags``; ``completion`` (percent) from the job.

    OctoPrint goes back to plain "Operational" after a print; a job left at 100 % tells a
    finished print apart (after a cancel OctoPrint clears the progress).
    """
    if flags.get("error"):
        return PrinterState.ERROR
    if flags.get("cancelling"):
        return PrinterState.CANCELLING
    if flags.get("pausing"):
        return PrinterState.PAUSING
    if flags.get("paused"):
        return PrinterState.PAUSED
    if flags.get("printing") or flags.get("resuming") or flags.get("finishing"):
        return PrinterState.PRINTING
    if flags.get("operational"):
        if completion is not None and completion >= 100:
            return PrinterState.COMPLETED
        return PrinterState.IDLE
    return PrinterState.OFFLINE


# Prefixes of OctoPrint's state texts (octoprint.util.comm.MachineCom.getStateString).
_TEXT_PREFIXES = (
    ("Offline after error", PrinterState.ERROR),
    ("Closed with error", PrinterState.ERROR),
    ("Error", PrinterState.ERROR),
    ("Offline", PrinterState.OFFLINE),
    ("Closed", PrinterState.OFFLINE),
    ("Opening", PrinterState.OFFLINE),
    ("Connecting", PrinterState.OFFLINE),
    ("Detecting", PrinterState.OFFLINE),
    ("Operational", PrinterState.IDLE),
    ("Starting", PrinterState.PRINTING),
    ("Printing", PrinterState.PRINTING),
    ("Sending", PrinterState.PRINTING),
    ("Transferring", PrinterState.PRINTING),
    ("Resuming", PrinterState.PRINTING),
    ("Finishing", PrinterState.PRINTING),
    ("Pausing", PrinterState.PAUSING),
    ("Paused", PrinterState.PAUSED),
    ("Cancelling", PrinterState.CANCELLING),
)


def state_from_text(text: str, completion: float | None) -> PrinterState:
    """The state from a state text such as ``/api/job``'s ``state`` (when flags are missing)."""
    for prefix, state in _TEXT_PREFIXES:
        if text.startswith(prefix):
            if state is PrinterState.IDLE and completion is not None and completion >= 100:
                return PrinterState.COMPLETED
            return state
    return PrinterState.ERROR


def status_from_parts(
    state: dict[str, Any] | None,
    job: dict[str, Any] | None,
    progress: dict[str, Any] | None,
    temperatures: dict[str, Any] | None,
    *,
    state_text: str = "",
    job_error: str | None = None,
) -> PrinterStatus:
    """A status from the pieces OctoPrint reports, by REST or on its socket.

    ``state`` is ``{"text", "flags", "error"}`` (None when OctoPrint has no printer
    connected and only ``state_text`` is known), ``job`` holds ``file``, ``progress`` holds
    ``completion`` (percent), ``printTime`` and ``printTimeLeft``, and ``temperatures`` maps
    ``tool0`` and ``bed`` to ``{"actual", "target"}``.
    """
    progress = progress or {}
    completion = progress.get("completion")
    if state is not None and "flags" in state:
        printer_state = state_from_flags(state.get("flags") or {}, completion)
        error = state.get("error") or None
    else:
        printer_state = state_from_text(str((state or {}).get("text") or state_text), completion)
        error = None
    if printer_state is PrinterState.ERROR and not error:
        error = job_error or (state or {}).get("text") or state_text
        error = error or "OctoPrint reports an error"
    temperatures = temperatures or {}
    return PrinterStatus(
        state=printer_state,
        progress=min(1.0, completion / 100) if completion is not None else None,
        tool=_temperature(temperatures.get("tool0")),
        bed=_temperature(temperatures.get("bed")),
        file=((job or {}).get("file") or {}).get("path"),
        elapsed_s=_seconds(progress.get("printTime")),
        remaining_s=_seconds(progress.get("printTimeLeft")),
        error=error,
    )


def _temperature(heater: dict[str, Any] | None) -> Temperature | None:
    if not isinstance(heater, dict) or heater.get("actual") is None:
        return None
    return Temperature(actual=float(heater["actual"]), target=float(heater.get("target") or 0))


def _seconds(value: Any) -> float | None:
    return float(value) if value is not None else None
