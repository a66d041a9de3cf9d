"""Korean first: the language comes from the person's choice, else Korean.

Django's LocaleMiddleware would follow the browser's Accept-Language; the hub's
users are Korean and the city wants Korean first, so only an explicit choice
(the language switch's cookie, or a signed-in person's preference) changes it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

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
