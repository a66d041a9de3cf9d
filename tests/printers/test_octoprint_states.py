"""OctoPrint's state flags and texts (as its API reports them) mapped to PrinterState."""

from __future__ import annotations

import pytest

from printhub.printers import PrinterState
from printhub.printers.octoprint.states import state_from_flags, state_from_text

# /api/printer's flags as OctoPrint 1.11 reports them while idle (measured on a real server).
IDLE_FLAGS = {
    "cancelling": False,
    "closedOrError": False,
    "error": False,
    "finishing": False,
    "operational": True,
    "paused": False,
    "pausing": False,
    "printing": False,
    "ready": True,
    "resuming": False,
    "sdReady": True,
}


@pytest.mark.parametrize(
    ("changed", "completion", "state"),
    [
        ({}, None, PrinterState.IDLE),
        ({}, 100.0, PrinterState.COMPLETED),
        ({}, 42.0, PrinterState.IDLE),
        ({"printing": True, "ready": False}, 10.0, PrinterState.PRINTING),
        ({"printing": True, "finishing": True}, 100.0, PrinterState.PRINTING),
        ({"pausing": True, "printing": True}, 10.0, PrinterState.PAUSING),
        ({"paused": True}, 10.0, PrinterState.PAUSED),
        ({"resuming": True}, 10.0, PrinterState.PRINTING),
        ({"cancelling": True, "printing": True}, 10.0, PrinterState.CANCELLING),
        ({"error": True, "closedOrError": True, "operational": False}, None, PrinterState.ERROR),
        ({"closedOrError": True, "operational": False}, None, PrinterState.OFFLINE),
    ],
)
def test_state_from_flags(changed, completion, state):
    assert state_from_flags(IDLE_FLAGS | changed, completion) is state


@pytest.mark.parametrize(
    ("text", "completion", "state"),
    [
        ("Offline", None, PrinterState.OFFLINE),
        ("Opening serial connection", None, PrinterState.OFFLINE),
        ("Offline after error: Too many consecutive timeouts", None, PrinterState.ERROR),
        ("Error: MAXTEMP triggered!", None, PrinterState.ERROR),
        ("Operational", None, PrinterState.IDLE),
        ("Operational", 100.0, PrinterState.COMPLETED),
        ("Printing", 12.9, PrinterState.PRINTING),
        ("Printing from SD", 12.9, PrinterState.PRINTING),
        ("Pausing", 30.0, PrinterState.PAUSING),
        ("Paused", 30.0, PrinterState.PAUSED),
        ("Cancelling", 30.0, PrinterState.CANCELLING),
        ("Something new", None, PrinterState.ERROR),
    ],
)
def test_state_from_text(text, completion, state):
    assert state_from_text(text, completion) is state
