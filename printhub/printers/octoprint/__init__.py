"""The OctoPrint connector (REST API with an API key)."""

from printhub.printers.octoprint.printer import OctoPrintPrinter

__all__ = ["OctoPrintPrinter"]
