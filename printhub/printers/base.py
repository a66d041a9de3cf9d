"""The connector interface every kind of printer implements, and the status it reports."""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from pathlib import Path


class PrinterState(enum.StrEnum):
    """What a printer is doing, the same for every kind of printer."""

    OFFLINE = "offline"  # the server answers but the printer itself is not connected
    IDLE = "idle"  # ready for a print
    PRINTING = "printing"
    PAUSING = "pausing"
    PAUSED = "paused"
    CANCELLING = "cancelling"
    COMPLETED = "completed"  # the last print finished; ready for the next once the bed is clear
    CANCELLED = "cancelled"  # the last print was cancelled
    ERROR = "error"

    @property
    def is_busy(self) -> bool:
        """True while a print is under way (running, paused, or winding down)."""
        return self in _BUSY_STATES


_BUSY_STATES = frozenset(
    {
        PrinterState.PRINTING,
        PrinterState.PAUSING,
        PrinterState.PAUSED,
        PrinterState.CANCELLING,
    }
)


@dataclass(frozen=True)
class Temperature:
    """One heater's temperatures in °C; ``target`` 0 means the heater is off."""

    actual: float
    target: float


@dataclass(frozen=True)
class PrinterStatus:
    """A snapshot of a printer.

    ``progress`` is 0–1 of the current (or last) print; times are seconds of wall time;
    fields a printer cannot tell are ``None``.
    """

    state: PrinterState
    progress: float | None = None
    tool: Temperature | None = None
    bed: Temperature | None = None
    file: str | None = None
    elapsed_s: float | None = None
    remaining_s: float | None = None
    error: str | None = None


class Printer(abc.ABC):
    """A connection to one printer. Methods block until the printer has answered.

    Every method raises a :class:`~printhub.printers.errors.PrinterError`: most often
    ``PrinterUnavailable`` (unreachable), ``PrinterAuthError``, ``PrinterBusy`` /
    ``PrinterNotPrinting`` (the state does not allow it) or ``PrinterFileError``.
    """

    @abc.abstractmethod
    def upload(self, path: str | Path, name: str | None = None) -> str:
        """Copy a G-code file to the printer as ``name`` (default: the file's name).

        Returns the name under which the printer stored it, for :meth:`start`.
        """

    @abc.abstractmethod
    def start(self, name: str) -> None:
        """Start printing a file uploaded before."""

    @abc.abstractmethod
    def pause(self) -> None:
        """Pause the current print."""

    @abc.abstractmethod
    def resume(self) -> None:
        """Resume the paused print."""

    @abc.abstractmethod
    def cancel(self) -> None:
        """Cancel the current print."""

    @abc.abstractmethod
    def status(self) -> PrinterStatus:
        """What the printer is doing now."""
