"""OctoPrint's printer states, as flags or texts, mapped to PrinterState."""

from __future__ import annotations

from typing import Any

from printhub.printers.base import PrinterState


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
