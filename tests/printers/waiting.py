"""Waiting on a real printer server in the connector tests."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from printhub.printers import Printer, PrinterStatus
from printhub.printers.push import PushSubscription


def wait_for(
    printer: Printer,
    condition: Callable[[PrinterStatus], bool],
    timeout_s: float,
    poll_s: float = 0.1,
) -> PrinterStatus:
    """Poll the status until ``condition`` holds; fail with the last status after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        status = printer.status()
        if condition(status):
            return status
        if time.monotonic() > deadline:
            pytest.fail(f"no status matched within {timeout_s:g} s; last: {status}")
        time.sleep(poll_s)


def next_matching(
    statuses: PushSubscription, condition: Callable[[PrinterStatus], bool], timeout_s: float
) -> tuple[PrinterStatus, list[PrinterStatus]]:
    """Read pushed statuses until one matches; returns it and every status read before it."""
    seen = []
    while True:
        try:
            status = statuses.next(timeout_s=timeout_s)
        except TimeoutError:
            pytest.fail(f"no pushed status matched; last: {seen[-1:] or None}")
        assert status is not None, "the subscription ended"
        if condition(status):
            return status, seen
        seen.append(status)
