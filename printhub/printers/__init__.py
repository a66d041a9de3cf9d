"""Printer connectors: one interface, one folder per kind of printer. No Django here.

from printhub.printers import VirtualPrinter
printer = VirtualPrinter(time_scale=60)
printer.start(printer.upload("part.gcode"))
printer.status().progress
"""

from printhub.printers.base import Printer, PrinterState, PrinterStatus, Temperature
from printhub.printers.errors import (
    PrinterAuthError,
    PrinterBusy,
    PrinterConflict,
    PrinterError,
    PrinterFileError,
    PrinterNotPrinting,
    PrinterProtocolError,
    PrinterUnavailable,
)
from printhub.printers.moonraker import MoonrakerPrinter
from printhub.printers.octoprint import OctoPrintPrinter
from printhub.printers.virtual import VirtualPrinter

__all__ = [
    "MoonrakerPrinter",
    "OctoPrintPrinter",
    "Printer",
    "PrinterAuthError",
    "PrinterBusy",
    "PrinterConflict",
    "PrinterError",
    "PrinterFileError",
    "PrinterNotPrinting",
    "PrinterProtocolError",
    "PrinterState",
    "PrinterStatus",
    "PrinterUnavailable",
    "Temperature",
    "VirtualPrinter",
]
