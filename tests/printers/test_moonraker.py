"""The Moonraker connector against a real Moonraker, with a stand-in for Klippy behind it."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import websocket

from printhub.printers import (
    MoonrakerPrinter,
    PrinterAuthError,
    PrinterBusy,
    PrinterError,
    PrinterFileError,
    PrinterNotPrinting,
    PrinterProtocolError,
    PrinterState,
    PrinterStatus,
    PrinterUnavailable,
)
from printhub.printers.moonraker.states import STATUS_OBJECTS
from printhub.printers.moonraker.subscription import MoonrakerSubscription
from tests.conftest import require
from tests.printers import waiting
from tests.printers.moonraker_server import MOONRAKER, MoonrakerServer
from tests.printers.octoprint_server import free_port

pytestmark = pytest.mark.slow

WAIT_S = 15.0  # the longest any single wait below may take
BYTES_PER_S = 4000.0  # the stand-in's print speed: a 40-line file takes about a quarter second


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[MoonrakerServer]:
    require(MOONRAKER.exists(), "Moonraker in .venv-moonraker (scripts/install-moonraker.sh)")
    # Short paths: a unix socket's path may not exceed 107 bytes.
    server = MoonrakerServer(tmp_path_factory.mktemp("moonraker"), tick_s=0.05)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def printer(server: MoonrakerServer) -> MoonrakerPrinter:
    """A connector to a Moonraker whose Klippy is ready and has no print under way."""
    if not server.is_running:  # a test stopped it
        server.stop()
        server.start()
    if server.klippy.state != "ready" or not server.klippy.clients:
        server.klippy.stop()
        server.wait_for_klippy("disconnected")
        server.klippy.start()
        server.wait_for_klippy("ready")
    server.klippy.bytes_per_s = BYTES_PER_S
    printer = MoonrakerPrinter(server.url, timeout_s=5)
    if printer.status().state.is_busy:
        printer.cancel()
        wait_for(printer, lambda s: not s.state.is_busy)
    server.klippy.reset_print()
    wait_for(printer, lambda s: s.state is PrinterState.IDLE)
    return printer


def wait_for(printer, condition, timeout_s=WAIT_S) -> PrinterStatus:
    return waiting.wait_for(printer, condition, timeout_s, poll_s=0.05)


def next_matching(
    statuses: MoonrakerSubscription, condition: Callable[[PrinterStatus], bool]
) -> tuple[PrinterStatus, list[PrinterStatus]]:
    return waiting.next_matching(statuses, condition, WAIT_S)


def write_gcode(path: Path, moves: int) -> Path:
    """G-code the stand-in "prints" line by line: heats up, moves, extrudes, cools down."""
    lines = ["; printhub test print", "M104 S200", "M140 S60", "G90", "M82"]
    lines += [f"G1 X{10 + i % 50} Y{10 + i % 30} E{i * 0.1:.1f} F3000" for i in range(moves)]
    lines += ["M104 S0", "M140 S0"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_prints_a_file_to_the_end(printer, server, tmp_path):
    name = printer.upload(write_gcode(tmp_path / "short.gcode", moves=40))
    assert name == "short.gcode"
    assert (server.gcodes_dir / "short.gcode").read_bytes() == (tmp_path / name).read_bytes()
    printer.start(name)
    status = wait_for(printer, lambda s: s.state is PrinterState.COMPLETED)
    assert status.progress == 1.0
    assert status.file == "short.gcode"
    assert status.remaining_s == 0
    assert status.elapsed_s > 0
    assert status.tool.target == 0  # the file's last lines turned the heaters off
    assert status.error is None


def test_pause_resume_and_cancel(printer, tmp_path):
    gcode = write_gcode(tmp_path / "long.gcode", moves=20_000)  # minutes unless cancelled
    printer.start(printer.upload(gcode))
    status = wait_for(
        printer,
        lambda s: (
            s.state is PrinterState.PRINTING
            and (s.progress or 0) > 0.002
            and s.tool.target == 200
            and s.bed.actual == 60
        ),
    )
    assert status.file == "long.gcode"
    assert 0 < status.progress < 1
    assert status.remaining_s > 0
    assert status.bed.target == 60

    with pytest.raises(PrinterBusy, match="SD busy"):
        printer.start("long.gcode")
    with pytest.raises(PrinterBusy, match="File is loaded"):
        printer.upload(gcode)

    printer.pause()
    paused = wait_for(printer, lambda s: s.state is PrinterState.PAUSED)
    printer.pause()  # pausing a paused print does nothing
    # Klipper counts the pause in total_duration (elapsed) but not the progress.
    later = wait_for(printer, lambda s: s.elapsed_s > paused.elapsed_s + 0.3)
    assert later.state is PrinterState.PAUSED
    assert later.progress == paused.progress

    printer.resume()
    wait_for(
        printer, lambda s: s.state is PrinterState.PRINTING and (s.progress or 0) > paused.progress
    )
    printer.resume()  # resuming a running print does nothing

    printer.cancel()
    status = wait_for(printer, lambda s: not s.state.is_busy)
    assert status.state is PrinterState.CANCELLED
    assert status.file == "long.gcode"
    assert status.remaining_s is None
    with pytest.raises(PrinterNotPrinting, match="nothing to cancel"):
        printer.cancel()
    with pytest.raises(PrinterNotPrinting, match="nothing to pause"):
        printer.pause()
    with pytest.raises(PrinterNotPrinting, match="nothing to resume"):
        printer.resume()


def test_file_errors(printer, server, tmp_path):
    with pytest.raises(PrinterFileError, match="checksum mismatch"):
        printer.upload_bytes(b"G28\n", "corrupt.gcode", checksum="0" * 64)
    assert not (server.gcodes_dir / "corrupt.gcode").exists()
    with pytest.raises(PrinterFileError, match="Unable to open file"):
        printer.start("never-uploaded.gcode")
    with pytest.raises(PrinterFileError, match="cannot read"):
        printer.upload(tmp_path / "missing.gcode")


def test_api_key(printer, server):
    intruder = MoonrakerPrinter(server.url, "not-the-key", timeout_s=5)
    with pytest.raises(PrinterAuthError, match="refused the API key"):
        intruder.status()
    with pytest.raises(PrinterAuthError):
        intruder.start("short.gcode")
    with pytest.raises(PrinterAuthError, match="refused the API key"):
        intruder.statuses()
    key = server.get("/access/api_key")  # a trusted client may read the key
    state = printer.status().state  # whatever the last test left: the key reads the same
    assert MoonrakerPrinter(server.url, key, timeout_s=5).status().state is state
    with MoonrakerPrinter(server.url, key, timeout_s=5).statuses() as statuses:
        assert statuses.next(timeout_s=WAIT_S).state is state


def test_push_merges_changed_fields_into_full_statuses(printer, server, tmp_path):
    """Moonraker pushes only what changed; every status the connector reports is whole."""
    server.klippy.bytes_per_s = 1000.0  # about 1.5 s, so that the heaters settle mid-print
    name = printer.upload(write_gcode(tmp_path / "pushed.gcode", moves=60))
    raw_updates: list[dict] = []
    raw = websocket.create_connection(server.url.replace("http", "ws") + "/websocket", timeout=5)
    pushed: list[PrinterStatus] = []
    first, done = threading.Event(), threading.Event()

    def on_status(status: PrinterStatus) -> None:
        pushed.append(status)
        first.set()
        if status.state is PrinterState.COMPLETED:
            done.set()

    subscription = printer.subscribe(on_status)
    try:
        assert first.wait(WAIT_S), "no status pushed"
        params = {"objects": STATUS_OBJECTS}
        request = {"jsonrpc": "2.0", "method": "printer.objects.subscribe", "params": params}
        raw.send(json.dumps({**request, "id": 1}))
        while json.loads(raw.recv()).get("id") != 1:  # subscribed before the print starts
            pass
        printer.start(name)
        assert done.wait(WAIT_S), f"no COMPLETED status pushed; last: {pushed[-1:]}"
        raw.settimeout(0.5)
        while True:
            try:
                message = json.loads(raw.recv())
            except websocket.WebSocketTimeoutException:
                break
            if message.get("method") == "notify_status_update":
                raw_updates.append(message["params"][0])
    finally:
        subscription.close()
        raw.close()

    # Once the bed reached 60 °C Moonraker stopped sending it, and never sent unchanged fields.
    assert any("heater_bed" not in update for update in raw_updates)
    assert sum("filename" in update.get("print_stats", {}) for update in raw_updates) == 1
    assert pushed[0].state is PrinterState.IDLE  # the first status is the full snapshot
    printing = [s for s in pushed if s.state is PrinterState.PRINTING]
    assert printing, pushed
    for status in printing:
        assert status.file == "pushed.gcode"
        assert status.tool is not None and status.bed is not None
        assert status.progress is not None
    assert pushed[-1].progress == 1.0
    assert [s.progress for s in printing] == sorted(s.progress for s in printing)


def test_emergency_stop_and_firmware_restart(printer, server, tmp_path):
    name = printer.upload(write_gcode(tmp_path / "stopped.gcode", moves=20_000))
    with printer.statuses() as statuses:
        assert statuses.next(timeout_s=WAIT_S).state is PrinterState.IDLE
        printer.start(name)
        next_matching(statuses, lambda s: s.state is PrinterState.PRINTING)
        printer.emergency_stop()
        pushed, _ = next_matching(statuses, lambda s: s.state is PrinterState.ERROR)
        assert pushed.error == "Shutdown due to M112 command"

        status = printer.status()
        assert status.state is PrinterState.ERROR
        assert status.error == "Shutdown due to M112 command"
        assert status.tool.target == 0
        with pytest.raises(PrinterUnavailable, match="Klippy is not ready"):
            printer.start(name)
        with pytest.raises(PrinterUnavailable, match="Klippy is not ready"):
            printer.pause()

        printer.firmware_restart()  # Klippy drops its connection and comes back ready
        _, before = next_matching(statuses, lambda s: s.state is PrinterState.IDLE)
        assert any(s.state is PrinterState.OFFLINE for s in before)
    assert printer.status().state is PrinterState.IDLE


def test_klippy_starting_up(printer, server):
    with printer.statuses() as statuses:
        assert statuses.next(timeout_s=WAIT_S).state is PrinterState.IDLE
        server.klippy.restart(state="startup")
        server.wait_for_klippy("startup")
        status = printer.status()
        assert status.state is PrinterState.OFFLINE
        assert status.error == "Printer is not ready"
        with pytest.raises(PrinterUnavailable, match="Klippy is not ready"):
            printer.start("short.gcode")
        with pytest.raises(PrinterUnavailable, match="Klippy is not ready"):
            printer.cancel()
        next_matching(statuses, lambda s: s.state is PrinterState.OFFLINE)

        server.klippy.set_ready()
        pushed, _ = next_matching(statuses, lambda s: s.state is not PrinterState.OFFLINE)
        assert pushed.state is PrinterState.IDLE
        assert pushed.tool is not None
    assert wait_for(printer, lambda s: s.state is PrinterState.IDLE)


def test_klippy_back_already_shut_down(printer, server):
    """No notification tells a shutdown Klippy's return: the subscription polls server.info."""
    statuses = printer.statuses()
    assert statuses.next(timeout_s=WAIT_S).state is PrinterState.IDLE
    server.klippy.restart(state="shutdown")
    pushed, before = next_matching(statuses, lambda s: s.state is PrinterState.ERROR)
    assert pushed.error == "Shutdown"
    assert any(s.state is PrinterState.OFFLINE for s in before)
    statuses.close()
    assert all(s.state is PrinterState.ERROR for s in statuses)  # drains, then stops
    assert statuses.next(timeout_s=WAIT_S) is None


def test_klippy_disconnected(printer, server):
    with printer.statuses() as statuses:
        assert statuses.next(timeout_s=WAIT_S).state is PrinterState.IDLE
        server.klippy.stop()
        pushed, _ = next_matching(statuses, lambda s: s.state is PrinterState.OFFLINE)
        assert pushed.error == "Klippy is not connected to Moonraker"
        server.wait_for_klippy("disconnected")
        status = printer.status()
        assert status.state is PrinterState.OFFLINE
        assert status.tool is None
        with pytest.raises(PrinterUnavailable, match="Klippy Host not connected"):
            printer.start("short.gcode")
        with pytest.raises(PrinterUnavailable):
            printer.pause()

        server.klippy.start()
        next_matching(statuses, lambda s: s.state is PrinterState.IDLE)


def test_dropped_websocket_is_reported(printer, server):
    errors: list[PrinterError] = []
    dropped = threading.Event()

    def on_error(error: PrinterError) -> None:
        errors.append(error)
        dropped.set()

    pushed: list[PrinterStatus] = []
    subscription = printer.subscribe(pushed.append, on_error)
    statuses = printer.statuses()
    try:
        assert statuses.next(timeout_s=WAIT_S).state is PrinterState.IDLE
        server.stop()  # Moonraker goes away with both websockets
        assert dropped.wait(WAIT_S)
        with pytest.raises(PrinterUnavailable, match=r"dropped|closed"):
            while True:
                statuses.next(timeout_s=WAIT_S)
    finally:
        subscription.close()
        statuses.close()
    assert pushed and pushed[0].state is PrinterState.IDLE
    assert len(errors) == 1
    assert isinstance(errors[0], PrinterUnavailable)
    with pytest.raises(PrinterUnavailable, match="cannot be reached"):
        printer.status()
    with pytest.raises(PrinterUnavailable, match="cannot be reached"):
        printer.pause()
    with pytest.raises(PrinterUnavailable, match="cannot be reached"):
        printer.statuses()


def test_silent_server_times_out():
    # A socket that accepts connections (the kernel's backlog) but never answers.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
        sock.listen()
        port = sock.getsockname()[1]
        printer = MoonrakerPrinter(f"http://127.0.0.1:{port}", timeout_s=0.5)
        with pytest.raises(PrinterUnavailable, match=r"did not answer within 0\.5 s"):
            printer.status()
        with pytest.raises(PrinterUnavailable):
            printer.statuses()


class _JunkHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with 200 and a body that is not Moonraker's JSON."""

    body = b"<html>not moonraker</html>"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.mark.parametrize("body", [b"<html>not moonraker</html>", b'{"no": "result"}', b"[1, 2]"])
def test_junk_answer_is_a_protocol_error(body, monkeypatch):
    monkeypatch.setattr(_JunkHandler, "body", body)
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _JunkHandler) as junk:
        threading.Thread(target=junk.serve_forever, daemon=True).start()
        try:
            printer = MoonrakerPrinter(f"http://127.0.0.1:{junk.server_address[1]}", timeout_s=5)
            with pytest.raises(PrinterProtocolError):
                printer.status()
        finally:
            junk.shutdown()
