"""The site's own middleware: Korean first, and no NUL characters in requests.

Korean first: the language comes from the person's choice, else Korean. Django's
LocaleMiddleware would follow the browser's Accept-Language; the hub's users are Korean and
the city wants Korean first, so only an explicit choice (the language switch's cookie, or a
signed-in person's preference) changes it.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

SUPPORTED = {code for code, _ in settings.LANGUAGES}


def language_for(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in SUPPORTED:
        return chosen
    user = getattr(request, "user", None)
    preferred = getattr(user, "preferred_language", None) if user is not None else None
    if preferred in SUPPORTED:
        return preferred
    return settings.LANGUAGE_CODE


class KoreanFirstLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class RejectNulCharactersMiddleware:
    """Refuse, with 400, a request whose path, query or form or JSON fields hold NUL (\\x00).

    No text of the hub may hold it, and PostgreSQL cannot store it: it would fail deep in a
    query as a server error. Django's form fields refuse it already; this covers URLs, query
    strings and the API's JSON. (Multipart bodies are left to the forms: reading them here
    would parse uploads before the views choose how.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _holds_nul(request):
            return _nul_refused(request)
        return self.get_response(request)


def _holds_nul(request) -> bool:
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in _pairs(request.GET)):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        return any("\x00" in k or "\x00" in v for k, v in _pairs(request.POST))
    if content_type == "application/json" or content_type.endswith("+json"):
        # JSON writes NUL as \u0000 (or a raw byte, which is invalid JSON anyway).
        if b"\\u0000" not in request.body and b"\x00" not in request.body:
            return False
        try:
            return _json_holds_nul(json.loads(request.body))
        except (ValueError, RecursionError):
            return b"\x00" in request.body  # malformed: the view says what is wrong
    return False


def _pairs(query_dict):
    return ((key, value) for key, values in query_dict.lists() for value in values)


def _json_holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_json_holds_nul(k) or _json_holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_holds_nul(item) for item in value)
    return False


def _nul_refused(request):
    with translation.override(language_for(request)):
        message = str(
            _("The request holds a NUL character (\\x00), which no text here may contain.")
        )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
