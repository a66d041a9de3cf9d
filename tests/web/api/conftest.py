"""Fixtures of the API's property-based tests: a small world of real models, quotes and orders.

The world is made once per module inside a transaction that is rolled back at the end of
the module; every test runs in its own savepoint inside it (pytest-django's `db`), so each
test starts from the same world and nothing of it outlives the module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from printhub.accounts.models import ApiToken
from printhub.network import demo
from printhub.network.models import Center, Material
from printhub.orders import services as orders
from printhub.orders.models import TRANSITIONS, State
from printhub.parts import services as parts
from printhub.quotes import services as quotes
from tests.web.quotes.conftest import box_stl

# The personas the API is driven as (the demo people of those roles); "anonymous" has no token.
PERSONAS = ("anonymous", "citizen", "operator", "admin")


# An ASCII STL with a header and no facets: recognised as STL, then fails the analysis.
EMPTY_STL = b"solid empty\nendsolid empty\n"


@dataclass
class World:
    """What the fuzzer may aim at: real ids of this world, and the catalog's real codes."""

    tokens: dict[str, str] = field(default_factory=dict)  # persona → bearer key
    model_ids: list[str] = field(default_factory=list)
    quote_ids: list[str] = field(default_factory=list)
    option_ids: list[int] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)
    moves: list[tuple[int, str]] = field(default_factory=list)  # (order id, a next state)
    center_ids: list[int] = field(default_factory=list)
    center_slugs: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    post_processing: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    model_files: list[bytes] = field(default_factory=list)


def _person(role: str):
    email = next(e for e, _name, r, _centers, _org in demo.DEMO_PEOPLE if r == role)
    return get_user_model().objects.get(email=email)


def _order(owner, model, center_slug: str):
    """An order of a fresh quote (a quote option is ordered once at most)."""
    option = quotes.create_quote(owner, model, "pla").options.get(center__slug=center_slug)
    return orders.submit_order(owner, option, "schemathesis world")


def build_world() -> World:
    """Real uploads (analysed by the immediate task backend), quotes and orders in every state."""
    citizen, student = _person("citizen"), _person("student")
    operator = _person("operator")
    cube = box_stl((20.0, 20.0, 20.0))  # a closed 20 mm cube every printer takes

    world = World()
    for persona in PERSONAS[1:]:
        _token, key = ApiToken.issue(_person(persona), "schemathesis")
        world.tokens[persona] = key

    mine = parts.upload_model(citizen, SimpleUploadedFile("cube.stl", cube))
    theirs = parts.upload_model(student, SimpleUploadedFile("cube.stl", cube))
    failed = parts.upload_model(citizen, SimpleUploadedFile("empty.stl", EMPTY_STL))
    assert mine.is_ready and theirs.is_ready, (mine.status, theirs.status)
    world.model_ids = [str(m.id) for m in (mine, theirs, failed)]

    my_quote = quotes.create_quote(citizen, mine, "pla")
    their_quote = quotes.create_quote(student, theirs, "pla")
    world.quote_ids = [str(my_quote.id), str(their_quote.id)]
    world.option_ids = [o.pk for q in (my_quote, their_quote) for o in q.options.all()]

    # Orders of Jeonju (the operator's center) in every state staff can meet, one elsewhere,
    # and one of another customer.
    submitted = _order(citizen, mine, "jeonju")
    queued = orders.approve(_order(citizen, mine, "jeonju"), operator)
    ready = orders.approve(_order(citizen, mine, "jeonju"), operator)
    orders.move_on(ready, State.PRINTING, operator)
    orders.move_on(ready, State.READY, operator)
    printing = orders.approve(_order(citizen, mine, "jeonju"), operator)
    orders.move_on(printing, State.PRINTING, operator)
    gunsan = _order(citizen, mine, "gunsan")
    students = _order(student, theirs, "jeonju")
    cancelled = orders.cancel(_order(citizen, mine, "jeonju"), citizen)
    world_orders = (submitted, queued, printing, ready, gunsan, students, cancelled)
    world.order_ids = [o.pk for o in world_orders]
    world.moves = [(o.pk, str(state)) for o in world_orders for state in TRANSITIONS[o.state]]

    world.center_ids = list(Center.objects.order_by("pk").values_list("pk", flat=True))
    world.center_slugs = list(Center.objects.order_by("pk").values_list("slug", flat=True))
    materials = list(Material.objects.order_by("pk"))
    world.materials = [m.catalog_id for m in materials]
    world.colors = sorted({c.get("code", "") for m in materials for c in m.colors} - {""})
    world.post_processing = sorted(quotes.offered_post_processing())
    world.states = [s.value for s in State]
    world.model_files = [cube, EMPTY_STL]
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, in a transaction of the module that is rolled back when the module ends."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
