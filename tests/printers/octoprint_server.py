"""A real OctoPrint server for the tests: its own venv, a temp basedir, a free loopback port."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OCTOPRINT = ROOT / ".venv-octoprint" / "bin" / "octoprint"
API_KEY = "printhub-test-key"
START_TIMEOUT_S = 60.0  # the notes measured ~30 s on a busy machine; 3-5 s when idle
STOP_TIMEOUT_S = 15.0

CONFIG = f"""\
plugins:
  virtual_printer:
    enabled: true
server:
  firstRun: false
  onlineCheck:
    enabled: false
api:
  key: {API_KEY}
"""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OctoPrintServer:
    """Starts and stops one ``octoprint serve`` process (its whole process group)."""

    def __init__(self, basedir: Path):
        self.basedir = basedir
        self.port = 0
        self.process: subprocess.Popen | None = None
        (basedir / "config.yaml").write_text(CONFIG)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.basedir / "serve.log"

    def start(self) -> None:
        """Start the server and wait until its API answers."""
        self.port = free_port()
        command = [str(OCTOPRINT), "serve", "--basedir", str(self.basedir)]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        if os.geteuid() == 0:  # OctoPrint refuses to run as root without this
            command.append("--iknowwhatimdoing")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"OctoPrint exited with {self.process.returncode}: {self.tail()}"
                )
            if self._answers():
                return
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"OctoPrint did not answer within {START_TIMEOUT_S:g} s: {self.tail()}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait for it; harmless when stopped."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT_S)

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 20) -> str:
        """The end of the server's log, for failure messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _answers(self) -> bool:
        request = urllib.request.Request(self.url + "/api/version")
        request.add_header("X-Api-Key", API_KEY)
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status == 200
        except (OSError, http.client.HTTPException):  # not listening yet, or still starting
            return False
