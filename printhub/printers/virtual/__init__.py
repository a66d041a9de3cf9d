"""The virtual printer: prints G-code against a clock, and fails on request."""

from printhub.printers.virtual.printer import POWER_LOSS_MESSAGE, Fault, VirtualPrinter

__all__ = ["POWER_LOSS_MESSAGE", "Fault", "VirtualPrinter"]
