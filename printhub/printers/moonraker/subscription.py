"""Pushed statuses from Moonraker's JSON-RPC websocket (``/websocket``).

Moonraker's ``notify_status_update`` carries only the fields that changed, so the subscription
keeps the last full snapshot of the printer objects, merges each update into it and reports a
full :class:`PrinterStatus` every time. When Klippy disconnects Moonraker drops every
subscription; the subscription asks ``server.info`` until Klippy is ready and subscribes again.
A websocket that drops ends the subscription with ``PrinterUnavailable``: the caller reconnects.

One reader thread does everything (requests are sent without waiting, their answers are
dispatched by id), so no callback ever waits for the socket it is called from.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import websocket

from printhub.printers.base import PrinterStatus
from printhub.printers.errors import (
    PrinterAuthError,
    PrinterError,
    PrinterProtocolError,
    PrinterUnavailable,
)
from printhub.printers.moonraker.states import STATUS_OBJECTS, status_from_objects

log = logging.getLogger(__name__)

POLL_S = 1.0  # how often to ask server.info while Klippy is not ready
_CLOSED = object()  # queued when close() ends the iteration


class MoonrakerSubscription:
    """Statuses of one printer as Moonraker pushes them, through callbacks or iteration.

    With ``on_status`` the reader thread calls it for each status (and ``on_error`` once if
    the websocket drops); without, iterate: ``next(subscription)`` blocks for the next status,
    :meth:`next` takes a timeout. Connecting raises ``PrinterUnavailable`` or
    ``PrinterAuthError`` at once.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 10.0,
        on_status: Callable[[PrinterStatus], None] | None = None,
        on_error: Callable[[PrinterError], None] | None = None,
    ):
        self.url = _websocket_url(base_url)
        self.where = f"Moonraker's websocket at {self.url}"
        self.last_status: PrinterStatus | None = None
        self._api_key = api_key
        self._on_status = on_status
        self._on_error = on_error
        self._queue: queue.Queue[Any] = queue.Queue()
        self._ids = itertools.count(1)
        self._pending: dict[int, Callable[[Any, dict[str, Any] | None], None]] = {}
        self._objects: dict[str, dict[str, Any]] = {}
        self._klippy_state = "disconnected"
        self._subscribed = False
        self._subscribing = False
        self._info_pending = False
        self._last_poll = 0.0
        self._closing = False
        header = [f"X-Api-Key: {api_key}"] if api_key else []
        try:
            self._ws = websocket.create_connection(self.url, timeout=timeout_s, header=header)
        except websocket.WebSocketBadStatusException as err:
            if err.status_code in (401, 403):
                raise PrinterAuthError(
                    f"{self.where} refused the API key ({err.status_code})"
                ) from err
            raise PrinterUnavailable(f"{self.where} refused to connect: {err}") from err
        except (OSError, websocket.WebSocketException) as err:
            raise PrinterUnavailable(f"{self.where} cannot be reached: {err}") from err
        self._reader = threading.Thread(target=self._read_loop, name="moonraker-ws", daemon=True)
        try:
            self._identify(timeout_s)
        except BaseException:
            self._ws.close(timeout=0)
            raise
        self._ws.settimeout(POLL_S)  # recv wakes up to poll while Klippy is not ready
        self._ask_info()
        self._reader.start()

    # -- the caller's side

    def __iter__(self) -> MoonrakerSubscription:
        return self

    def __next__(self) -> PrinterStatus:
        status = self.next()
        if status is None:
            raise StopIteration
        return status

    def next(self, timeout_s: float | None = None) -> PrinterStatus | None:
        """The next status; None once closed. Raises ``TimeoutError`` after ``timeout_s``,
        and the ``PrinterError`` that ended the subscription (a dropped websocket)."""
        try:
            item = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            raise TimeoutError(f"no status from {self.where} within {timeout_s:g} s") from None
        if item is _CLOSED:
            self._queue.put(_CLOSED)  # later calls end too
            return None
        if isinstance(item, PrinterError):
            self._queue.put(item)
            raise item
        return item

    def close(self) -> None:
        """Stop listening; the reader thread ends and iteration stops."""
        self._closing = True
        sock = getattr(self._ws, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reader blocked in recv
        if self._reader.is_alive() and self._reader is not threading.current_thread():
            self._reader.join(timeout=5)

    def __enter__(self) -> MoonrakerSubscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the reader thread

    def _read_loop(self) -> None:
        error: PrinterError | None = None
        while not self._closing:
            try:
                raw = self._ws.recv()
            except websocket.WebSocketTimeoutException:
                raw = None
            except (OSError, websocket.WebSocketException) as err:
                if not self._closing:
                    error = PrinterUnavailable(f"{self.where} dropped: {err or type(err).__name__}")
                break
            else:
                if not raw:  # a close frame
                    if not self._closing:
                        error = PrinterUnavailable(f"{self.where} was closed by the server")
                    break
            try:
                if raw:
                    self._dispatch(json.loads(raw))
                self._poll_if_due()
            except (ValueError, KeyError, TypeError, IndexError, AttributeError) as err:
                error = PrinterProtocolError(f"{self.where} sent a message it cannot read: {err}")
                break
            except PrinterError as err:
                error = err
                break
        with contextlib.suppress(Exception):
            self._ws.close(timeout=0)
        if error is not None:
            self._report_error(error)
        else:
            self._queue.put(_CLOSED)

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
        message = {"jsonrpc": "2.0", "method": method, "params": params, "id": request_id}
        try:
            self._ws.send(json.dumps(message))
        except (OSError, websocket.WebSocketException) as err:
            raise PrinterUnavailable(f"{self.where} dropped: {err}") from err

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" not in message:
            on_answer = self._pending.pop(message["id"], None)
            if on_answer is not None:
                on_answer(message.get("result"), message.get("error"))
            return
        method = message.get("method")
        params = message.get("params") or []
        if method == "notify_status_update":
            self._merge(params[0])
            self._emit()
        elif method == "notify_klippy_ready":
            self._klippy_state = "ready"
            self._subscribe()
        elif method == "notify_klippy_shutdown":
            self._klippy_state = "shutdown"
            self._emit()
        elif method == "notify_klippy_disconnected":
            # Moonraker forgets our subscription; the next server.info poll starts over.
            self._klippy_state = "disconnected"
            self._subscribed = False
            self._objects = {}
            self._emit()

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

    def _identify(self, timeout_s: float) -> None:
        """Identify before anything else, waiting for the answer: a websocket upgrade passes
        even with a wrong API key, which Moonraker checks only here."""
        answer: list[dict[str, Any] | None] = []
        self._call(
            "server.connection.identify",
            self._identity(),
            lambda result, error: answer.append(error),
        )
        while not answer:
            try:
                raw = self._ws.recv()
            except (OSError, websocket.WebSocketException) as err:
                raise PrinterUnavailable(f"{self.where} did not identify us: {err}") from err
            if raw:
                self._dispatch(json.loads(raw))
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
            self._emit()

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
            self._emit()
            return
        self._subscribed = True
        self._objects = {}
        self._merge(result.get("status") or {})
        hooks_state = self._objects.get("webhooks", {}).get("state")
        if hooks_state:
            self._klippy_state = hooks_state
        self._emit()

    def _merge(self, changed: dict[str, dict[str, Any]]) -> None:
        for name, fields in changed.items():
            self._objects.setdefault(name, {}).update(fields)
            if name == "webhooks" and "state" in fields:
                self._klippy_state = fields["state"]

    def _emit(self) -> None:
        if self._klippy_state == "disconnected" or not self._subscribed:
            status = status_from_objects(self._objects, self._klippy_state)
        else:
            status = status_from_objects(self._objects)
        self.last_status = status
        if self._on_status is None:
            self._queue.put(status)
            return
        try:
            self._on_status(status)
        except Exception:  # the caller's bug must not end the subscription
            log.exception("on_status callback failed for %s", self.where)

    def _report_error(self, error: PrinterError) -> None:
        if self._on_status is None:
            self._queue.put(error)
            return
        if self._on_error is not None:
            try:
                self._on_error(error)
            except Exception:
                log.exception("on_error callback failed for %s", self.where)


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


def _websocket_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :] + "/websocket"
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :] + "/websocket"
    return base + "/websocket"
