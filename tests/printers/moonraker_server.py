"""A real Moonraker for the tests: its own venv, a temp data folder, a free loopback port.

Klipper itself needs a microcontroller, so a :class:`KlippyStandIn` serves Klippy's API on the
unix socket Moonraker is configured to use (``klippy_uds_address``).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.printers.klippy_standin import KlippyStandIn
from tests.printers.octoprint_server import free_port

ROOT = Path(__file__).resolve().parents[2]
MOONRAKER = ROOT / ".venv-moonraker" / "bin" / "moonraker"
START_TIMEOUT_S = 60.0  # 2-3 s when idle; generous for a busy machine
STOP_TIMEOUT_S = 15.0

CONFIG = """\
[server]
host: 127.0.0.1
port: {port}
klippy_uds_address: {socket}

[authorization]
trusted_clients:
    127.0.0.0/8

# Keep Moonraker off the network: no announcement feeds.
[announcements]
enable_moonlight: False
"""


class MoonrakerServer:
    """Starts and stops one ``moonraker`` process (its whole process group) and the stand-in."""

    def __init__(self, datadir: Path, **standin_options: Any):
        self.datadir = datadir
        self.port = 0
        self.process: subprocess.Popen | None = None
        for folder in ("config", "comms", "gcodes", "logs", "misc"):
            (datadir / folder).mkdir(parents=True, exist_ok=True)
        # Moonraker downloads this list of USB ids at startup unless it has one.
        (datadir / "misc" / "usb.ids").touch()
        self.klippy = KlippyStandIn(
            datadir / "comms" / "klippy.sock", self.gcodes_dir, **standin_options
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def gcodes_dir(self) -> Path:
        return self.datadir / "gcodes"

    @property
    def log_path(self) -> Path:
        return self.datadir / "serve.log"

    def start(self) -> None:
        """Start Klippy's stand-in and Moonraker; wait until Moonraker reports Klippy ready."""
        self.klippy.start()
        self.port = free_port()
        config = CONFIG.format(port=self.port, socket=self.klippy.socket_path)
        (self.datadir / "config" / "moonraker.conf").write_text(config)
        command = [str(MOONRAKER), "-d", str(self.datadir)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_for_klippy("ready", START_TIMEOUT_S)

    def wait_for_klippy(self, state: str, timeout_s: float = 20.0) -> dict[str, Any]:
        """Poll ``/server/info`` until its ``klippy_state`` is ``state``; returns the info."""
        deadline = time.monotonic() + timeout_s
        info: dict[str, Any] = {}
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"Moonraker exited with {self.process.returncode}: {self.tail()}"
                )
            info = self.info() or {}
            if info.get("klippy_state") == state:
                return info
            time.sleep(0.1)
        raise RuntimeError(
            f"Moonraker did not report Klippy {state!r} within {timeout_s:g} s "
            f"(last: {info.get('klippy_state')!r}): {self.tail()}"
        )

    def stop(self) -> None:
        """Stop Moonraker (SIGTERM, then SIGKILL) and the stand-in; harmless when stopped."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=STOP_TIMEOUT_S)
        self.klippy.stop()

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 20) -> str:
        """The end of Moonraker's log, for failure messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def info(self) -> dict[str, Any] | None:
        """``/server/info``'s result, or None while Moonraker does not answer."""
        return self.get("/server/info")

    def get(self, path: str) -> Any:
        """GET a Moonraker endpoint as a trusted client; None when it does not answer 200."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=2) as response:
                return json.loads(response.read())["result"]
        except (OSError, http.client.HTTPException, ValueError, KeyError):
            return None
