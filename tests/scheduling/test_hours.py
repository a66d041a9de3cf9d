"""The network calendar (all centers in one search) answers as each center's own does."""

from __future__ import annotations

import numpy as np

from printhub.scheduling.hours import NEVER, Calendar, NetworkCalendar

HOUR = 3600
DAY = 24 * HOUR


def _days(n: int, opens_h: int, closes_h: int) -> Calendar:
    return Calendar(
        np.array([[d * DAY + opens_h * HOUR, d * DAY + closes_h * HOUR] for d in range(n)])
    )


def test_the_network_calendar_agrees_with_each_center():
    calendars = [
        _days(10, 9, 18),
        Calendar(np.zeros((0, 2), dtype=np.int64)),  # closed over the whole horizon
        _days(3, 0, 24),  # open round the clock, for three days
        Calendar(np.array([[5 * HOUR, 5 * HOUR + 600]])),  # once, for ten minutes
    ]
    network = NetworkCalendar(calendars)
    rng = np.random.default_rng(7)
    t = rng.integers(0, 12 * DAY, size=400)
    t[:4] = [0, 12 * DAY, 10 * DAY, 5 * HOUR + 599]  # edges: start, past the horizon
    centers = rng.integers(0, len(calendars), size=len(t))
    for setup in (0, 900, 9 * HOUR):
        got = network.earliest_start(t, centers, setup)
        want = np.array(
            [
                calendars[c].earliest_start(np.array([m]), setup)[0]
                for m, c in zip(t, centers, strict=True)
            ]
        )
        assert np.array_equal(got, want), setup
    assert (network.earliest_start(t, centers, 0)[centers == 1] == NEVER).all()
    assert network.earliest_start(np.array([8 * HOUR]), np.array([0]), 0)[0] == 9 * HOUR
    # A change of 15 min needs the whole change inside the ten minutes: never there.
    assert network.earliest_start(np.array([0]), np.array([3]), 900)[0] == NEVER
