"""Errors of the slicing library.

Every error carries a message a person can act on: which file, which entry, which option,
and what to do about it. The CLI and the web show ``str(error)`` as one clear line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class SlicingError(Exception):
    """Base of every error the slicing library raises on purpose."""


class ProfileError(SlicingError):
    """A PrusaSlicer vendor bundle (``*.ini``) is malformed or inconsistent."""

    def __init__(
        self,
        problem: str,
        path: str | Path | None = None,
        section: str | None = None,
        line: int | None = None,
    ):
        self.problem = problem
        self.path = Path(path) if path is not None else None
        self.section = section
        self.line = line
        where = []
        if self.path is not None:
            where.append(self.path.name + (f":{line}" if line is not None else ""))
        if section is not None:
            where.append(f"[{section}]")
        super().__init__(f"{' '.join(where)}: {problem}" if where else problem)


class ConditionError(SlicingError):
    """A ``compatible_*_condition`` expression cannot be parsed or evaluated."""

    def __init__(self, problem: str, expression: str, position: int | None = None):
        self.problem = problem
        self.expression = expression
        self.position = position
        at = f" at character {position}" if position is not None else ""
        super().__init__(f"{problem}{at} in condition {expression!r}")


class CatalogError(SlicingError):
    """An entry of the curated catalog (``data/*.toml``) is invalid."""

    def __init__(
        self, problem: str, path: str | Path, entry: str | None = None, option: str | None = None
    ):
        self.problem = problem
        self.path = Path(path)
        self.entry = entry
        self.option = option
        where = self.path.name
        if entry is not None:
            where += f" [{entry}]"
        if option is not None:
            where += f" {option}"
        super().__init__(f"{where}: {problem}")


class _UnknownId(SlicingError, LookupError):
    kind = "entry"

    def __init__(self, wanted: str, suggestions: Sequence[str] = ()):
        self.wanted = wanted
        self.suggestions = tuple(suggestions)
        message = f"unknown {self.kind} {wanted!r}"
        if self.suggestions:
            message += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        else:
            message += f"; list the known ones with Catalog.{self.kind}s()"
        super().__init__(message)

    def __str__(self) -> str:
        # LookupError would otherwise print the repr of the message (quotes around it).
        return self.args[0]


class UnknownPrinter(_UnknownId):
    """No printer in the catalog has that id."""

    kind = "printer"


class UnknownMaterial(_UnknownId):
    """No material in the catalog has that id."""

    kind = "material"


class IncompatibleMaterial(SlicingError):
    """The material cannot be printed on that printer (process, nozzle, enclosure, ...)."""

    def __init__(self, printer_id: str, material_id: str, reason: str):
        self.printer_id = printer_id
        self.material_id = material_id
        self.reason = reason
        super().__init__(f"material {material_id!r} cannot be printed on {printer_id!r}: {reason}")


class InvalidSettings(SlicingError, ValueError):
    """Print settings out of range, or not possible on the chosen printer."""


class SlicingNotAvailable(SlicingError):
    """The printer's process has no slicer here (SLS is estimated only)."""


class SlicerNotInstalled(SlicingError):
    """The PrusaSlicer executable cannot be found or does not run."""


class SlicerFailed(SlicingError):
    """PrusaSlicer ran but failed; the message holds the useful part of its output."""

    def __init__(self, message: str, returncode: int | None = None, output_tail: str = ""):
        self.returncode = returncode
        self.output_tail = output_tail
        super().__init__(message)


class SlicerTimeout(SlicerFailed):
    """PrusaSlicer did not finish within the time limit and was stopped."""


class GcodeFormatError(SlicingError, ValueError):
    """A G-code (or SL1S archive) lacks the figures PrusaSlicer writes, or they are malformed."""

    def __init__(self, problem: str, path: str | Path | None = None):
        self.problem = problem
        self.path = Path(path) if path is not None else None
        super().__init__(f"{self.path.name}: {problem}" if self.path else problem)
