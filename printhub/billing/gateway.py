"""The interface an online payment provider will plug into. No provider is wired in.

Today money reaches a balance only at a center's desk (cash or card, recorded
by staff with `billing.services.top_up`). When the city signs a contract with a
payment company, its client implements `PaymentProvider` (it speaks only that
company's protocol and knows nothing of the database) and the setting
`PAYMENT_PROVIDER` (a dotted class path) names it; until then `get_provider()`
returns `NoProvider`, which refuses every call with a message a person can act on.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


class PaymentError(Exception):
    """A payment the provider could not make; the message says what to do."""


class PaymentUnavailable(PaymentError):
    """No online payment is possible (no provider configured, or it is down)."""


@dataclass(frozen=True)
class Payment:
    """A payment as the provider knows it."""

    provider: str
    reference: str  # the provider's id of the payment
    amount_krw: int
    status: str  # "pending" | "confirmed" | "refunded" | "failed"
    redirect_url: str = ""  # where the payer completes the payment, if anywhere
    details: dict = field(default_factory=dict)


class PaymentProvider(abc.ABC):
    """An online payment company's client: start a payment, confirm it, refund it."""

    name: str = ""

    @abc.abstractmethod
    def create_payment(
        self, *, amount_krw: int, description: str, payer_email: str, return_url: str
    ) -> Payment:
        """Start a payment of `amount_krw`; the payer finishes it at `Payment.redirect_url`."""

    @abc.abstractmethod
    def confirm(self, reference: str) -> Payment:
        """Ask the provider whether a payment went through (after the payer came back)."""

    @abc.abstractmethod
    def refund(self, reference: str, amount_krw: int) -> Payment:
        """Give back some or all of a confirmed payment."""


class NoProvider(PaymentProvider):
    """No online payment: every call says how to pay instead."""

    name = "none"

    def _refuse(self):
        raise PaymentUnavailable(
            _(
                "Online payment is not available yet. Top up your balance at the counter of "
                "any center (cash or card)."
            )
        )

    def create_payment(self, *, amount_krw, description, payer_email, return_url) -> Payment:
        self._refuse()

    def confirm(self, reference: str) -> Payment:
        self._refuse()

    def refund(self, reference: str, amount_krw: int) -> Payment:
        self._refuse()


def get_provider() -> PaymentProvider:
    """The configured provider (settings.PAYMENT_PROVIDER, a dotted class path), else none."""
    path = getattr(settings, "PAYMENT_PROVIDER", "") or ""
    if not path:
        return NoProvider()
    provider = import_string(path)()
    if not isinstance(provider, PaymentProvider):
        raise TypeError(f"{path} is not a PaymentProvider")
    return provider
