"""Background work of the inventory: telling Spoolman what a print used."""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def report_spool_use(spoolman_id: int, grams: float) -> None:
    """Report grams used from a Spoolman spool to the server of settings.SPOOLMAN_URL.

    A server that is down or refuses is logged, not retried: printhub's own record stays
    right, and Spoolman's spool can be measured again by hand.
    """
    from printhub.inventory.services import spoolman_url
    from printhub.inventory.spoolman import SpoolmanClient, SpoolmanError

    base_url = spoolman_url()
    if not base_url:
        return
    try:
        SpoolmanClient(base_url).use_spool(spoolman_id, grams)
    except (SpoolmanError, ValueError):
        log.exception("could not report %.1f g of spool %s to Spoolman", grams, spoolman_id)
