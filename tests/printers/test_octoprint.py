"""The OctoPrint connector against a real OctoPrint server and its bundled Virtual Printer."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from printhub.printers import (
    OctoPrintPrinter,
    PrinterAuthError,
    PrinterBusy,
    PrinterError,
    PrinterFileError,
    PrinterNotPrinting,
    PrinterState,
    PrinterStatus,
    PrinterUnavailable,
)
from printhub.printers.octoprint.subscription import OctoPrintSubscription
from tests.conftest import require
from tests.printers import waiting
from tests.printers.octoprint_server import API_KEY, OCTOPRINT, OctoPrintServer, free_port

pytestmark = pytest.mark.slow

WAIT_S = 20.0  # the longest any single wait below may take


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[OctoPrintServer]:
    require(OCTOPRINT.exists(), "OctoPrint in .venv-octoprint (scripts/install-octoprint.sh)")
    server = OctoPrintServer(tmp_path_factory.mktemp("octoprint"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def printer(server: OctoPrintServer) -> OctoPrintPrinter:
    """A connector to a server whose Virtual Printer is connected and has no print."""
    if not server.is_running:  # a test stopped it
        server.start()
    printer = OctoPrintPrinter(server.url, API_KEY, timeout_s=5)
    status = printer.status()
    if status.state is PrinterState.OFFLINE:
        printer.connect(port="VIRTUAL")
    elif status.state.is_busy:
        printer.cancel()
    wait_for(printer, lambda s: s.state in (PrinterState.IDLE, PrinterState.COMPLETED))
    return printer


def wait_for(printer, condition, timeout_s=WAIT_S) -> PrinterStatus:
    return waiting.wait_for(printer, condition, timeout_s, poll_s=0.2)


def next_matching(statuses, condition) -> tuple[PrinterStatus, list[PrinterStatus]]:
    return waiting.next_matching(statuses, condition, WAIT_S)


def write_gcode(path: Path, dwells: int, dwell_ms: int = 200) -> Path:
    """G-code the Virtual Printer takes about ``dwells × dwell_ms`` to print (G4 waits)."""
    lines = ["; printhub test print", "M104 S200", "M140 S60", "G90", "M82"]
    for i in range(dwells):
        lines += [f"G1 X{10 + i % 50} Y{10 + i % 30} Z0.2 E{i * 0.1:.1f} F3000", f"G4 P{dwell_ms}"]
    lines += ["M104 S0", "M140 S0", "; estimated printing time (normal mode) = 20s"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_prints_a_file_to_the_end(printer, tmp_path):
    name = printer.upload(write_gcode(tmp_path / "short.gcode", dwells=10, dwell_ms=100))
    assert name == "short.gcode"
    printer.start(name)
    status = wait_for(printer, lambda s: s.state is PrinterState.COMPLETED)
    assert status.progress == 1.0
    assert status.file == "short.gcode"
    assert status.remaining_s == 0


def test_pause_resume_and_cancel(printer, tmp_path):
    gcode = write_gcode(tmp_path / "long.gcode", dwells=150)  # ~30 s unless cancelled
    printer.start(printer.upload(gcode))
    # Progress and temperatures arrive a moment after the print starts (None until then).
    status = wait_for(
        printer,
        lambda s: (
            s.state is PrinterState.PRINTING
            and (s.progress or 0) > 0.02
            and s.tool is not None
            and s.tool.target == 200
        ),
    )
    assert status.file == "long.gcode"
    assert 0 < status.progress < 1
    assert status.elapsed_s is not None
    assert status.bed.target == 60

    with pytest.raises(PrinterBusy, match="already printing"):
        printer.start("long.gcode")
    with pytest.raises(PrinterBusy, match="currently being printed"):
        printer.upload(gcode)

    printer.pause()
    paused = wait_for(printer, lambda s: s.state is PrinterState.PAUSED)
    time.sleep(0.5)
    assert printer.status().progress == paused.progress  # a paused print does not advance

    printer.resume()
    wait_for(
        printer, lambda s: s.state is PrinterState.PRINTING and (s.progress or 0) > paused.progress
    )

    printer.cancel()
    status = wait_for(printer, lambda s: not s.state.is_busy)
    assert status.state is PrinterState.IDLE  # OctoPrint forgets a cancelled job's progress
    with pytest.raises(PrinterNotPrinting, match="neither printing nor paused"):
        printer.cancel()
    with pytest.raises(PrinterNotPrinting):
        printer.pause()


def test_file_errors(printer, tmp_path):
    with pytest.raises(PrinterFileError, match="404"):
        printer.start("never-uploaded.gcode")
    text = tmp_path / "notes.txt"
    text.write_text("not G-code\n")
    with pytest.raises(PrinterFileError, match="invalid type"):
        printer.upload(text)
    with pytest.raises(PrinterFileError, match="cannot read"):
        printer.upload(tmp_path / "missing.gcode")


def test_wrong_api_key(printer, server):
    intruder = OctoPrintPrinter(server.url, "not-the-key", timeout_s=5)
    with pytest.raises(PrinterAuthError, match="refused the API key"):
        intruder.status()
    with pytest.raises(PrinterAuthError):
        intruder.start("short.gcode")


def test_disconnected_printer_is_offline(printer, tmp_path):
    name = printer.upload(write_gcode(tmp_path / "offline.gcode", dwells=2))
    printer.disconnect()
    status = wait_for(printer, lambda s: s.state is PrinterState.OFFLINE)
    assert status.tool is None
    with pytest.raises(PrinterUnavailable, match="not connected to its printer"):
        printer.start(name)
    printer.connect(port="VIRTUAL")
    wait_for(printer, lambda s: s.state is PrinterState.IDLE)


def test_push_follows_a_print(printer, tmp_path):
    """OctoPrint's socket: the whole state first, then every change, temperatures kept."""
    with printer.statuses() as statuses:
        first = statuses.next(timeout_s=WAIT_S)
        assert first.state in (PrinterState.IDLE, PrinterState.COMPLETED)
        printer.start(printer.upload(write_gcode(tmp_path / "pushed.gcode", dwells=25)))
        printing, _ = next_matching(
            statuses,
            lambda s: s.state is PrinterState.PRINTING and (s.progress or 0) > 0.05,
        )
        assert printing.file == "pushed.gcode"
        assert printing.elapsed_s is not None
        done, during = next_matching(statuses, lambda s: s.state is PrinterState.COMPLETED)
    assert done.progress == 1.0
    assert done.file == "pushed.gcode"
    assert done.tool is not None and done.bed is not None  # kept from earlier readings
    progress = [s.progress for s in during if s.state is PrinterState.PRINTING]
    assert len(progress) >= 3  # pushed while printing, not once at the end
    assert progress == sorted(progress)
    assert any(s.tool and s.tool.target == 200 for s in during)
    # The pushed end agrees with the REST status.
    assert printer.status().state is PrinterState.COMPLETED


def test_push_callbacks_and_a_disconnected_printer(printer):
    pushed: list[PrinterStatus] = []
    offline = threading.Event()

    def on_status(status: PrinterStatus) -> None:
        pushed.append(status)
        if status.state is PrinterState.OFFLINE:
            offline.set()

    subscription = printer.subscribe(on_status)
    try:
        printer.disconnect()
        assert offline.wait(WAIT_S)
        printer.connect(port="VIRTUAL")
        wait_for(printer, lambda s: s.state is PrinterState.IDLE)
        deadline = time.monotonic() + WAIT_S
        while pushed[-1].state is not PrinterState.IDLE and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        subscription.close()
    assert pushed[0].state in (PrinterState.IDLE, PrinterState.COMPLETED)
    assert pushed[-1].state is PrinterState.IDLE
    assert subscription.last_status is pushed[-1]


def test_push_with_a_wrong_api_key(server):
    intruder = OctoPrintPrinter(server.url, "not-the-key", timeout_s=5)
    with pytest.raises(PrinterAuthError, match="refused the API key"):
        intruder.subscribe(lambda status: None)


def test_push_ends_when_the_server_hangs(printer, server):
    """A server that stops answering keeps its socket open: the ping finds it out."""
    errors: list[PrinterError] = []
    ended = threading.Event()

    def on_error(error: PrinterError) -> None:
        errors.append(error)
        ended.set()

    subscription = OctoPrintSubscription(
        printer.client, on_status=lambda status: None, on_error=on_error, silence_s=2
    )
    os.killpg(server.process.pid, signal.SIGSTOP)
    try:
        assert ended.wait(WAIT_S)
    finally:
        os.killpg(server.process.pid, signal.SIGCONT)
        subscription.close()
    assert len(errors) == 1
    assert isinstance(errors[0], PrinterUnavailable)
    assert "went silent" in str(errors[0])
    wait_for(printer, lambda s: s.state is PrinterState.IDLE)  # it answers again


def test_stopped_server_is_unavailable(printer, server):
    statuses = printer.statuses()
    assert statuses.next(timeout_s=WAIT_S).state is PrinterState.IDLE
    server.stop()
    with pytest.raises(PrinterUnavailable, match=r"dropped|closed"):
        while True:
            statuses.next(timeout_s=WAIT_S)
    with pytest.raises(PrinterUnavailable, match="cannot be reached"):
        printer.statuses()
    with pytest.raises(PrinterUnavailable, match="cannot be reached"):
        printer.status()
    with pytest.raises(PrinterUnavailable):
        printer.pause()


def test_silent_server_times_out():
    # A socket that accepts connections (the kernel's backlog) but never answers.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
        sock.listen()
        port = sock.getsockname()[1]
        printer = OctoPrintPrinter(f"http://127.0.0.1:{port}", API_KEY, timeout_s=0.5)
        with pytest.raises(PrinterUnavailable, match=r"did not answer within 0\.5 s"):
            printer.status()
