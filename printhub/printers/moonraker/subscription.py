"""Pushed statuses from Moonraker's JSON-RPC websocket (``/websocket``).

Moonraker's ``notify_status_update`` carries only the fields that changed, so the subscription
keeps the last full snapshot of the printer objects, merges each update into it and reports a
full :class:`PrinterStatus` every time. When Klippy disconnects Moonraker drops every
subscription; the subscription asks ``server.info`` until Klippy is ready and subscribes again.
A websocket that drops or goes silent ends the subscription with ``PrinterUnavailable``: the
caller reconnects.

One reader thread (:class:`PushSubscription`'s) does everything (requests are sent without
waiting, their answers are dispatched by id), so no callback ever waits for the socket it is
called from.
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable
from typing import Any

from printhub.printers.base import PrinterStatus
from printhub.printers.errors import PrinterAuthError, PrinterError, PrinterProtocolError
from printhub.printers.moonraker.states import STATUS_OBJECTS, status_from_objects
from printhub.printers.push import SILENCE_S, PushSubscription, websocket_url

POLL_S = 1.0  # how often to ask server.info while Klippy is not ready


class MoonrakerSubscription(PushSubscription):
    """Statuses of one printer as Moonraker pushes them (see :class:`PushSubscription`)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 10.0,
        on_status: Callable[[PrinterStatus], None] | None = None,
        on_error: Callable[[PrinterError], None] | None = None,
        silence_s: float = SILENCE_S,
    ):
        url = websocket_url(base_url, "/websocket")
        self._api_key = api_key
        self._ids = itertools.count(1)
        self._pending: dict[int, Callable[[Any, dict[str, Any] | None], None]] = {}
        self._objects: dict[str, dict[str, Any]] = {}
        self._klippy_state = "disconnected"
        self._subscribed = False
        self._subscribing = False
        self._info_pending = False
        self._last_poll = 0.0
        super().__init__(
            url,
            f"Moonraker's websocket at {url}",
            timeout_s=timeout_s,
            header=[f"X-Api-Key: {api_key}"] if api_key else [],
            on_status=on_status,
            on_error=on_error,
            silence_s=silence_s,
        )
        try:
            self._identify()
            self._ask_info()
        except BaseException:
            self._abort()
            raise
        self._start()

    def _tick(self) -> None:
        self._poll_if_due()

    def _poll_if_due(self) -> None:
        """Ask server.info while Klippy is not ready (by the clock: Moonraker's other
        notifications, such as its CPU load each second, keep recv from ever timing out)."""
        if self._subscribed or self._subscribing or self._info_pending:
            return
        if time.monotonic() - self._last_poll >= POLL_S:
            self._ask_info()

    def _ask_info(self) -> None:
        self._info_pending = True
        self._last_poll = time.monotonic()
        self._call("server.info", {}, self._got_info)

    def _call(
        self,
        method: str,
        params: dict[str, Any],
        on_answer: Callable[[Any, dict[str, Any] | None], None],
    ) -> None:
        """Send a JSON-RPC request; ``on_answer(result, error)`` runs when its answer arrives."""
        request_id = next(self._ids)
        self._pending[request_id] = on_answer
        self._send({"jsonrpc": "2.0", "method": method, "params": params, "id": request_id})

    def _handle(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" not in message:
            on_answer = self._pending.pop(message["id"], None)
            if on_answer is not None:
                on_answer(message.get("result"), message.get("error"))
            return
        method = message.get("method")
        params = message.get("params") or []
        if method == "notify_status_update":
            self._merge(params[0])
            self._emit_objects()
        elif method == "notify_klippy_ready":
            self._klippy_state = "ready"
            self._subscribe()
        elif method == "notify_klippy_shutdown":
            self._klippy_state = "shutdown"
            self._emit_objects()
        elif method == "notify_klippy_disconnected":
            # Moonraker forgets our subscription; the next server.info poll starts over.
            self._klippy_state = "disconnected"
            self._subscribed = False
            self._objects = {}
            self._emit_objects()

    def _identity(self) -> dict[str, Any]:
        identity = {
            "client_name": "printhub",
            "version": "0.1.0",
            "type": "other",
            "url": "",
        }
        if self._api_key:
            identity["api_key"] = self._api_key
        return identity

    def _identify(self) -> None:
        """Identify before anything else, waiting for the answer: a websocket upgrade passes
        even with a wrong API key, which Moonraker checks only here."""
        answer: list[dict[str, Any] | None] = []
        self._call(
            "server.connection.identify",
            self._identity(),
            lambda result, error: answer.append(error),
        )
        while not answer:
            self._handle(self._receive_now())
        _raise_for_auth(self.where, answer[0])
        if answer[0] is not None:
            raise PrinterProtocolError(f"{self.where} refused to identify us: {answer[0]}")

    def _got_info(self, result: Any, error: dict[str, Any] | None) -> None:
        self._info_pending = False
        _raise_for_auth(self.where, error)
        if error is not None or not isinstance(result, dict):
            raise PrinterProtocolError(f"{self.where} answered server.info with {error!r}")
        state = str(result.get("klippy_state", "disconnected"))
        changed = state != self._klippy_state or self.last_status is None
        self._klippy_state = state
        if state in ("ready", "shutdown") and not self._subscribed:
            self._subscribe()
        elif changed:
            self._emit_objects()

    def _subscribe(self) -> None:
        if self._subscribing:
            return
        self._subscribing = True
        params = {"objects": copy.deepcopy(STATUS_OBJECTS)}
        self._call("printer.objects.subscribe", params, self._got_subscription)

    def _got_subscription(self, result: Any, error: dict[str, Any] | None) -> None:
        self._subscribing = False
        _raise_for_auth(self.where, error)
        if error is not None or not isinstance(result, dict):
            # Klippy left between server.info and the subscription: keep polling.
            self._subscribed = False
            self._emit_objects()
            return
        self._subscribed = True
        self._objects = {}
        self._merge(result.get("status") or {})
        hooks_state = self._objects.get("webhooks", {}).get("state")
        if hooks_state:
            self._klippy_state = hooks_state
        self._emit_objects()

    def _merge(self, changed: dict[str, dict[str, Any]]) -> None:
        for name, fields in changed.items():
            self._objects.setdefault(name, {}).update(fields)
            if name == "webhooks" and "state" in fields:
                self._klippy_state = fields["state"]

    def _emit_objects(self) -> None:
        if self._klippy_state == "disconnected" or not self._subscribed:
            self._emit(status_from_objects(self._objects, self._klippy_state))
        else:
            self._emit(status_from_objects(self._objects))


def _raise_for_auth(where: str, error: dict[str, Any] | None) -> None:
    """A JSON-RPC error that says our credentials are wrong or missing.

    Moonraker turns its 401 into JSON-RPC's -32602 ("invalid params"), which it also uses for
    real parameter errors; those say "Invalid params".
    """
    if error is None:
        return
    code, message = error.get("code"), str(error.get("message", ""))
    if code in (401, 403) or (code == -32602 and not message.startswith("Invalid params")):
        raise PrinterAuthError(f"{where} refused the API key ({message})")
