"""The per-person page cache of read-mostly pages (quotes)."""

from django.contrib import messages
from django.http import HttpResponse
from django.test import RequestFactory

from printhub.site.pagecache import cached_page


def _request(client, path="/quotes/x/"):
    request = RequestFactory().get(path)
    request.session = client.session
    request.COOKIES = dict(client.cookies.items())
    request._messages = messages.storage.default_storage(request)
    return request


def test_second_view_comes_from_the_cache(settings, client_for):
    settings.PAGE_CACHE_SECONDS = 10
    client = client_for("citizen")
    renders = []

    def render():
        renders.append(1)
        return HttpResponse(f"page {len(renders)}")

    first = cached_page(_request(client), render)
    second = cached_page(_request(client), render)
    assert first.content == second.content == b"page 1"
    assert len(renders) == 1


def test_people_do_not_share_cached_pages(settings, client_for):
    settings.PAGE_CACHE_SECONDS = 10
    pages = iter([b"citizen's", b"student's"])
    a = cached_page(_request(client_for("citizen")), lambda: HttpResponse(next(pages)))
    b = cached_page(_request(client_for("student")), lambda: HttpResponse(next(pages)))
    assert a.content == b"citizen's" and b.content == b"student's"


def test_a_page_with_a_message_waiting_is_rendered_afresh(settings, client_for):
    settings.PAGE_CACHE_SECONDS = 10
    client = client_for("citizen")
    cached_page(_request(client), lambda: HttpResponse("old"))
    request = _request(client)
    messages.success(request, "saved")
    assert cached_page(request, lambda: HttpResponse("new")).content == b"new"


def test_errors_are_not_cached(settings, client_for):
    settings.PAGE_CACHE_SECONDS = 10
    client = client_for("citizen")
    cached_page(_request(client), lambda: HttpResponse("oops", status=500))
    assert cached_page(_request(client), lambda: HttpResponse("fine")).content == b"fine"


def test_turned_off_with_zero_seconds(settings, client_for):
    settings.PAGE_CACHE_SECONDS = 0
    client = client_for("citizen")
    cached_page(_request(client), lambda: HttpResponse("one"))
    assert cached_page(_request(client), lambda: HttpResponse("two")).content == b"two"
