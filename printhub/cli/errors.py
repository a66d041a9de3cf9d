"""How the command line turns errors into one clear line and an exit code."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

from printhub.geometry.errors import GeometryError
from printhub.scheduling.scenario import ScenarioError
from printhub.slicing.errors import SlicingError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A command was given something it cannot use (an unknown output type, ...)."""


def _say(message: str) -> None:
    sys.stderr.write(f"printhub: error: {message}\n")


def run_safely(action: Callable[[], int | None], debug: bool = False) -> int:
    """Run a command; map known errors to exit code 2 and anything else to 1."""
    try:
        return action() or EXIT_OK
    except (GeometryError, SlicingError, ScenarioError, UsageError) as err:
        _say(str(err))
        return EXIT_BAD_INPUT
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        _say(f"{where}{err.strerror or err}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except Exception as err:  # a bug: still one line, the traceback only on request
        if debug:
            traceback.print_exc()
        _say(f"internal error ({type(err).__name__}: {err}); run with --debug for details")
        return EXIT_INTERNAL
