"""Permission matrix: which status code each kind of person gets from a URL.

    from tests.web.matrix import LOGIN, assert_access, expect

    def test_my_page(db):
        assert_access(
            "/orders/", "get",
            expect(200, anonymous=LOGIN),
        )
        assert_access(
            reverse("accounts:people"), "get",
            expect(403, anonymous=LOGIN, admin=200),
        )

Personas (the demo people of `printhub.network.demo`, loaded once per test session):

    anonymous        nobody logged in
    citizen, student, startup, designer
                     the demo customers
    other_customer   a citizen who owns nothing (made on first use)
    operator         operator of the Jeonju center
    operator.gunsan  operator of another center (Gunsan)
    manager          manager of Jeonju and the Hanok Makers partner shop
    admin            network admin
    owner            optional: the `owner=` user given to assert_access

Expected values: an HTTP status (`200`), several accepted ones (`{200, 302}`), or
`LOGIN` (redirected to the log-in page, what an anonymous visitor gets from a page that
needs one). By default `expected` must name every persona above (except `owner`), so
that nobody is forgotten; `expect(default, **overrides)` builds such a dict.

For requests that change things, pass `url` as a function: it is called before each
persona's request, so each one acts on a fresh object. API endpoints: `as_json=True`
sends `data` as a JSON body; `auth="token"` uses `Authorization: Bearer` instead of the
session (anonymous then sends no header).

Tests using this need the database (the `db` fixture, or `people`).
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable, Iterable
from urllib.parse import urlparse

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from printhub.network import demo

ANONYMOUS = "anonymous"
OTHER_CUSTOMER = "other_customer"
OTHER_OPERATOR = "operator.gunsan"
OWNER = "owner"
LOGIN = "login"

PERSONAS = (
    ANONYMOUS,
    "citizen",
    "student",
    "startup",
    "designer",
    OTHER_CUSTOMER,
    "operator",
    OTHER_OPERATOR,
    "manager",
    "admin",
)
CUSTOMERS = ("citizen", "student", "startup", "designer", OTHER_CUSTOMER)
STAFF = ("operator", OTHER_OPERATOR, "manager", "admin")
LOGGED_IN = PERSONAS[1:]
ALIASES = {"other_operator": OTHER_OPERATOR, "operator_gunsan": OTHER_OPERATOR}

OTHER_CUSTOMER_EMAIL = "other.customer@demo.printhub.kr"
_EMAILS = {
    "operator": "operator.jeonju@demo.printhub.kr",
    OTHER_OPERATOR: "operator.gunsan@demo.printhub.kr",
    "manager": "manager.jeonju@demo.printhub.kr",
}
for _email, _name, _role, _centers, _org in demo.DEMO_PEOPLE:
    _EMAILS.setdefault(_role, _email)

Expected = int | str | Iterable[int]


def expect(default: Expected, **overrides: Expected) -> dict[str, Expected]:
    """Every persona gets `default` except those named (`other_operator=` is operator.gunsan)."""
    table: dict[str, Expected] = dict.fromkeys(PERSONAS, default)
    for persona, value in overrides.items():
        persona = ALIASES.get(persona, persona)
        if persona not in PERSONAS and persona != OWNER:
            raise ValueError(f"unknown persona {persona!r}; known: {', '.join(PERSONAS)}")
        table[persona] = value
    return table


def person(persona: str, owner=None):
    """The user behind a persona (None for anonymous)."""
    persona = ALIASES.get(persona, persona)
    if persona == ANONYMOUS:
        return None
    if persona == OWNER:
        if owner is None:
            raise ValueError("expected names 'owner' but no owner= user was given")
        return owner
    user_model = get_user_model()
    if persona == OTHER_CUSTOMER:
        user = user_model.objects.filter(email=OTHER_CUSTOMER_EMAIL).first()
        return user or user_model.objects.create_user(
            OTHER_CUSTOMER_EMAIL, demo.DEMO_PASSWORD, display_name="고객둘", role="citizen"
        )
    if persona not in _EMAILS:
        raise ValueError(f"unknown persona {persona!r}; known: {', '.join(PERSONAS)}")
    return user_model.objects.get(email=_EMAILS[persona])


def client_for(persona: str, *, auth: str = "session", owner=None) -> Client:
    """A test client acting as this persona (`auth="token"`: a bearer token, no session)."""
    user = person(persona, owner)
    if user is None:
        return Client()
    if auth == "session":
        client = Client()
        client.force_login(user)
        return client
    if auth == "token":
        from printhub.accounts.models import ApiToken

        _token, key = ApiToken.issue(user, "permission matrix")
        return Client(headers={"Authorization": f"Bearer {key}"})
    raise ValueError(f"auth must be 'session' or 'token', not {auth!r}")


def request_as(
    persona: str,
    url: str,
    method: str = "get",
    data=None,
    *,
    auth: str = "session",
    as_json: bool = False,
    owner=None,
) -> HttpResponse:
    """One request as this persona, redirects not followed."""
    client = client_for(persona, auth=auth, owner=owner)
    send = getattr(client, method.lower())
    if as_json and method.lower() != "get":
        body = jsonlib.dumps(data if data is not None else {})
        return send(url, body, content_type="application/json")
    if data is None:
        return send(url)
    return send(url, data)


def outcome(response: HttpResponse) -> int | str:
    """The status, or LOGIN when the response sends the visitor to the log-in page."""
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlparse(response["Location"]).path
        if target == reverse("accounts:login"):
            return LOGIN
    return response.status_code


def _matches(observed: int | str, wanted: Expected) -> bool:
    if isinstance(wanted, (int, str)):
        return observed == wanted
    return observed in set(wanted)


def _describe(response: HttpResponse, observed: int | str) -> str:
    if observed != LOGIN and response.status_code in (301, 302, 303, 307, 308):
        return f"{observed} → {response['Location']}"
    return str(observed)


def access_matrix(
    url: str | Callable[[], str],
    method: str = "get",
    personas: Iterable[str] = PERSONAS,
    data=None,
    *,
    auth: str = "session",
    as_json: bool = False,
    owner=None,
) -> dict[str, int | str]:
    """What each persona gets: {persona: status or LOGIN}."""
    found = {}
    for persona in personas:
        target = url() if callable(url) else url
        response = request_as(
            persona, target, method, data, auth=auth, as_json=as_json, owner=owner
        )
        found[persona] = outcome(response)
    return found


def assert_access(
    url: str | Callable[[], str],
    method: str,
    expected: dict[str, Expected],
    data=None,
    *,
    auth: str = "session",
    as_json: bool = False,
    owner=None,
    complete: bool = True,
) -> dict[str, int | str]:
    """Request `url` as every persona in `expected`; fail listing every mismatch at once."""
    expected = {ALIASES.get(k, k): v for k, v in expected.items()}
    unknown = set(expected) - set(PERSONAS) - {OWNER}
    if unknown:
        raise ValueError(f"unknown personas {sorted(unknown)}; known: {', '.join(PERSONAS)}")
    if complete:
        missing = [p for p in PERSONAS if p not in expected]
        if missing:
            raise ValueError(
                f"expected leaves out {missing}: say what each gets (or complete=False)"
            )
    found: dict[str, int | str] = {}
    wrong = []
    for persona, wanted in expected.items():
        target = url() if callable(url) else url
        response = request_as(
            persona, target, method, data, auth=auth, as_json=as_json, owner=owner
        )
        found[persona] = observed = outcome(response)
        if not _matches(observed, wanted):
            wrong.append(
                f"  {persona:<16} expected {wanted!s:<10} got {_describe(response, observed)}"
            )
    if wrong:
        shown = url if isinstance(url, str) else "(url from a function)"
        raise AssertionError(f"{method.upper()} {shown}:\n" + "\n".join(wrong))
    return found
