"""A spinner with the current stage (and elapsed time on long stages), on stderr.

Shown only when stderr is a terminal, so that pipes, logs and `--json`
consumers see nothing but the result.
"""

from __future__ import annotations

import sys
import time

from rich.console import Console


class Progress:
    """Context manager: `progress.stage("Reading x.stl")` replaces the current stage."""

    def __init__(self, enabled: bool = True):
        self.console = Console(stderr=True)
        self.enabled = enabled and sys.stderr.isatty()
        self._status = None
        self._started = time.monotonic()

    def __enter__(self) -> Progress:
        if self.enabled:
            self._status = self.console.status("Starting…", spinner="dots")
            self._status.__enter__()
        return self

    def stage(self, text: str, timer: bool = False) -> None:
        """Show what is being done now; with timer, the status line counts seconds."""
        self._started = time.monotonic()
        if self._status is None:
            return
        if timer:
            started = self._started

            class _Elapsed:
                def __rich__(self_inner) -> str:
                    return f"{text}… {time.monotonic() - started:.0f} s"

            self._status.update(_Elapsed())
        else:
            self._status.update(f"{text}…")

    def __exit__(self, *exc) -> None:
        if self._status is not None:
            self._status.__exit__(*exc)
            self._status = None
