"""The accounts tests count log-in failures and reset mails in the cache: start each clean."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()
