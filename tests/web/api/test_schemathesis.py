"""The JSON API against its own OpenAPI schema, by property-based testing (schemathesis).

Every operation of /api/openapi.json is called with requests schemathesis generates from
the schema — valid and invalid ones, and its deterministic coverage cases (boundaries,
wrong types, missing fields, other methods) — as four personas: anonymous (no
credentials, or the garbage ones schemathesis makes up), the demo citizen, the Jeonju
operator and the network admin (each with a real bearer token).

- `test_no_request_gets_a_server_error`: no request may get a 5xx.
- `test_responses_match_the_schema`: a response whose status the schema declares matches
  the schema declared for it.

Random ids would only ever meet 404s, so most generated ids and codes are replaced by real
ones of a small world (conftest.py): models, quotes, options, orders in every state, the
state changes the orders can make, the catalog's materials, colours, post-processing
codes and centers. Uploads sometimes carry a real STL (analysed for real, so those stay
few) or one that fails the analysis. Each request runs in a transaction rolled back after
it: every request meets the same world, so a failure replays and shrinks. Examples are
derandomized: the same requests every run.
"""

from __future__ import annotations

import traceback
from urllib.parse import quote

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from printhub.site import api as api_root
from printhub.site.wsgi import application
from tests.web.api.conftest import PERSONAS

# Operations without parameters: generated requests differ only in headers and cookies,
# so a few do (and /api/centers and /api/materials cost ~50 ms each).
PLAIN_READS = [
    "GET /api/me",
    "GET /api/centers",
    "GET /api/materials",
    "GET /api/models",
    "GET /api/billing/balance",
    "GET /api/billing/invoices",
]
# Operations that change things, where most requests meet a refusal: more tries.
CHANGES = [
    "POST /api/quotes",
    "POST /api/orders",
    "POST /api/orders/{order_id}/cancel",
    "POST /api/orders/{order_id}/approve",
    "POST /api/orders/{order_id}/reject",
    "POST /api/orders/{order_id}/state",
]


def _load(examples: int, coverage: bool):
    """The API's schema: `examples` generated requests per operation, 3 for plain reads,
    twice as many for changes."""
    config = {
        "generation": {"max-examples": examples},
        "operations": [
            {"include-name": PLAIN_READS, "generation": {"max-examples": 3}},
            {"include-name": CHANGES, "generation": {"max-examples": 2 * examples}},
        ],
    }
    if not coverage:
        config["phases"] = {"coverage": {"enabled": False}}
    return schemathesis.openapi.from_wsgi(
        "/api/openapi.json", application, config=SchemathesisConfig.from_dict(config)
    )


# The hunt for server errors gets the coverage phase and more examples; the schema check
# skips the coverage cases (the hunt sends them already: the same ones every time).
schema = _load(examples=20, coverage=True)
fuzzed = _load(examples=8, coverage=False)

HYPOTHESIS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    # Slow examples (real analyses) and filtered draws are expected here.
    suppress_health_check=list(HealthCheck),
)

# The world of the running module, read by the hook below when it draws (see `persona`).
WORLD = {}


# Values known to break web applications. Half the requests carry one of the texts
# in one of the text fields their operation declares, a sixth one of the numbers in an
# integer field:
# NUL (PostgreSQL refuses it in text, where SQLite stores it), over-long text, numbers
# past 32 and 64 bits, Korean, SQL and path tricks, bidi and emoji.
TROUBLE_TEXT = [
    "a\x00b",
    "\x00",
    "전주\x00",
    "x" * 3000,
    "전주 3D프린팅 융복합센터",
    "' OR '1'='1' --",
    "../../etc/passwd",
    "\u202e😀",
]
TROUBLE_NUMBERS = [2**31, 2**63, -(2**63) - 1, 10**30]


def _field_type(raw: dict, definition: dict) -> str | None:
    """ "string" or "integer" (also through a $ref or an anyOf with null), else None."""
    if "$ref" in definition:
        definition = _component(raw, definition["$ref"])
    for option in definition.get("anyOf", [definition]):
        if option.get("type") in ("string", "integer"):
            return option["type"]
    return None


def _component(raw: dict, ref: str) -> dict:
    return raw["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _declared_fields(operation) -> list[tuple[str, str, str]]:
    """(location, name, "string" | "integer") of every field an operation declares."""
    raw = operation.schema.raw_schema
    definition = raw["paths"][operation.path][operation.method.lower()]
    fields = [
        (parameter["in"], parameter["name"], _field_type(raw, parameter.get("schema", {})))
        for parameter in definition.get("parameters", [])
    ]
    body = definition.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        body_schema = body["schema"]
        for part in body_schema.get("allOf", [body_schema]):
            part = _component(raw, part["$ref"]) if "$ref" in part else part
            for name, prop in part.get("properties", {}).items():
                fields.append(("body", name, _field_type(raw, prop)))
    return [field for field in fields if field[2] is not None]


def _spoil(case, kind: str, pick: int, value) -> None:
    """Put `value` in one of the operation's declared `kind` fields (chosen by `pick`)."""
    slots = [
        (location, name)
        for location, name, declared in _declared_fields(case.operation)
        if declared == kind and (location != "body" or isinstance(case.body, dict))
    ]
    if not slots:
        return
    location, name = slots[pick % len(slots)]
    if location == "path":
        # Path parameters go into the URL as they are: quote them as a client would.
        case.path_parameters[name] = quote(str(value), safe="")
    elif location == "query":
        case.query = {**(case.query or {}), name: value}
    else:
        case.body[name] = value


def _sometimes(one_in: int, strategy: st.SearchStrategy) -> st.SearchStrategy:
    """`strategy` once in `one_in` draws, else None."""
    return st.integers(1, one_in).flatmap(lambda n: strategy if n == 1 else st.none())


def _mostly(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """`strategy` three times in four, else None (keep what schemathesis generated)."""
    return st.integers(0, 3).flatmap(lambda n: strategy if n else st.none())


def _often(values) -> st.SearchStrategy:
    """One of `values` three times in four, else None."""
    return _mostly(st.sampled_from(list(values))) if values else st.none()


def _quote_request(world) -> st.SearchStrategy:
    """A plausible quote request: every field from the real catalog, in any combination."""
    return st.fixed_dictionaries(
        {
            "model_id": st.sampled_from(world.model_ids),
            "material": st.sampled_from(world.materials),
            "quantity": st.sampled_from([1, 2, 50]),
            "color": st.sampled_from(["", *world.colors]),
            "layer_height_mm": st.sampled_from([None, 0.05, 0.1, 0.2, 0.3]),
            "infill_percent": st.sampled_from([0, 20, 100]),
            "post_processing": st.sampled_from(
                [[], world.post_processing[:1], world.post_processing]
            ),
            "center": st.sampled_from([None, *world.center_slugs]),
        }
    )


def flatmap_case(context, case):
    """Aim most generated ids and codes at real things of the world (a schemathesis hook)."""
    world = WORLD.get("world")
    if world is None:
        return st.just(case)
    label = f"{case.method.upper()} {case.path}"
    path = {
        "model_id": _often(world.model_ids),
        "quote_id": _often(world.quote_ids),
        "order_id": _often(world.order_ids),
        "slug": _often(world.center_slugs),
    }
    query = {}
    if label == "GET /api/orders":
        query = {"center": _often(world.center_ids), "state": _often(world.states)}
    body = move = st.none()
    if label == "POST /api/quotes":
        body = _mostly(_quote_request(world))
    elif label == "POST /api/orders":
        body = st.fixed_dictionaries({"option_id": _often(world.option_ids)})
    elif label == "POST /api/orders/{order_id}/state":
        # A change the order can make (else the order and the state drawn apart).
        body = st.fixed_dictionaries({"state": _often(world.states)})
        move = _mostly(st.sampled_from(world.moves))
    elif label == "POST /api/models":
        # A real STL about one upload in eight (it is analysed for real: few of them),
        # a file that fails the analysis as often; otherwise schemathesis's bytes.
        body = st.sampled_from([None] * 6 + [{"file": data} for data in world.model_files])

    def apply(drawn):
        path_values, query_values, body_values, move_values, text, number = drawn
        if move_values is not None:
            path_values["order_id"], body_values["state"] = move_values
        for name, value in path_values.items():
            if value is not None and name in (case.path_parameters or {}):
                case.path_parameters[name] = value
        for name, value in query_values.items():
            if value is not None and name in (case.query or {}):
                case.query[name] = value
        if body_values and isinstance(case.body, dict):
            case.body.update({k: v for k, v in body_values.items() if v is not None})
        if text is not None:
            _spoil(case, "string", *text)
        if number is not None:
            _spoil(case, "integer", *number)
        return case

    pick = st.integers(0, 99)
    text = _sometimes(2, st.tuples(pick, st.sampled_from(TROUBLE_TEXT)))
    number = _sometimes(6, st.tuples(pick, st.sampled_from(TROUBLE_NUMBERS)))
    return st.tuples(
        st.fixed_dictionaries(path), st.fixed_dictionaries(query), body, move, text, number
    ).map(apply)


schema.hook(flatmap_case)
fuzzed.hook(flatmap_case)


@pytest.fixture
def no_rate_limit(monkeypatch):
    """Lift the API's rate limit: one hypothesis test sends hundreds of requests.

    The throttles parsed settings.API_RATE_LIMIT when printhub.site.api was imported and
    keep the count on themselves, so overriding the setting now would change nothing.
    """
    for throttle in api_root.api.throttle:
        monkeypatch.setattr(throttle, "num_requests", 1_000_000)


@pytest.fixture
def keep_the_connection():
    """Leave the database connection open between requests, as Django's test client does.

    The WSGI handler closes "old" connections when a request starts and ends; on
    PostgreSQL that would close the test's connection, and its transaction with it.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=PERSONAS)
def persona(request, world, db, no_rate_limit, keep_the_connection) -> dict:
    """The headers a persona sends: a bearer token, or nothing for anonymous."""
    WORLD["world"] = world
    if request.param == "anonymous":
        return {}
    return {"Authorization": f"Bearer {world.tokens[request.param]}"}


@pytest.fixture
def server_errors():
    """Tracebacks of the exceptions Django turned into a 500 during the test."""
    caught: list[str] = []

    def record(sender, request=None, **kwargs):
        caught.append(traceback.format_exc())

    got_request_exception.connect(record)
    yield caught
    got_request_exception.disconnect(record)


def call_and_check(case, headers: dict, checks: list, server_errors: list[str]) -> None:
    """Send the case as the persona; a failure carries the server's traceback, if any."""
    server_errors.clear()
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    try:
        case.validate_response(response, checks=checks, headers=headers)
    except Exception:
        # Shown under "Captured stdout call": hypothesis runs the minimal example last.
        for text in server_errors:
            print(f"Traceback on the server:\n{text}")
        raise


@schema.parametrize()
@HYPOTHESIS
def test_no_request_gets_a_server_error(case, persona, server_errors):
    call_and_check(case, persona, [not_a_server_error], server_errors)


@fuzzed.parametrize()
@HYPOTHESIS
def test_responses_match_the_schema(case, persona, server_errors):
    call_and_check(case, persona, [response_schema_conformance], server_errors)


# --- the rate limit itself -----------------------------------------------------------------


def _limit() -> int:
    counts = {throttle.num_requests for throttle in api_root.api.throttle}
    assert len(counts) == 1, counts
    return counts.pop()


def test_an_anonymous_flood_gets_429(db, world):
    """Past the limit an address gets 429 with Retry-After; another address is served."""
    client = Client()
    limit = _limit()
    # The cheapest public URL: a center that does not exist.
    assert [client.get("/api/centers/nowhere").status_code for _ in range(limit)] == [404] * limit
    response = client.get("/api/centers/nowhere")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Client(REMOTE_ADDR="10.0.0.2").get("/api/centers/nowhere").status_code == 404


def test_a_token_flood_gets_429(db, world):
    """Past the limit a token gets 429 with Retry-After; another person's token is served."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['citizen']}")
    limit = _limit()
    assert [client.get("/api/me").status_code for _ in range(limit)] == [200] * limit
    response = client.get("/api/me")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    other = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['operator']}")
    assert other.get("/api/me").status_code == 200


def test_a_flood_of_bad_tokens_never_gets_a_server_error(db, world):
    """Wrong tokens are refused (401, or 429 once throttled), whatever their number."""
    client = Client()
    statuses = {
        client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer wrong-{n}").status_code
        for n in range(_limit() + 5)
    }
    assert statuses <= {401, 429}, statuses
