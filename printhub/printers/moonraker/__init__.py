"""The Moonraker connector (Klipper's API server: REST, plus a websocket for pushed status)."""

from printhub.printers.moonraker.printer import MoonrakerPrinter

__all__ = ["MoonrakerPrinter"]
