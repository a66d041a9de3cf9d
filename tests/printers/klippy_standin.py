"""A stand-in for Klippy (Klipper's host program) that a real Moonraker talks to in the tests.

It serves Klippy's API Server protocol (Klipper's docs: API_Server.md) on a unix socket: JSON
objects terminated by the byte 0x03; requests ``{"id", "method", "params"}`` answered with
``{"id", "result"}`` or ``{"id", "error": {"error", "message"}}``; subscriptions answered at
once with the full status, then pushed as ``response_template`` plus
``{"params": {"eventtime", "status"}}`` carrying only the fields that changed.

It has no motion: a print reads the file from Moonraker's gcodes folder at ``bytes_per_s``,
obeys the heater commands it passes (M104/M109/M140/M190) and moves ``virtual_sdcard`` and
``print_stats`` like Klipper does. The tests steer it: :meth:`KlippyStandIn.shutdown`,
:meth:`KlippyStandIn.stop` / :meth:`KlippyStandIn.start` (Moonraker sees Klippy vanish and come
back, optionally in the ``startup`` state until :meth:`KlippyStandIn.set_ready`).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

ETX = b"\x03"
AMBIENT_C = 25.0
SHUTDOWN_HINT = (
    "\nOnce the underlying issue is corrected, use the\n"
    '"FIRMWARE_RESTART" command to reset the firmware, reload the\n'
    "config, and restart the host software.\nPrinter is shutdown\n"
)
ENDPOINTS = [
    "list_endpoints",
    "info",
    "emergency_stop",
    "register_remote_method",
    "objects/list",
    "objects/query",
    "objects/subscribe",
    "gcode/help",
    "gcode/script",
    "gcode/restart",
    "gcode/firmware_restart",
    "gcode/subscribe_output",
    "pause_resume/pause",
    "pause_resume/resume",
    "pause_resume/cancel",
    "query_endstops/status",
]
_PAUSE_RESUME_COMMANDS = {
    "pause_resume/pause": "PAUSE",
    "pause_resume/resume": "RESUME",
    "pause_resume/cancel": "CANCEL_PRINT",
}
_HEATER_COMMAND = re.compile(r"^(M104|M109|M140|M190)\b.*?\bS(-?[\d.]+)", re.IGNORECASE)
_EXTRUDE = re.compile(r"^G[01]\b.*?\bE(-?[\d.]+)", re.IGNORECASE)
_FILENAME = re.compile(r'FILENAME=(?:"((?:[^"\\]|\\.)*)"|(\S+))', re.IGNORECASE)


class GcodeError(Exception):
    """A command Klippy refuses; Moonraker turns it into a 400 with this message."""


class _Client:
    """One connection to the socket (Moonraker keeps one open) and its subscriptions."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.send_lock = threading.Lock()
        self.subscription: dict[str, list[str] | None] = {}
        self.template: dict[str, Any] | None = None
        self.last_sent: dict[str, dict[str, Any]] = {}
        self.output_template: dict[str, Any] | None = None

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode() + ETX
        # On a closed socket the reader notices and drops the client.
        with self.send_lock, contextlib.suppress(OSError):
            self.sock.sendall(data)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the reader blocked in recv
        self.sock.close()


class KlippyStandIn:
    """Klippy's API server on ``socket_path``, printing files from ``gcodes_dir``.

    ``bytes_per_s`` sets how fast a print goes, ``tick_s`` how often status is pushed (Klipper
    pushes every 250 ms), ``heat_rate`` how many °C per second a heater moves toward its target.
    """

    def __init__(
        self,
        socket_path: Path,
        gcodes_dir: Path,
        *,
        bytes_per_s: float = 2000.0,
        tick_s: float = 0.1,
        heat_rate: float = 200.0,
    ):
        self.socket_path = Path(socket_path)
        self.gcodes_dir = Path(gcodes_dir)
        self.bytes_per_s = bytes_per_s
        self.tick_s = tick_s
        self.heat_rate = heat_rate
        self.lock = threading.RLock()
        self.clients: list[_Client] = []
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._running = False
        self._start_time = time.monotonic()
        self._reset_objects("ready", "Printer is ready")

    # -- control, for the tests

    def start(self, state: str = "ready") -> None:
        """Listen on the socket; Moonraker connects within a quarter of a second."""
        with self.lock:
            if self._running:
                return
            self._reset_objects(state, _message_for(state))
            with contextlib.suppress(FileNotFoundError):
                self.socket_path.unlink()
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(self.socket_path))
            listener.listen()
            listener.settimeout(0.1)  # the accept loop polls the running flag
            self._listener = listener
            self._running = True
            self._threads = [
                threading.Thread(target=self._accept_loop, name="klippy-accept", daemon=True),
                threading.Thread(target=self._tick_loop, name="klippy-tick", daemon=True),
            ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Close the socket and every connection, as when Klippy exits."""
        with self.lock:
            self._running = False
            clients, self.clients = self.clients, []
            listener, self._listener = self._listener, None
        for client in clients:
            client.close()
        if listener is not None:
            listener.close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)
        self._threads = []
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    def restart(self, state: str = "ready") -> None:
        """Stop, forget the print, and listen again in ``state`` (like FIRMWARE_RESTART)."""
        self.stop()
        self.start(state)

    def set_ready(self) -> None:
        """Leave the ``startup`` state (Moonraker polls ``info`` until it sees this)."""
        with self.lock:
            self._set_webhooks("ready", "Printer is ready")

    def shutdown(self, reason: str = "Shutdown due to M112 command") -> None:
        """An emergency stop: the print fails and only a restart leaves this state."""
        with self.lock:
            self._set_webhooks("shutdown", reason + SHUTDOWN_HINT)
            stats = self.objects["print_stats"]
            if stats["state"] in ("printing", "paused"):
                stats["state"] = "error"
                stats["message"] = reason
                self.objects["virtual_sdcard"]["is_active"] = False
                self.objects["pause_resume"]["is_paused"] = False
            for heater in ("extruder", "heater_bed"):
                self.objects[heater]["target"] = 0.0

    def reset_print(self) -> None:
        """Forget the last print, back to ``standby`` (Klipper's SDCARD_RESET_FILE)."""
        with self.lock:
            hooks = self.objects["webhooks"]
            heaters = {name: self.objects[name] for name in ("extruder", "heater_bed")}
            self._reset_objects(hooks["state"], hooks["state_message"])
            self.objects.update(heaters)  # a reset file leaves the heaters as they are

    @property
    def state(self) -> str:
        with self.lock:
            return self.objects["webhooks"]["state"]

    # -- the objects Moonraker and its clients query

    def _reset_objects(self, state: str, message: str) -> None:
        self._file: bytes = b""
        self._lines_done = 0
        self.objects: dict[str, dict[str, Any]] = {
            "webhooks": {"state": state, "state_message": message},
            "print_stats": {
                "filename": "",
                "total_duration": 0.0,
                "print_duration": 0.0,
                "filament_used": 0.0,
                "state": "standby",
                "message": "",
                "info": {"total_layer": None, "current_layer": None},
            },
            "virtual_sdcard": {
                "file_path": None,
                "progress": 0.0,
                "is_active": False,
                "file_position": 0,
                "file_size": 0,
            },
            "pause_resume": {"is_paused": False},
            "display_status": {"progress": 0.0, "message": None},
            "extruder": {
                "temperature": AMBIENT_C,
                "target": 0.0,
                "power": 0.0,
                "can_extrude": False,
                "pressure_advance": 0.0,
                "smooth_time": 0.04,
            },
            "heater_bed": {"temperature": AMBIENT_C, "target": 0.0, "power": 0.0},
            "heaters": {
                "available_heaters": ["heater_bed", "extruder"],
                "available_sensors": ["heater_bed", "extruder"],
                "available_monitors": [],
            },
            "toolhead": {"homed_axes": "", "position": [0.0, 0.0, 0.0, 0.0], "status": "Ready"},
            "configfile": {
                "config": {"virtual_sdcard": {"path": str(self.gcodes_dir)}},
                "settings": {"virtual_sdcard": {"path": str(self.gcodes_dir)}},
                "save_config_pending": False,
                "warnings": [],
            },
        }

    def _set_webhooks(self, state: str, message: str) -> None:
        self.objects["webhooks"] = {"state": state, "state_message": message}

    def _eventtime(self) -> float:
        return round(time.monotonic() - self._start_time, 3)

    def _select(self, wanted: dict[str, list[str] | None]) -> dict[str, dict[str, Any]]:
        """The requested objects and fields (``None`` = all); unknown objects are left out."""
        status = {}
        for name, fields in wanted.items():
            if name not in self.objects:
                continue
            current = self.objects[name]
            if fields is None:
                status[name] = copy.deepcopy(current)
            else:
                status[name] = {k: copy.deepcopy(current[k]) for k in fields if k in current}
        return status

    # -- the socket

    def _accept_loop(self) -> None:
        while self._running:
            listener = self._listener
            if listener is None:
                return
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            client = _Client(sock)
            with self.lock:
                if not self._running:
                    client.close()
                    return
                self.clients.append(client)
            threading.Thread(
                target=self._read_loop, args=(client,), name="klippy-client", daemon=True
            ).start()

    def _read_loop(self, client: _Client) -> None:
        buffer = b""
        while True:
            try:
                chunk = client.sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
            while ETX in buffer:
                raw, buffer = buffer.split(ETX, 1)
                self._handle(client, raw)
        with self.lock:
            if client in self.clients:
                self.clients.remove(client)
        client.close()

    def _handle(self, client: _Client, raw: bytes) -> None:
        try:
            request = json.loads(raw)
            request_id = request.get("id")
            method = request["method"]
            params = request.get("params") or {}
        except (ValueError, KeyError, AttributeError):
            client.send({"id": None, "error": {"error": "WebRequestError", "message": "bad"}})
            return
        try:
            result = self._dispatch(client, method, params)
        except GcodeError as err:
            reply = {"id": request_id, "error": {"error": "WebRequestError", "message": str(err)}}
        except Exception as err:  # a bug here must show in Moonraker's answer, not hang it
            print(f"klippy stand-in: {method} failed: {err!r}", file=sys.stderr)
            reply = {"id": request_id, "error": {"error": "WebRequestError", "message": repr(err)}}
        else:
            reply = {"id": request_id, "result": result}
        client.send(reply)

    def _dispatch(self, client: _Client, method: str, params: dict[str, Any]) -> Any:
        with self.lock:
            if method == "info":
                return self._info()
            if method == "list_endpoints":
                return {"endpoints": list(ENDPOINTS)}
            if method == "objects/list":
                return {"objects": list(self.objects)}
            if method == "objects/query":
                return {"eventtime": self._eventtime(), "status": self._select(params["objects"])}
            if method == "objects/subscribe":
                # Klipper keeps one subscription per connection; a new request replaces it.
                client.subscription = dict(params.get("objects") or {})
                client.template = params.get("response_template")
                status = self._select(client.subscription)
                client.last_sent = copy.deepcopy(status)
                return {"eventtime": self._eventtime(), "status": status}
            if method == "gcode/subscribe_output":
                client.output_template = params.get("response_template")
                return {}
            if method in ("register_remote_method", "query_endstops/status", "gcode/help"):
                return {}
            if method == "emergency_stop":
                self.shutdown()
                return {}
            if method == "gcode/script":
                for line in str(params.get("script", "")).splitlines():
                    self._run_gcode(client, line.strip())
                return {}
            if method in ("gcode/restart", "gcode/firmware_restart"):
                self._run_gcode(client, "FIRMWARE_RESTART")
                return {}
            if method in _PAUSE_RESUME_COMMANDS:
                self._run_gcode(client, _PAUSE_RESUME_COMMANDS[method])
                return {}
        raise GcodeError(f"No such endpoint: {method}")

    def _info(self) -> dict[str, Any]:
        hooks = self.objects["webhooks"]
        return {
            "state": hooks["state"],
            "state_message": hooks["state_message"],
            "hostname": socket.gethostname(),
            "klipper_path": str(self.gcodes_dir.parent / "klipper"),
            "python_path": sys.executable,
            "process_id": os.getpid(),
            "user_id": os.getuid(),
            "group_id": os.getgid(),
            "log_file": str(self.gcodes_dir.parent / "logs" / "klippy.log"),
            "config_file": str(self.gcodes_dir.parent / "config" / "printer.cfg"),
            "software_version": "v0.12.0-printhub-standin",
            "cpu_info": "stand-in",
            "app": "Klipper",
        }

    # -- G-code

    def _run_gcode(self, client: _Client, line: str) -> None:
        if not line or line.startswith(";"):
            return
        command = line.split(None, 1)[0].upper()
        if command == "M112":
            self.shutdown()
            return
        if command in ("FIRMWARE_RESTART", "RESTART"):
            # Klippy answers, then drops every connection and starts over.
            threading.Thread(target=self.restart, name="klippy-restart", daemon=True).start()
            return
        if self.objects["webhooks"]["state"] != "ready":
            raise GcodeError(self.objects["webhooks"]["state_message"])
        stats = self.objects["print_stats"]
        printing = stats["state"] in ("printing", "paused")
        if command == "SDCARD_PRINT_FILE":
            if printing:
                raise GcodeError("SD busy")
            self._start_print(line)
        elif command == "PAUSE":
            if stats["state"] == "paused":
                self._respond(client, "Print already paused")
            elif stats["state"] == "printing":
                stats["state"] = "paused"
                self.objects["virtual_sdcard"]["is_active"] = False
                self.objects["pause_resume"]["is_paused"] = True
            else:
                self._respond(client, "No print in progress, pause ignored")
        elif command == "RESUME":
            if stats["state"] != "paused":
                self._respond(client, "Print is not paused, resume aborted")
            else:
                stats["state"] = "printing"
                self.objects["virtual_sdcard"]["is_active"] = True
                self.objects["pause_resume"]["is_paused"] = False
        elif command == "CANCEL_PRINT":
            if printing:
                stats["state"] = "cancelled"
                self.objects["virtual_sdcard"]["is_active"] = False
                self.objects["pause_resume"]["is_paused"] = False
                for heater in ("extruder", "heater_bed"):
                    self.objects[heater]["target"] = 0.0
        elif command == "SDCARD_RESET_FILE":
            if printing:
                raise GcodeError("Cannot reset SD file while printing")
            self.reset_print()
        else:
            self._apply_line(line)

    def _start_print(self, line: str) -> None:
        match = _FILENAME.search(line)
        if match is None:
            raise GcodeError("Error on 'SDCARD_PRINT_FILE': missing FILENAME")
        name = match.group(1) if match.group(1) is not None else match.group(2)
        name = name.replace('\\"', '"').lstrip("/")
        path = self.gcodes_dir / name
        try:
            content = path.read_bytes()
        except OSError:
            raise GcodeError("Unable to open file") from None
        self._file = content
        self._lines_done = 0
        self.objects["virtual_sdcard"].update(
            file_path=str(path),
            progress=0.0,
            is_active=True,
            file_position=0,
            file_size=len(content),
        )
        self.objects["print_stats"].update(
            filename=name,
            total_duration=0.0,
            print_duration=0.0,
            filament_used=0.0,
            state="printing",
            message="",
        )
        self.objects["pause_resume"]["is_paused"] = False

    def _apply_line(self, line: str) -> None:
        """The parts of a G-code line the stand-in models: heater targets, extrusion."""
        line = line.split(";", 1)[0].strip()
        heater = _HEATER_COMMAND.match(line)
        if heater:
            name = "extruder" if heater.group(1).upper() in ("M104", "M109") else "heater_bed"
            self.objects[name]["target"] = float(heater.group(2))
            return
        extrude = _EXTRUDE.match(line)
        if extrude:
            stats = self.objects["print_stats"]
            stats["filament_used"] = max(stats["filament_used"], float(extrude.group(1)))

    def _respond(self, client: _Client, text: str) -> None:
        if client.output_template is not None:
            client.send({**client.output_template, "params": {"response": f"// {text}"}})

    # -- time passing

    def _tick_loop(self) -> None:
        last = time.monotonic()
        while self._running:
            time.sleep(self.tick_s)
            now = time.monotonic()
            with self.lock:
                if not self._running:
                    return
                self._advance(now - last)
                self._push_updates()
            last = now

    def _advance(self, dt: float) -> None:
        stats = self.objects["print_stats"]
        card = self.objects["virtual_sdcard"]
        if stats["state"] in ("printing", "paused"):
            stats["total_duration"] = round(stats["total_duration"] + dt, 3)
        if stats["state"] == "printing":
            stats["print_duration"] = round(stats["print_duration"] + dt, 3)
            self._read_file(card, int(self.bytes_per_s * dt) or 1)
        for name in ("extruder", "heater_bed"):
            heater = self.objects[name]
            goal = heater["target"] or AMBIENT_C
            step = self.heat_rate * dt
            actual = heater["temperature"]
            actual = min(goal, actual + step) if actual < goal else max(goal, actual - step)
            heater["temperature"] = round(actual, 2)
            heater["power"] = 1.0 if heater["target"] > actual else 0.0

    def _read_file(self, card: dict[str, Any], budget: int) -> None:
        """Execute whole lines worth ``budget`` bytes, then finish the print at the end."""
        position = card["file_position"]
        end = min(len(self._file), position + budget)
        while position < end:
            newline = self._file.find(b"\n", position)
            stop = len(self._file) if newline < 0 else newline + 1
            self._apply_line(self._file[position:stop].decode("utf-8", "replace"))
            position = stop
        card["file_position"] = position
        card["progress"] = round(position / len(self._file), 4) if self._file else 1.0
        self.objects["display_status"]["progress"] = card["progress"]
        if position >= len(self._file):
            card["is_active"] = False
            self.objects["print_stats"]["state"] = "complete"

    def _push_updates(self) -> None:
        """Send each subscriber the subscribed fields that changed since its last update."""
        eventtime = self._eventtime()
        for client in list(self.clients):
            if client.template is None or not client.subscription:
                continue
            current = self._select(client.subscription)
            changed: dict[str, dict[str, Any]] = {}
            for name, fields in current.items():
                before = client.last_sent.get(name, {})
                diff = {k: v for k, v in fields.items() if before.get(k, _MISSING) != v}
                if diff:
                    changed[name] = diff
            if changed:
                client.last_sent = current
                client.send(
                    {**client.template, "params": {"eventtime": eventtime, "status": changed}}
                )


_MISSING = object()


def _message_for(state: str) -> str:
    return {
        "ready": "Printer is ready",
        "startup": "Printer is not ready\nKlipper is starting up",
        "shutdown": "Shutdown" + SHUTDOWN_HINT,
    }.get(state, state)
