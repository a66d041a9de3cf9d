"""Klipper's printer objects (as Moonraker reports them) mapped to a PrinterStatus.

The same mapping serves a one-off query and the websocket's merged snapshot, so both report a
printer the same way.
"""

from __future__ import annotations

from typing import Any

from printhub.printers.base import PrinterState, PrinterStatus, Temperature

# The printer objects and fields a status needs (``None`` would mean every field). Asking for
# fewer fields keeps the websocket quiet: heater power, for one, changes all the time.
STATUS_OBJECTS: dict[str, list[str] | None] = {
    "webhooks": ["state", "state_message"],
    "print_stats": ["filename", "state", "message", "print_duration", "total_duration"],
    "virtual_sdcard": ["progress", "is_active"],
    "extruder": ["temperature", "target"],
    "heater_bed": ["temperature", "target"],
}

# print_stats.state (klippy/extras/print_stats.py).
_PRINT_STATES = {
    "standby": PrinterState.IDLE,
    "printing": PrinterState.PRINTING,
    "paused": PrinterState.PAUSED,
    "complete": PrinterState.COMPLETED,
    "cancelled": PrinterState.CANCELLED,
    "error": PrinterState.ERROR,
}

# Klippy's own state (``/server/info``'s klippy_state, webhooks.state) when it is not "ready".
_KLIPPY_STATES = {
    "disconnected": PrinterState.OFFLINE,  # Moonraker has no connection to Klippy
    "startup": PrinterState.OFFLINE,  # Klippy is connecting to its microcontroller
    "shutdown": PrinterState.ERROR,  # an emergency stop or a fault; needs FIRMWARE_RESTART
    "error": PrinterState.ERROR,  # e.g. a broken printer.cfg
}

KLIPPY_DISCONNECTED_TEXT = "Klippy is not connected to Moonraker"


def state_from_print_stats(state: str) -> PrinterState:
    """The state of the print; an unknown state reads as an error rather than as idle."""
    return _PRINT_STATES.get(state, PrinterState.ERROR)


def state_from_klippy(klippy_state: str) -> PrinterState | None:
    """The printer's state when Klippy is not ready; None when it is ready."""
    if klippy_state == "ready":
        return None
    return _KLIPPY_STATES.get(klippy_state, PrinterState.OFFLINE)


def status_from_objects(
    objects: dict[str, dict[str, Any]], klippy_state: str | None = None
) -> PrinterStatus:
    """A status from the queried (or merged) printer objects.

    ``klippy_state`` is ``/server/info``'s when known (it alone tells "disconnected");
    otherwise ``webhooks.state`` decides.
    """
    hooks = objects.get("webhooks") or {}
    klippy_state = klippy_state or hooks.get("state") or "ready"
    klippy_message = _first_line(hooks.get("state_message"))
    stats = objects.get("print_stats") or {}
    card = objects.get("virtual_sdcard") or {}
    tool = _temperature(objects.get("extruder"))
    bed = _temperature(objects.get("heater_bed"))

    not_ready = state_from_klippy(klippy_state)
    if not_ready is PrinterState.OFFLINE:
        text = KLIPPY_DISCONNECTED_TEXT if klippy_state == "disconnected" else klippy_message
        return PrinterStatus(state=not_ready, error=text or f"Klippy is not ready ({klippy_state})")

    file = stats.get("filename") or None
    progress = _number(card.get("progress")) if file else None
    if not_ready is PrinterState.ERROR:
        state = PrinterState.ERROR
        error = klippy_message or f"Klippy is not ready ({klippy_state})"
    else:
        state = state_from_print_stats(str(stats.get("state", "standby")))
        error = None
        if state is PrinterState.ERROR:
            error = stats.get("message") or "Klipper reports an error in the print"
    return PrinterStatus(
        state=state,
        progress=progress,
        tool=tool,
        bed=bed,
        file=file,
        elapsed_s=_number(stats.get("total_duration")) if file else None,
        remaining_s=_remaining(state, progress, _number(stats.get("print_duration"))),
        error=error,
    )


def _remaining(
    state: PrinterState, progress: float | None, printed_s: float | None
) -> float | None:
    """Seconds left, extrapolated from the time spent printing so far (pauses excluded)."""
    if state is PrinterState.COMPLETED:
        return 0.0
    if state not in (PrinterState.PRINTING, PrinterState.PAUSED):
        return None
    if not progress or printed_s is None:
        return None
    return printed_s * (1 - progress) / progress


def _temperature(heater: dict[str, Any] | None) -> Temperature | None:
    if not heater or heater.get("temperature") is None:
        return None
    return Temperature(actual=float(heater["temperature"]), target=float(heater.get("target") or 0))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _first_line(text: Any) -> str | None:
    """Klippy's state messages go on for lines of advice; the first line says what happened."""
    if not text:
        return None
    return str(text).strip().splitlines()[0]
