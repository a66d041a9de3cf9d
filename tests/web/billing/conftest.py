"""The billing tests use the order fixtures (quote options and orders of the demo people)."""

from tests.web.orders.conftest import make_option, place_order  # noqa: F401
