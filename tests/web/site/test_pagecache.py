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


class _Clock:
    """time.time() of the page cache, moved by hand."""

    def __init__(self, monkeypatch):
        self.now = 1_000_000.0
        monkeypatch.setattr("printhub.site.pagecache.time.time", lambda: self.now)


def test_past_half_its_life_a_page_is_renewed(settings, client_for, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 10
    clock = _Clock(monkeypatch)
    client = client_for("citizen")
    cached_page(_request(client), lambda: HttpResponse("old"))
    clock.now += 4
    assert cached_page(_request(client), lambda: HttpResponse("new")).content == b"old"
    clock.now += 2  # 6 s: past half of 10
    assert cached_page(_request(client), lambda: HttpResponse("new")).content == b"new"
    assert cached_page(_request(client), lambda: HttpResponse("newer")).content == b"new"


def test_while_one_request_renews_the_others_get_the_kept_page(settings, client_for, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 10
    clock = _Clock(monkeypatch)
    client = client_for("citizen")
    cached_page(_request(client), lambda: HttpResponse("old"))
    clock.now += 6
    seen = []

    def slow_render():
        # Another request arrives while this one renders the page.
        seen.append(cached_page(_request(client), lambda: HttpResponse("second")).content)
        return HttpResponse("renewed")

    assert cached_page(_request(client), slow_render).content == b"renewed"
    assert seen == [b"old"]
    assert cached_page(_request(client), lambda: HttpResponse("x")).content == b"renewed"


def test_on_a_miss_the_others_wait_for_the_one_rendering(settings, client_for, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 10
    monkeypatch.setattr("printhub.site.pagecache._POLL_S", 0.001)
    client = client_for("citizen")
    from django.core.cache import cache

    from printhub.site.pagecache import _key

    key = _key(_request(client))
    cache.add(f"{key}:rendering", 1)  # another request is rendering the page
    sleeps = []

    def the_other_request_finishes(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            cache.set(key, (b"theirs", "text/html", 0.0), 10)

    monkeypatch.setattr("printhub.site.pagecache.time.sleep", the_other_request_finishes)
    assert cached_page(_request(client), lambda: HttpResponse("mine")).content == b"theirs"
    assert len(sleeps) == 3


def test_a_waiting_request_renders_itself_when_the_other_gave_up(settings, client_for, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 10
    client = client_for("citizen")
    from django.core.cache import cache

    from printhub.site.pagecache import _key

    key = _key(_request(client))
    cache.add(f"{key}:rendering", 1)
    monkeypatch.setattr(
        "printhub.site.pagecache.time.sleep", lambda s: cache.delete(f"{key}:rendering")
    )
    assert cached_page(_request(client), lambda: HttpResponse("mine")).content == b"mine"
