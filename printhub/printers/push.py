"""Statuses that a printer's server pushes over a websocket (Moonraker, OctoPrint).

The part both connectors share: the connection, one reader thread that receives every frame,
the statuses handed to a callback or queued for iteration, and the end of the subscription
when the socket drops or goes silent. A connector's subclass reads its server's messages
(:meth:`_handle`) and calls :meth:`_emit` with each full status.

A server that hangs, or a link that dies without closing, leaves the socket open and
quiet: after half of ``silence_s`` without a frame the reader pings (both servers answer
pings), and after ``silence_s`` it ends the subscription with ``PrinterUnavailable``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import websocket

from printhub.printers.base import PrinterStatus
from printhub.printers.errors import (
    PrinterAuthError,
    PrinterError,
    PrinterProtocolError,
    PrinterUnavailable,
)

log = logging.getLogger(__name__)

TICK_S = 1.0  # the reader wakes at least this often (for timers and the silence check)
SILENCE_S = 10.0
_CLOSED = object()  # queued when close() ends the iteration
_READ_ERRORS = (ValueError, KeyError, TypeError, IndexError, AttributeError)


class PushSubscription:
    """Statuses of one printer as its server pushes them, through callbacks or iteration.

    With ``on_status`` the reader thread calls it for each status (and ``on_error`` once
    when the subscription ends on an error); without, iterate: ``next(subscription)``
    blocks for the next status, :meth:`next` takes a timeout. Connecting raises
    ``PrinterUnavailable`` or ``PrinterAuthError`` at once.
    """

    def __init__(
        self,
        url: str,
        where: str,
        *,
        timeout_s: float,
        header: Sequence[str] = (),
        on_status: Callable[[PrinterStatus], None] | None = None,
        on_error: Callable[[PrinterError], None] | None = None,
        silence_s: float = SILENCE_S,
    ):
        self.url = url
        self.where = where
        self.last_status: PrinterStatus | None = None
        self.silence_s = silence_s
        self._on_status = on_status
        self._on_error = on_error
        self._queue: queue.Queue[Any] = queue.Queue()
        self._closing = False
        self._last_frame = time.monotonic()
        self._pinged = False
        try:
            self._ws = websocket.create_connection(url, timeout=timeout_s, header=list(header))
        except websocket.WebSocketBadStatusException as err:
            if err.status_code in (401, 403):
                raise PrinterAuthError(f"{where} refused the API key ({err.status_code})") from err
            raise PrinterUnavailable(f"{where} refused to connect: {err}") from err
        except (OSError, websocket.WebSocketException) as err:
            raise PrinterUnavailable(f"{where} cannot be reached: {err}") from err
        self._reader = threading.Thread(target=self._read_loop, name="printer-push", daemon=True)

    def _start(self) -> None:
        """Hand the socket to the reader thread (the subclass's handshake is done)."""
        self._ws.settimeout(min(TICK_S, self.silence_s / 4))
        self._last_frame = time.monotonic()
        self._reader.start()

    def _abort(self) -> None:
        """Close the socket of a subscription whose handshake failed."""
        with contextlib.suppress(Exception):
            self._ws.close(timeout=0)

    # -- the caller's side

    def __iter__(self) -> PushSubscription:
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

    def __enter__(self) -> PushSubscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- for subclasses

    def _handle(self, message: dict[str, Any]) -> None:
        """One JSON message from the server (in the reader thread)."""
        raise NotImplementedError

    def _tick(self) -> None:
        """Called after every frame and at least every second (in the reader thread)."""

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self._ws.send(json.dumps(message))
        except (OSError, websocket.WebSocketException) as err:
            raise PrinterUnavailable(f"{self.where} dropped: {err}") from err

    def _receive_now(self) -> dict[str, Any]:
        """The next message, waiting for it (for a handshake before the reader starts)."""
        while True:
            try:
                raw = self._ws.recv()
            except (OSError, websocket.WebSocketException) as err:
                raise PrinterUnavailable(f"{self.where} dropped: {err}") from err
            if raw:
                try:
                    return _decode(raw)
                except _READ_ERRORS as err:
                    raise self._unreadable(err) from err

    def _emit(self, status: PrinterStatus) -> None:
        self.last_status = status
        if self._on_status is None:
            self._queue.put(status)
            return
        try:
            self._on_status(status)
        except Exception:  # the caller's bug must not end the subscription
            log.exception("on_status callback failed for %s", self.where)

    # -- the reader thread

    def _read_loop(self) -> None:
        error: PrinterError | None = None
        while not self._closing:
            try:
                message = self._receive()
                if message is not None:
                    self._handle(message)
                self._tick()
            except _READ_ERRORS as err:
                error = self._unreadable(err)
                break
            except PrinterError as err:
                if not self._closing:
                    error = err
                break
        self._abort()
        if error is not None:
            self._report_error(error)
        else:
            self._queue.put(_CLOSED)

    def _receive(self) -> dict[str, Any] | None:
        """The next message, or None after a control frame or a second of silence."""
        try:
            opcode, data = self._ws.recv_data(control_frame=True)
        except websocket.WebSocketTimeoutException:
            self._check_silence()
            return None
        except (OSError, websocket.WebSocketException) as err:
            raise PrinterUnavailable(f"{self.where} dropped: {err or type(err).__name__}") from err
        self._last_frame = time.monotonic()
        self._pinged = False
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            raise PrinterUnavailable(f"{self.where} was closed by the server")
        if opcode not in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
            return None  # ping, pong
        return _decode(data)

    def _check_silence(self) -> None:
        silent_s = time.monotonic() - self._last_frame
        if silent_s >= self.silence_s:
            raise PrinterUnavailable(
                f"{self.where} went silent: no answer to a ping within {silent_s:.0f} s"
            )
        if silent_s >= self.silence_s / 2 and not self._pinged:
            self._pinged = True
            try:
                self._ws.ping()
            except (OSError, websocket.WebSocketException) as err:
                raise PrinterUnavailable(f"{self.where} dropped: {err}") from err

    def _unreadable(self, err: Exception) -> PrinterProtocolError:
        return PrinterProtocolError(f"{self.where} sent a message it cannot read: {err!r}")

    def _report_error(self, error: PrinterError) -> None:
        if self._on_status is None:
            self._queue.put(error)
            return
        if self._on_error is not None:
            try:
                self._on_error(error)
            except Exception:
                log.exception("on_error callback failed for %s", self.where)


def _decode(raw: str | bytes) -> dict[str, Any]:
    message = json.loads(raw)
    if not isinstance(message, dict):
        raise TypeError(f"expected a JSON object, got {type(message).__name__}")
    return message


def websocket_url(base_url: str, path: str) -> str:
    """``http(s)://host/`` + ``path`` as a ``ws(s)://`` address."""
    base = base_url.rstrip("/")
    for scheme, ws_scheme in (("https://", "wss://"), ("http://", "ws://")):
        if base.startswith(scheme):
            return ws_scheme + base[len(scheme) :] + path
    return base + path
