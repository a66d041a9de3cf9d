"""Pushed statuses from OctoPrint's socket (SockJS's raw websocket, ``/sockjs/websocket``).

OctoPrint's push API: log in with the API key (``POST /api/login`` with ``passive``), which
gives a user name and a session; open the socket and send ``{"auth": "name:session"}``;
OctoPrint then sends a ``history`` message with the whole state and a ``current`` message
whenever it changes (state flags, job, progress; at most every 0.5 s). Temperatures come as
a list of readings since the last message, often empty, so the last one seen is kept. The
subscription asks for the state only (no terminal logs, plugin messages or events).

When OctoPrint forgets the session (a restart, a logout: ``reauthRequired``) or the socket
drops or goes silent, the subscription ends with ``PrinterUnavailable``; subscribing again
logs in again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from printhub.printers.base import PrinterStatus
from printhub.printers.errors import PrinterAuthError, PrinterError, PrinterUnavailable
from printhub.printers.octoprint.client import OctoPrintClient
from printhub.printers.octoprint.states import status_from_parts
from printhub.printers.push import SILENCE_S, PushSubscription, websocket_url

# State only: terminal logs and messages, plugin messages and events are not wanted.
SUBSCRIBE = {
    "subscribe": {
        "state": {"logs": False, "messages": False},
        "plugins": False,
        "events": False,
    }
}


class OctoPrintSubscription(PushSubscription):
    """Statuses of one printer as OctoPrint pushes them (see :class:`PushSubscription`)."""

    def __init__(
        self,
        client: OctoPrintClient,
        *,
        on_status: Callable[[PrinterStatus], None] | None = None,
        on_error: Callable[[PrinterError], None] | None = None,
        silence_s: float = SILENCE_S,
    ):
        user, session = _login(client)
        url = websocket_url(client.base_url, "/sockjs/websocket")
        self._temperatures: dict[str, Any] = {}
        super().__init__(
            url,
            f"OctoPrint's socket at {url}",
            timeout_s=client.timeout_s,
            on_status=on_status,
            on_error=on_error,
            silence_s=silence_s,
        )
        try:
            self._send({"auth": f"{user}:{session}"})
            self._send(SUBSCRIBE)
        except BaseException:
            self._abort()
            raise
        self._start()

    def _handle(self, message: dict[str, Any]) -> None:
        if "reauthRequired" in message:
            reason = (message["reauthRequired"] or {}).get("reason", "")
            raise PrinterUnavailable(f"{self.where} asks to log in again ({reason})")
        for kind in ("history", "current"):
            if kind in message:
                self._emit(self._status(message[kind]))

    def _status(self, data: dict[str, Any]) -> PrinterStatus:
        readings = data.get("temps") or []
        if readings:
            # The latest reading; a heater missing from it keeps its last value.
            self._temperatures.update(
                {name: value for name, value in readings[-1].items() if name != "time"}
            )
        return status_from_parts(
            data.get("state") or {},
            data.get("job"),
            data.get("progress"),
            self._temperatures,
        )


def _login(client: OctoPrintClient) -> tuple[str, str]:
    """The user name and session that the API key logs in to (the socket's credentials)."""
    answer = client.post_json("/api/login", {"passive": True})
    name = answer.get("name") if isinstance(answer, dict) else None
    session = answer.get("session") if isinstance(answer, dict) else None
    if not name or not session:
        raise PrinterAuthError(
            f"OctoPrint at {client.base_url} did not log in with the API key "
            "(its answer has no user session)"
        )
    return str(name), str(session)
