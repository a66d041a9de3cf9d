"""A short-lived cache of whole pages for one person, for pages that are read far more
often than what they show changes (a quote's options, a saved quote).

The key holds everything the HTML depends on that is not in the database: the
session, the CSRF cookie (the page embeds a token), the language and the full
URL. What *is* in the database (prices, queues, hours) may be at most
`PAGE_CACHE_SECONDS` old — the quote previews already work on a network snapshot
of that age (QUOTE_PREVIEW_CACHE_SECONDS). Pages with messages waiting to be
shown are never served from the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language


def _key(request: HttpRequest) -> str:
    parts = (
        request.session.session_key or "",
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        get_language(),
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
    )
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_page(request: HttpRequest, render: Callable[[], HttpResponse]) -> HttpResponse:
    """Serve a GET page from the cache, or render it and keep it (200s only)."""
    seconds = settings.PAGE_CACHE_SECONDS
    if seconds <= 0 or request.method != "GET" or len(get_messages(request)):
        return render()
    key = _key(request)
    stored = cache.get(key)
    if stored is not None:
        content, content_type = stored
        return HttpResponse(content, content_type=content_type)
    response = render()
    if response.status_code == 200 and not response.streaming:
        cache.set(key, (response.content, response["Content-Type"]), seconds)
    return response
