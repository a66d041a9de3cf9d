"""The fleet monitor: one long-running process that talks to every printer of the network.

Each turn it reads every printer that is due (in a small thread pool: a slow printer
does not hold up the others), reconciles jobs with what the printers say
(`fleet.apply_status`), carries out the commands the web and the workers left
(`fleet.run_command`), re-plans when something happened, sends the next planned jobs to
slicing and starts ready jobs on printers whose beds are confirmed clear.

Printers whose API pushes (`subscribe`: Moonraker's websocket, OctoPrint's socket) are
subscribed to: their latest pushed status is used, with no request, while the socket
stays up; when it drops or goes silent, the printer is read by request (and subscribed to
again at its next reading). Virtual printers are read every `interval_s`. A printer that
does not answer is read again after a back-off that doubles up to `max_backoff_s`, and is
unreachable after `fleet.OFFLINE_AFTER` misses in a row. A printer whose connection is
changed in the admin (kind, address, key) or that is removed is let go: its socket is
closed and the new settings are used at the next reading. Virtual printers live in this
process: when it stops they stop, as after a power cut, and the next monitor finds them
idle.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, transaction

from printhub.printers import Printer, PrinterError
from printhub.production import dispatch, fleet, planning
from printhub.production.models import Command, Station

log = logging.getLogger(__name__)


class Monitor:
    def __init__(
        self,
        connect: Callable[[Station], Printer] = fleet.connect,
        *,
        interval_s: float = 1.0,
        max_backoff_s: float = 30.0,
        workers: int = 32,
        wait_s: float | None = None,
        replan_every_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.connect = connect
        self.interval_s = interval_s
        self.max_backoff_s = max_backoff_s
        self.replan_every_s = replan_every_s
        self.clock = clock
        self.printers: dict[int, Printer] = {}
        self.connected_as: dict[int, tuple[str, str, str]] = {}  # station id -> connection
        self.next_read: dict[int, float] = {}
        self.last_plan = -float("inf")
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="printer")
        # How long a turn waits for answers; later answers are applied at a later turn.
        self.wait_s = 0.5 * interval_s if wait_s is None else wait_s
        self.reading: dict[int, futures.Future] = {}  # station id -> a read under way
        self.readings = 0  # for the benchmark: readings applied since start
        self.subscriptions: dict[int, object] = {}
        self.pushed: dict[int, object] = {}  # station id -> latest pushed PrinterStatus
        self._push_lock = threading.Lock()

    def printer_for(self, station: Station) -> Printer:
        printer = self.printers.get(station.pk)
        if printer is None:
            printer = self.printers[station.pk] = self.connect(station)
            self.connected_as[station.pk] = _connection(station)
        return printer

    def _let_go_of_changed(self, stations: list[Station]) -> None:
        """Forget the connector (and close the socket) of a printer whose connection
        changed or whose station is gone; one being read is let go at a later turn."""
        now_as = {station.pk: _connection(station) for station in stations}
        for pk in list(self.printers):
            if pk not in self.reading and now_as.get(pk) != self.connected_as.get(pk):
                self.printers.pop(pk, None)
                self.connected_as.pop(pk, None)
                with self._push_lock:
                    subscription = self.subscriptions.pop(pk, None)
                    self.pushed.pop(pk, None)
                if subscription is not None:
                    subscription.close()

    def _subscribe(self, station: Station, printer) -> None:
        """Listen to a printer that pushes; a failure leaves it to be read by request."""
        pk = station.pk

        def on_status(status) -> None:
            with self._push_lock:
                self.pushed[pk] = status

        def on_error(error) -> None:
            with self._push_lock:
                self.subscriptions.pop(pk, None)
                self.pushed.pop(pk, None)

        try:
            self.subscriptions[pk] = printer.subscribe(on_status, on_error)
        except PrinterError:
            self.subscriptions.pop(pk, None)

    def _read(self, station: Station):
        try:
            printer = self.printer_for(station)
            if hasattr(printer, "subscribe") and station.pk not in self.subscriptions:
                self._subscribe(station, printer)
            with self._push_lock:
                pushed = self.pushed.get(station.pk) if station.pk in self.subscriptions else None
            return station, pushed or printer.status(), None
        except PrinterError as err:
            return station, None, str(err) or type(err).__name__

    def poll(self) -> int:
        """Read every printer that is due and reconcile; returns how many readings were
        applied. A printer slow to answer is left reading in the background and its
        answer applied at a later turn, so it never holds up the others."""
        now = self.clock()
        # A printer due a moment after this turn would otherwise wait a whole turn.
        horizon = now + 0.2 * self.interval_s
        stations = list(Station.objects.select_related("printer__center"))
        self._let_go_of_changed(stations)
        for station in stations:
            if station.pk not in self.reading and self.next_read.get(station.pk, 0) <= horizon:
                self.reading[station.pk] = self.pool.submit(self._read, station)
        if self.reading:
            futures.wait(list(self.reading.values()), timeout=self.wait_s)
        done = [f.result() for f in self.reading.values() if f.done()]
        for station, _status, _error in done:
            del self.reading[station.pk]
        jobs = fleet.watched_jobs(s.printer_id for s, _, _ in done)
        # One transaction per turn (one commit, not one per printer); a savepoint per
        # printer, so that one printer's trouble does not undo the others' readings.
        with transaction.atomic():
            for station, status, error in done:
                try:
                    with transaction.atomic():
                        if status is not None:
                            mine = jobs.get(station.printer_id, [])
                            fleet.apply_status(station, status, jobs=mine)
                        else:
                            fleet.record_miss(station, error)
                except Exception:
                    log.exception("reading of %s not recorded", station.printer)
                if status is not None:
                    self.next_read[station.pk] = now + self.interval_s
                else:
                    backoff = self.interval_s * 2 ** min(station.missed, 10)
                    self.next_read[station.pk] = now + min(self.max_backoff_s, backoff)
                self.readings += 1
        return len(done)

    def run_commands(self) -> int:
        pending = Command.objects.filter(outcome=Command.Outcome.PENDING).select_related(
            "station__printer__center", "job"
        )
        count = 0
        for command in pending:
            fleet.run_command(command, self.printer_for(command.station))
            self.next_read[command.station_id] = 0.0  # read it again at once
            count += 1
        return count

    def plan_and_dispatch(self) -> None:
        now = self.clock()
        wanted = planning.replan_due() or now - self.last_plan > 60
        if wanted and now - self.last_plan >= self.replan_every_s:
            planning.replan("monitor")
            self.last_plan = now
        dispatch.prepare_next()
        for station in Station.objects.filter(bed_clear=True).select_related("printer__center"):
            if fleet.auto_start(station, self.printer_for(station)):
                self.next_read[station.pk] = 0.0

    def turn(self) -> None:
        """One turn: read, command, plan, dispatch."""
        self.poll()
        self.run_commands()
        self.plan_and_dispatch()

    def run(self, stop: threading.Event) -> None:
        """Turn until `stop` is set; an error in one turn is logged, the next turn goes on."""
        while not stop.is_set():
            began = self.clock()
            try:
                close_old_connections()
                self.turn()
            except Exception:
                log.exception("fleet monitor turn failed")
            stop.wait(max(0.05, self.interval_s - (self.clock() - began)))
        self.close()

    def close(self) -> None:
        for subscription in list(self.subscriptions.values()):
            subscription.close()
        self.pool.shutdown(wait=False)


def _connection(station: Station) -> tuple[str, str, str]:
    return (station.kind, station.url, station.api_key)
