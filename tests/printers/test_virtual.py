"""The virtual printer, driven by a fake clock: no test sleeps."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from printhub.printers import (
    Printer,
    PrinterBusy,
    PrinterFileError,
    PrinterNotPrinting,
    PrinterState,
    PrinterUnavailable,
    VirtualPrinter,
)
from printhub.printers.virtual import POWER_LOSS_MESSAGE, Fault
from printhub.printers.virtual.gcode import estimated_print_time_s


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def printer(clock: FakeClock) -> VirtualPrinter:
    # 1 h 40 min of G-code at 10x: 600 clock seconds.
    return VirtualPrinter(time_scale=10, default_duration_s=100, clock=clock)


@pytest.fixture
def gcode(tmp_path: Path) -> Path:
    path = tmp_path / "part.gcode"
    path.write_text(
        "G28\nG1 X10 Y10\n"
        "; estimated printing time (normal mode) = 1h 40m 0s\n"
        "; estimated printing time (silent mode) = 2h 0m 0s\n"
    )
    return path


def test_is_a_printer(printer):
    assert isinstance(printer, Printer)
    assert printer.status().state is PrinterState.IDLE


@pytest.mark.parametrize(
    ("comment", "seconds"),
    [
        ("; estimated printing time (normal mode) = 1h 2m 3s", 3723.0),
        ("; estimated printing time (normal mode) = 41m 9s", 2469.0),
        ("; estimated printing time (normal mode) = 1d 0h 0m 5s", 86405.0),
        ("; estimated printing time (normal mode) = 9s", 9.0),
        ("; estimated printing time (silent mode) = 9s", None),
        ("; estimated printing time (normal mode) = soon", None),
        ("G1 X0", None),
    ],
)
def test_reads_prusaslicer_estimate(comment, seconds):
    assert estimated_print_time_s(f"G28\n{comment}\nM84\n".encode()) == seconds


def test_prints_at_the_time_scale(printer, clock, gcode):
    name = printer.upload(gcode)
    assert name == "part.gcode"
    printer.start(name)
    clock.advance(150)
    status = printer.status()
    assert status.state is PrinterState.PRINTING
    assert status.file == "part.gcode"
    assert status.progress == pytest.approx(0.25)
    assert status.elapsed_s == pytest.approx(150)
    assert status.remaining_s == pytest.approx(450)
    assert status.tool.target == 215 and status.bed.target == 60
    clock.advance(450)
    status = printer.status()
    assert status.state is PrinterState.COMPLETED
    assert status.progress == 1.0
    assert status.remaining_s == 0
    assert status.tool.target == 0 and status.tool.actual == 25


def test_file_without_estimate_uses_default_duration(printer, clock, tmp_path):
    plain = tmp_path / "plain.gcode"
    plain.write_text("G28\n")
    printer.start(printer.upload(plain, "other.gcode"))
    clock.advance(5)  # 100 s at 10x: 10 clock seconds
    assert printer.status().progress == pytest.approx(0.5)
    clock.advance(5)
    assert printer.status().state is PrinterState.COMPLETED


def test_pause_stops_progress_and_resume_continues(printer, clock, gcode):
    printer.start(printer.upload(gcode))
    clock.advance(60)
    printer.pause()
    printer.pause()  # pausing twice is harmless
    clock.advance(1000)
    status = printer.status()
    assert status.state is PrinterState.PAUSED
    assert status.progress == pytest.approx(0.1)
    printer.resume()
    clock.advance(60)
    assert printer.status().progress == pytest.approx(0.2)
    clock.advance(480)
    assert printer.status().state is PrinterState.COMPLETED


def test_cancel(printer, clock, gcode):
    printer.start(printer.upload(gcode))
    clock.advance(300)
    printer.cancel()
    clock.advance(300)
    status = printer.status()
    assert status.state is PrinterState.CANCELLED
    assert status.progress == pytest.approx(0.5)
    with pytest.raises(PrinterNotPrinting):
        printer.cancel()


def test_state_conflicts(printer, gcode):
    with pytest.raises(PrinterNotPrinting, match="cannot pause"):
        printer.pause()
    with pytest.raises(PrinterNotPrinting, match="cannot resume"):
        printer.resume()
    printer.start(printer.upload(gcode))
    with pytest.raises(PrinterBusy, match=r"busy printing 'part\.gcode'"):
        printer.start("part.gcode")
    with pytest.raises(PrinterBusy, match="while it is printing"):
        printer.upload(gcode)
    printer.upload(gcode, "next.gcode")  # another name is fine meanwhile


def test_file_errors(printer, tmp_path, gcode):
    with pytest.raises(PrinterFileError, match="upload it first"):
        printer.start("nothing.gcode")
    with pytest.raises(PrinterFileError, match="cannot read"):
        printer.upload(tmp_path / "missing.gcode")
    with pytest.raises(PrinterFileError, match="not a valid file name"):
        printer.upload(gcode, "../escape.gcode")


def test_fail_mid_print(printer, clock, gcode):
    printer.start(printer.upload(gcode))
    clock.advance(120)
    printer.fail("thermal runaway")
    clock.advance(600)
    status = printer.status()
    assert status.state is PrinterState.ERROR
    assert status.error == "thermal runaway"
    assert status.progress == pytest.approx(0.2)
    printer.start("part.gcode")  # a new print clears the error
    assert printer.status().error is None


def test_jam_pauses_until_resumed(printer, clock, gcode):
    printer.start(printer.upload(gcode))
    clock.advance(60)
    printer.jam()
    clock.advance(100)
    status = printer.status()
    assert status.state is PrinterState.PAUSED
    assert "jam" in status.error
    printer.resume()
    assert printer.status().error is None
    clock.advance(540)
    assert printer.status().state is PrinterState.COMPLETED


def test_power_loss_makes_the_printer_unavailable(printer, clock, gcode):
    printer.start(printer.upload(gcode))
    clock.advance(60)
    printer.lose_power()
    for call in (printer.status, printer.pause, printer.cancel, lambda: printer.start("x")):
        with pytest.raises(PrinterUnavailable, match="no power"):
            call()
    printer.restore_power()
    status = printer.status()
    assert status.state is PrinterState.IDLE
    assert status.file is None
    assert status.error == POWER_LOSS_MESSAGE


@pytest.mark.parametrize(
    ("fault", "state"),
    [(Fault.FAIL, PrinterState.ERROR), (Fault.JAM, PrinterState.PAUSED)],
)
def test_scheduled_fault_happens_at_its_progress(printer, clock, gcode, fault, state):
    printer.fault_at(0.5, fault)
    printer.start(printer.upload(gcode))
    clock.advance(1000)  # far past both the fault and the end of the print
    status = printer.status()
    assert status.state is state
    assert status.progress == pytest.approx(0.5)
    assert status.error


def test_scheduled_power_loss(printer, clock, gcode):
    printer.fault_at(0.3, "power_loss")
    printer.start(printer.upload(gcode))
    clock.advance(100)
    assert printer.status().state is PrinterState.PRINTING
    clock.advance(100)
    with pytest.raises(PrinterUnavailable):
        printer.status()


def test_scheduled_fault_after_the_end_waits_for_the_next_print(printer, clock, gcode):
    printer.start(printer.upload(gcode))
    clock.advance(300)
    printer.fault_at(0.25, Fault.FAIL)  # this print is past 25 %: the next one fails
    clock.advance(300)
    assert printer.status().state is PrinterState.COMPLETED
    printer.start("part.gcode")
    clock.advance(200)
    assert printer.status().state is PrinterState.ERROR


def test_rejects_bad_settings(clock):
    with pytest.raises(ValueError, match="time_scale"):
        VirtualPrinter(time_scale=0, clock=clock)
    with pytest.raises(ValueError, match="progress"):
        VirtualPrinter(clock=clock).fault_at(1.5, Fault.FAIL)


def test_threads_share_one_printer(printer, clock, gcode):
    printer.upload(gcode)
    started, busy, errors = [], [], []

    def try_start() -> None:
        try:
            printer.start("part.gcode")
            started.append(1)
        except PrinterBusy:
            busy.append(1)
        except Exception as err:  # any other error fails the test below
            errors.append(err)

    threads = [threading.Thread(target=try_start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert (len(started), len(busy), errors) == (1, 7, [])
