"""The JSON API: one django-ninja router per app, OpenAPI at /api/docs.

Authentication: `Authorization: Bearer <token>` (tokens from /accounts/tokens/)
or the browser's session (with its CSRF token). Rate limits per token, or per
address when anonymous (PRINTHUB_API_RATE_LIMIT, default 120 per minute).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from printhub.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    """A bearer token issued to a person."""

    def authenticate(self, request, token: str):
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's log-in session (CSRF-checked on writes)."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


AUTH = [TokenAuth(), SessionAuth(csrf=True)]

api = NinjaAPI(
    title="printhub API",
    version="1",
    description=(
        "Upload models, get their analysis, quotes across the hub's centers, place and "
        "follow orders. Authenticate with `Authorization: Bearer <token>` "
        "(tokens are made on the profile page)."
    ),
    urls_namespace="api",
    auth=AUTH,
    throttle=[
        AnonRateThrottle(settings.API_RATE_LIMIT),
        AuthRateThrottle(settings.API_RATE_LIMIT),
    ],
)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": "forbidden"}, status=403)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    messages = exc.messages if hasattr(exc, "messages") else [str(exc)]
    return api.create_response(request, {"detail": messages}, status=422)


@api.exception_handler(AuthenticationError)
def _unauthorised(request, exc):
    return api.create_response(request, {"detail": "authentication required"}, status=401)


def register_routers() -> None:
    """Add each app's router (apps that have an api.py)."""
    from importlib import import_module

    for app in ("accounts", "network", "parts", "quotes", "orders", "billing"):
        try:
            module = import_module(f"printhub.{app}.api")
        except ModuleNotFoundError as err:
            if err.name != f"printhub.{app}.api":
                raise
            continue
        api.add_router(module.PREFIX, module.router)


register_routers()
