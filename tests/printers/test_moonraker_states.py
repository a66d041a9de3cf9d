"""Klipper's printer objects (as Moonraker reports them) mapped to PrinterStatus."""

from __future__ import annotations

import pytest

from printhub.printers import PrinterState, Temperature
from printhub.printers.moonraker.states import (
    KLIPPY_DISCONNECTED_TEXT,
    state_from_klippy,
    state_from_print_stats,
    status_from_objects,
)

SHUTDOWN_MESSAGE = (
    "Shutdown due to M112 command\nOnce the underlying issue is corrected, use the\n"
    '"FIRMWARE_RESTART" command to reset the firmware, reload the\n'
    "config, and restart the host software.\nPrinter is shutdown\n"
)


def objects(state: str = "printing", progress: float = 0.25, **stats) -> dict:
    """The objects the connector queries, mid-print unless told otherwise."""
    return {
        "webhooks": {"state": "ready", "state_message": "Printer is ready"},
        "print_stats": {
            "filename": "part.gcode",
            "state": state,
            "message": "",
            "print_duration": 30.0,
            "total_duration": 40.0,
            **stats,
        },
        "virtual_sdcard": {"progress": progress, "is_active": state == "printing"},
        "extruder": {"temperature": 199.5, "target": 200.0},
        "heater_bed": {"temperature": 60.1, "target": 60.0},
    }


@pytest.mark.parametrize(
    ("print_state", "state"),
    [
        ("standby", PrinterState.IDLE),
        ("printing", PrinterState.PRINTING),
        ("paused", PrinterState.PAUSED),
        ("complete", PrinterState.COMPLETED),
        ("cancelled", PrinterState.CANCELLED),
        ("error", PrinterState.ERROR),
        ("something new", PrinterState.ERROR),
    ],
)
def test_print_stats_states(print_state, state):
    assert state_from_print_stats(print_state) is state


@pytest.mark.parametrize(
    ("klippy_state", "state"),
    [
        ("ready", None),
        ("startup", PrinterState.OFFLINE),
        ("disconnected", PrinterState.OFFLINE),
        ("shutdown", PrinterState.ERROR),
        ("error", PrinterState.ERROR),
    ],
)
def test_klippy_states(klippy_state, state):
    assert state_from_klippy(klippy_state) is state


def test_a_print_under_way():
    status = status_from_objects(objects())
    assert status.state is PrinterState.PRINTING
    assert status.progress == 0.25
    assert status.file == "part.gcode"
    assert status.elapsed_s == 40.0  # total_duration: wall time, pauses included
    assert status.remaining_s == pytest.approx(90.0)  # 30 s printed for a quarter
    assert status.tool == Temperature(actual=199.5, target=200.0)
    assert status.bed == Temperature(actual=60.1, target=60.0)
    assert status.error is None


def test_remaining_time():
    assert status_from_objects(objects("paused")).remaining_s == pytest.approx(90.0)
    assert status_from_objects(objects(progress=0.0)).remaining_s is None  # nothing to go by
    assert status_from_objects(objects("complete", 1.0)).remaining_s == 0
    assert status_from_objects(objects("cancelled")).remaining_s is None


def test_idle_printer_reports_no_print():
    idle = objects("standby", 0.0, filename="", print_duration=0.0, total_duration=0.0)
    status = status_from_objects(idle)
    assert status.state is PrinterState.IDLE
    assert (status.file, status.progress, status.elapsed_s, status.remaining_s) == (None,) * 4
    assert status.tool.target == 200.0


def test_failed_print_says_why():
    status = status_from_objects(objects("error", message="Move out of range: 250.000"))
    assert status.state is PrinterState.ERROR
    assert status.error == "Move out of range: 250.000"
    assert status_from_objects(objects("error")).error == "Klipper reports an error in the print"


def test_klippy_shutdown_is_an_error_with_its_first_line():
    shut = objects()
    shut["webhooks"] = {"state": "shutdown", "state_message": SHUTDOWN_MESSAGE}
    status = status_from_objects(shut)
    assert status.state is PrinterState.ERROR
    assert status.error == "Shutdown due to M112 command"
    assert status.tool is not None  # Klippy still reports its heaters after a shutdown
    # /server/info's klippy_state wins over a webhooks object that has not caught up yet.
    assert status_from_objects(objects(), "shutdown").state is PrinterState.ERROR


def test_klippy_not_ready_is_offline():
    starting = {"webhooks": {"state": "startup", "state_message": "Printer is not ready\n..."}}
    status = status_from_objects(starting)
    assert status.state is PrinterState.OFFLINE
    assert status.error == "Printer is not ready"
    assert status.tool is None and status.progress is None

    gone = status_from_objects({}, "disconnected")
    assert gone.state is PrinterState.OFFLINE
    assert gone.error == KLIPPY_DISCONNECTED_TEXT
    assert status_from_objects({}, "startup").error == "Klippy is not ready (startup)"


def test_missing_objects_read_as_unknown():
    partial = objects()
    del partial["heater_bed"], partial["extruder"]["temperature"]
    status = status_from_objects(partial)
    assert status.bed is None
    assert status.tool is None
    assert status.state is PrinterState.PRINTING
    assert status_from_objects({}).state is PrinterState.IDLE  # no webhooks: assumed ready
