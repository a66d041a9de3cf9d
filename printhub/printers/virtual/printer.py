"""An in-process printer that "prints" G-code files against a clock.

It follows the same state rules as the real connectors (409-like conflicts raise
``PrinterBusy`` / ``PrinterNotPrinting``), so the demo and the platform's tests can drive it
exactly like an OctoPrint or Moonraker printer, and it can be told to fail, jam or lose
power, which real printers do but cannot be asked to do on cue.

Time: a file takes its slicer estimate (else ``default_duration_s``) divided by
``time_scale`` seconds of ``clock`` time; status reports those clock seconds. Nothing runs in
the background: every call brings the state up to the clock's present, so a fake clock makes
tests deterministic. All methods are thread-safe.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from printhub.printers.base import Printer, PrinterState, PrinterStatus, Temperature
from printhub.printers.errors import (
    PrinterBusy,
    PrinterFileError,
    PrinterNotPrinting,
    PrinterUnavailable,
)
from printhub.printers.virtual.gcode import estimated_print_time_s


class Fault(enum.StrEnum):
    """What can go wrong with the virtual printer on request."""

    FAIL = "fail"  # firmware error: the print stops for good (state ERROR)
    JAM = "jam"  # filament jam: the print pauses with an error until resumed
    POWER_LOSS = "power_loss"  # the printer vanishes (PrinterUnavailable) and loses the job


_FAULT_MESSAGES = {
    Fault.FAIL: "the print failed: simulated firmware error",
    Fault.JAM: "filament jam: clear the extruder, then resume",
}
POWER_LOSS_MESSAGE = "the last print was interrupted by a power loss"


@dataclass
class _Job:
    file: str
    duration_s: float  # clock seconds of active printing the file needs
    started_at: float
    paused_s: float = 0.0  # clock seconds spent paused, so far
    paused_at: float | None = None
    stopped_at: float | None = None  # completed, cancelled or failed

    def printed_s(self, now: float) -> float:
        """Clock seconds of active printing up to ``now``."""
        end = self.stopped_at if self.stopped_at is not None else now
        if self.paused_at is not None:
            end = min(end, self.paused_at)
        return max(0.0, min(self.duration_s, end - self.started_at - self.paused_s))

    def moment_of(self, progress: float) -> float:
        """Clock time at which an unpaused job reaches ``progress``."""
        return self.started_at + self.paused_s + progress * self.duration_s


@dataclass
class _ScheduledFault:
    fault: Fault
    at_progress: float
    reason: str | None
    skip_job: _Job | None  # the print that was already past at_progress when scheduled


class VirtualPrinter(Printer):
    """A printer simulated in this process; see the module docstring."""

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        default_duration_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        tool_target_c: float = 215.0,
        bed_target_c: float = 60.0,
        ambient_c: float = 25.0,
        name: str = "virtual printer",
    ):
        if time_scale <= 0:
            raise ValueError(f"time_scale must be positive, not {time_scale}")
        if default_duration_s <= 0:
            raise ValueError(f"default_duration_s must be positive, not {default_duration_s}")
        self.name = name
        self.time_scale = time_scale
        self.default_duration_s = default_duration_s
        self._clock = clock
        self._tool_target_c = tool_target_c
        self._bed_target_c = bed_target_c
        self._ambient_c = ambient_c
        self._lock = threading.RLock()
        self._files: dict[str, float] = {}  # name -> print time in printer seconds
        self._state = PrinterState.IDLE
        self._job: _Job | None = None
        self._error: str | None = None
        self._is_powered = True
        self._scheduled: list[_ScheduledFault] = []

    # -- the connector interface

    def upload(self, path: str | Path, name: str | None = None) -> str:
        """Store a G-code file (only its estimated print time is kept)."""
        path = Path(path)
        name = name or path.name
        if not name or "/" in name or name in {".", ".."}:
            raise PrinterFileError(f"{self.name}: {name!r} is not a valid file name")
        try:
            gcode = path.read_bytes()
        except OSError as err:
            raise PrinterFileError(f"{self.name}: cannot read {path}: {err.strerror}") from err
        estimate_s = estimated_print_time_s(gcode)
        with self._lock:
            self._advance()
            if self._state.is_busy and self._job is not None and self._job.file == name:
                raise PrinterBusy(f"{self.name}: cannot replace {name!r} while it is printing")
            self._files[name] = estimate_s if estimate_s is not None else self.default_duration_s
        return name

    def start(self, name: str) -> None:
        """Start printing an uploaded file."""
        with self._lock:
            self._advance()
            if self._state.is_busy:
                raise PrinterBusy(f"{self.name} is busy printing {self._job.file!r}")
            if name not in self._files:
                raise PrinterFileError(f"{self.name} has no file {name!r}: upload it first")
            self._job = _Job(name, self._files[name] / self.time_scale, self._clock())
            self._state = PrinterState.PRINTING
            self._error = None

    def pause(self) -> None:
        """Pause the print; pausing a paused print does nothing."""
        with self._lock:
            self._advance()
            if self._state is PrinterState.PAUSED:
                return
            self._require_state(PrinterState.PRINTING, "pause")
            self._job.paused_at = self._clock()
            self._state = PrinterState.PAUSED

    def resume(self) -> None:
        """Resume a paused (or jammed) print; resuming a running print does nothing."""
        with self._lock:
            self._advance()
            if self._state is PrinterState.PRINTING:
                return
            self._require_state(PrinterState.PAUSED, "resume")
            self._resume_at(self._clock())

    def cancel(self) -> None:
        """Cancel the print at once."""
        with self._lock:
            self._advance()
            if not self._state.is_busy:
                raise PrinterNotPrinting(f"{self.name} has no print to cancel")
            self._stop(self._clock(), PrinterState.CANCELLED)

    def status(self) -> PrinterStatus:
        """The state now; raises PrinterUnavailable while the power is off."""
        with self._lock:
            self._advance()
            job = self._job
            heating = self._state.is_busy
            tool = self._tool_target_c if heating else 0.0
            bed = self._bed_target_c if heating else 0.0
            if job is None:
                progress = elapsed_s = remaining_s = None
            else:
                elapsed_s = job.printed_s(self._clock())
                progress = elapsed_s / job.duration_s
                is_counting = heating or self._state is PrinterState.COMPLETED  # 0 when done
                remaining_s = job.duration_s - elapsed_s if is_counting else None
            return PrinterStatus(
                state=self._state,
                progress=progress,
                tool=Temperature(actual=tool or self._ambient_c, target=tool),
                bed=Temperature(actual=bed or self._ambient_c, target=bed),
                file=job.file if job else None,
                elapsed_s=elapsed_s,
                remaining_s=remaining_s,
                error=self._error,
            )

    # -- faults on request

    def fail(self, reason: str | None = None) -> None:
        """Make the printer fail now (a firmware error stops the print)."""
        self._fault_now(Fault.FAIL, reason)

    def jam(self, reason: str | None = None) -> None:
        """Jam the filament now: the print pauses with an error until resumed."""
        self._fault_now(Fault.JAM, reason)

    def lose_power(self) -> None:
        """Cut the power now: the printer stops answering and forgets its print."""
        self._fault_now(Fault.POWER_LOSS, None)

    def restore_power(self) -> None:
        """Switch the printer back on: idle, with a note when a print was lost."""
        with self._lock:
            if self._is_powered:
                return
            self._is_powered = True
            self._state = PrinterState.IDLE

    def fault_at(self, progress: float, fault: Fault | str, reason: str | None = None) -> None:
        """Schedule a fault for when the current (or next) print reaches ``progress`` (0–1)."""
        if not 0 <= progress <= 1:
            raise ValueError(f"progress must be within 0–1, not {progress}")
        with self._lock:
            self._advance()
            job = self._job
            is_past = (
                job is not None
                and self._state.is_busy
                and job.printed_s(self._clock()) >= progress * job.duration_s
            )
            self._scheduled.append(
                _ScheduledFault(Fault(fault), progress, reason, job if is_past else None)
            )

    # -- internals (call with the lock held)

    def _fault_now(self, fault: Fault, reason: str | None) -> None:
        with self._lock:
            self._advance()
            if fault is Fault.JAM and self._state is not PrinterState.PRINTING:
                raise PrinterNotPrinting(f"{self.name} is not printing, so it cannot jam")
            self._apply(fault, self._clock(), reason)

    def _apply(self, fault: Fault, at: float, reason: str | None) -> None:
        if fault is Fault.POWER_LOSS:
            self._is_powered = False
            if self._state.is_busy:
                self._error = reason or POWER_LOSS_MESSAGE
            self._job = None
            self._state = PrinterState.OFFLINE
        elif fault is Fault.JAM:
            self._job.paused_at = at
            self._state = PrinterState.PAUSED
            self._error = reason or _FAULT_MESSAGES[fault]
        else:
            if self._job is not None and self._state.is_busy:
                self._stop(at, PrinterState.ERROR)
            self._state = PrinterState.ERROR
            self._error = reason or _FAULT_MESSAGES[fault]

    def _advance(self) -> None:
        """Bring the state up to the clock: completion and scheduled faults."""
        if not self._is_powered:
            raise PrinterUnavailable(f"{self.name} does not answer: it has no power")
        now = self._clock()
        job = self._job
        while self._state is PrinterState.PRINTING and job is not None:
            due = [
                (job.moment_of(f.at_progress), f) for f in self._scheduled if f.skip_job is not job
            ]
            due = [(at, f) for at, f in due if at <= now]
            done_at = job.moment_of(1.0)
            if due and min(at for at, _ in due) <= done_at:
                at, scheduled = min(due, key=lambda pair: pair[0])
                self._scheduled.remove(scheduled)
                self._apply(scheduled.fault, at, scheduled.reason)
                if not self._is_powered:
                    raise PrinterUnavailable(f"{self.name} does not answer: it has no power")
            elif done_at <= now:
                self._stop(done_at, PrinterState.COMPLETED)
            else:
                break

    def _require_state(self, state: PrinterState, command: str) -> None:
        if self._state is not state:
            raise PrinterNotPrinting(
                f"{self.name} cannot {command}: it is {self._state.value}, not {state.value}"
            )

    def _resume_at(self, now: float) -> None:
        self._job.paused_s += now - self._job.paused_at
        self._job.paused_at = None
        self._state = PrinterState.PRINTING
        self._error = None

    def _stop(self, at: float, state: PrinterState) -> None:
        if self._job.paused_at is not None:
            self._resume_at(at)
        self._job.stopped_at = at
        self._state = state
