"""The Moonraker connector: one Moonraker server drives one Klipper printer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from printhub.printers.base import Printer, PrinterStatus
from printhub.printers.errors import (
    PrinterBusy,
    PrinterError,
    PrinterFileError,
    PrinterNotPrinting,
    PrinterProtocolError,
    PrinterUnavailable,
)
from printhub.printers.moonraker.client import MoonrakerClient, MoonrakerRejected
from printhub.printers.moonraker.states import (
    KLIPPY_DISCONNECTED_TEXT,
    STATUS_OBJECTS,
    status_from_objects,
)

if TYPE_CHECKING:
    from printhub.printers.moonraker.subscription import MoonrakerSubscription

# Words in Klippy's and Moonraker's refusals that tell what went wrong.
_BUSY_WORDS = ("busy", "already printing", "in use", "is loaded", "currently printing")
_NOT_PRINTING_WORDS = ("not printing", "not paused", "no print")
_FILE_WORDS = ("unable to open", "not found", "no such file", "does not exist", "extension")


class MoonrakerPrinter(Printer):
    """A Klipper printer behind Moonraker's REST API (and its websocket, for :meth:`subscribe`).

    ``api_key`` may be None where Moonraker trusts the caller's address (``trusted_clients``).
    Klipper ignores PAUSE, RESUME and CANCEL_PRINT that do not apply, so the connector checks
    the print's state first and raises ``PrinterNotPrinting`` itself.
    """

    def __init__(self, base_url: str, api_key: str | None = None, *, timeout_s: float = 10.0):
        self.client = MoonrakerClient(base_url, api_key, timeout_s)

    def __repr__(self) -> str:
        return f"MoonrakerPrinter({self.client.base_url!r})"

    def upload(self, path: str | Path, name: str | None = None) -> str:
        """Upload to the ``gcodes`` root with its SHA-256, which Moonraker verifies (422)."""
        path = Path(path)
        try:
            content = path.read_bytes()
        except OSError as err:
            raise PrinterFileError(f"cannot read {path}: {err.strerror}") from err
        return self.upload_bytes(content, name or path.name)

    def upload_bytes(self, content: bytes, name: str, checksum: str | None = None) -> str:
        """Upload ``content`` as ``name``; ``checksum`` (hex SHA-256) defaults to the content's."""
        checksum = checksum or hashlib.sha256(content).hexdigest()
        try:
            answer = self.client.post_file(
                "/server/files/upload", "file", name, content, root="gcodes", checksum=checksum
            )
        except MoonrakerRejected as err:
            # Uploads do not involve Klippy: its state cannot explain the refusal.
            raise self._rejection(err, PrinterFileError, ask_klippy=False) from err
        try:
            return answer["item"]["path"]
        except (KeyError, TypeError):
            raise self._unexpected("/server/files/upload", answer) from None

    def start(self, name: str) -> None:
        """Print an uploaded file (Klipper's SDCARD_PRINT_FILE)."""
        self._command("/printer/print/start", PrinterBusy, filename=name)

    def pause(self) -> None:
        """Pause the print (pausing a paused print does nothing)."""
        state = self._print_state()
        if state == "paused":
            return
        if state != "printing":
            raise PrinterNotPrinting(f"{self._where}: not printing, nothing to pause ({state})")
        self._command("/printer/print/pause", PrinterNotPrinting)

    def resume(self) -> None:
        """Resume the paused print (resuming a running print does nothing)."""
        state = self._print_state()
        if state == "printing":
            return
        if state != "paused":
            raise PrinterNotPrinting(f"{self._where}: not paused, nothing to resume ({state})")
        self._command("/printer/print/resume", PrinterNotPrinting)

    def cancel(self) -> None:
        """Cancel the print; Klipper reports it as CANCELLED afterwards."""
        state = self._print_state()
        if state not in ("printing", "paused"):
            raise PrinterNotPrinting(f"{self._where}: not printing, nothing to cancel ({state})")
        self._command("/printer/print/cancel", PrinterNotPrinting)

    def status(self) -> PrinterStatus:
        """Klippy's state from ``/server/info``, then the printer objects when Klippy answers."""
        info = self.client.get("/server/info")
        if not isinstance(info, dict) or "klippy_state" not in info:
            raise self._unexpected("/server/info", info)
        klippy_state = str(info["klippy_state"])
        if klippy_state == "disconnected" or not info.get("klippy_connected", True):
            return status_from_objects({}, "disconnected")
        try:
            objects = self._query(STATUS_OBJECTS)
        except (PrinterUnavailable, PrinterFileError, MoonrakerRejected):
            # Klippy went away between the two calls, or has not registered its endpoints.
            objects = {}
        return status_from_objects(objects, klippy_state)

    def subscribe(
        self,
        on_status: Callable[[PrinterStatus], None],
        on_error: Callable[[PrinterError], None] | None = None,
    ) -> MoonrakerSubscription:
        """Push statuses to ``on_status`` (from a background thread) as Moonraker reports them.

        The first call carries the full status, then one call per change. When the websocket
        drops, ``on_error`` gets a ``PrinterUnavailable`` and the subscription ends: subscribe
        again to reconnect. ``close()`` the subscription to stop it.
        """
        # Imported here: only the push needs the websocket package.
        from printhub.printers.moonraker.subscription import MoonrakerSubscription

        return MoonrakerSubscription(
            self.client.base_url,
            self.client.api_key,
            timeout_s=self.client.timeout_s,
            on_status=on_status,
            on_error=on_error,
        )

    def statuses(self) -> MoonrakerSubscription:
        """The same pushed statuses as an iterator (``next()``; raises PrinterUnavailable when
        the websocket drops); ``close()`` it, or use it as a context manager."""
        # Imported here: only the push needs the websocket package.
        from printhub.printers.moonraker.subscription import MoonrakerSubscription

        return MoonrakerSubscription(
            self.client.base_url, self.client.api_key, timeout_s=self.client.timeout_s
        )

    def emergency_stop(self) -> None:
        """Klipper's M112: heaters and motors off at once; the printer needs a restart after."""
        self._command("/printer/emergency_stop", PrinterUnavailable)

    def firmware_restart(self) -> None:
        """Restart Klippy and its microcontroller (the way out of an emergency stop)."""
        self._command("/printer/firmware_restart", PrinterUnavailable)

    # -- internals

    @property
    def _where(self) -> str:
        return self.client.where

    def _query(self, objects: dict[str, list[str] | None]) -> dict[str, dict[str, Any]]:
        query = {name: ",".join(fields or ()) for name, fields in objects.items()}
        answer = self.client.get("/printer/objects/query", **query)
        try:
            return answer["status"]
        except (KeyError, TypeError):
            raise self._unexpected("/printer/objects/query", answer) from None

    def _print_state(self) -> str:
        """print_stats.state, after making sure Klippy is ready to take a command."""
        try:
            objects = self._query(
                {"webhooks": ["state", "state_message"], "print_stats": ["state"]}
            )
        except PrinterFileError as err:  # 404: Klippy never connected, so no endpoints yet
            raise PrinterUnavailable(f"{self._where}: {KLIPPY_DISCONNECTED_TEXT}") from err
        except MoonrakerRejected as err:
            raise self._rejection(err, PrinterProtocolError) from err
        hooks = objects.get("webhooks") or {}
        if hooks.get("state", "ready") != "ready":
            raise self._not_ready(hooks)
        return str((objects.get("print_stats") or {}).get("state", "standby"))

    def _command(self, path: str, conflict: type[PrinterError], **query: str) -> None:
        try:
            self.client.post(path, **query)
        except MoonrakerRejected as err:
            raise self._rejection(err, conflict) from err
        except PrinterFileError as err:  # 404: the endpoint exists once Klippy connected
            if "/printer/" in path and "/print/start" not in path:
                raise PrinterUnavailable(f"{self._where}: {KLIPPY_DISCONNECTED_TEXT}") from err
            raise

    def _rejection(
        self, err: MoonrakerRejected, default: type[PrinterError], *, ask_klippy: bool = True
    ) -> PrinterError:
        """What a refusal means: Klippy not ready, a busy printer, no print, or a bad file."""
        hooks = self._webhooks() if ask_klippy else None
        if hooks is not None and hooks.get("state", "ready") != "ready":
            return self._not_ready(hooks)
        reason = err.reason.lower()
        message = f"{self._where}: {err.reason}"
        if any(word in reason for word in _BUSY_WORDS):
            return PrinterBusy(message)
        if any(word in reason for word in _NOT_PRINTING_WORDS):
            return PrinterNotPrinting(message)
        if any(word in reason for word in _FILE_WORDS):
            return PrinterFileError(message)
        return default(message)

    def _webhooks(self) -> dict[str, Any]:
        """Klippy's state as webhooks reports it; "disconnected" when it cannot be asked."""
        try:
            return self._query({"webhooks": ["state", "state_message"]}).get("webhooks") or {}
        except PrinterError:
            return {"state": "disconnected", "state_message": KLIPPY_DISCONNECTED_TEXT}

    def _not_ready(self, hooks: dict[str, Any]) -> PrinterUnavailable:
        message = str(hooks.get("state_message") or "").strip().splitlines()
        reason = message[0] if message else hooks.get("state")
        return PrinterUnavailable(f"{self._where}: Klippy is not ready ({reason})")

    def _unexpected(self, path: str, answer: Any) -> PrinterError:
        return PrinterProtocolError(f"{self._where} answered {path} unexpectedly: {answer!r:.200}")
