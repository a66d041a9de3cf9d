"""Errors of the printer connectors, the same for every kind of printer.

Each connector translates what its protocol reports (HTTP status codes, refused connections,
firmware messages) into one of these, so that callers handle printers without knowing their
API. ``str(error)`` is one line a person can act on.
"""

from __future__ import annotations


class PrinterError(Exception):
    """Base of every error a printer connector raises on purpose."""


class PrinterUnavailable(PrinterError):
    """The printer cannot be reached: server down, connection refused, timeout, no power."""


class PrinterAuthError(PrinterError):
    """The printer's server refused our credentials (wrong or missing API key)."""


class PrinterConflict(PrinterError):
    """The printer's current state does not allow the command (HTTP 409 and the like)."""


class PrinterBusy(PrinterConflict):
    """The printer is busy with another print, so it cannot start or replace a file now."""


class PrinterNotPrinting(PrinterConflict):
    """Pause, resume or cancel was asked while there is no print to act on."""


class PrinterFileError(PrinterError):
    """A file cannot be uploaded or printed: missing, unreadable, rejected or unknown."""


class PrinterProtocolError(PrinterError):
    """The printer's server answered something the connector does not understand."""
