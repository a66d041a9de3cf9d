"""Billing pages: my balance and subsidies, invoices, top-ups at the desk."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from printhub.accounts import permissions
from printhub.billing import services
from printhub.billing.forms import TopUpForm
from printhub.billing.models import Invoice

LEDGER_ROWS = 200


@login_required
def account(request):
    """My prepaid balance, the subsidies I can use now, my ledger and invoices."""
    user = request.user
    return render(
        request,
        "billing/account.html",
        {
            "balance": services.balance_of(user),
            "subsidies": services.subsidy_status(user),
            "ledger": services.ledger_of(user)[:LEDGER_ROWS],
            "invoices": services.invoices_of(user),
            "can_top_up": services.can_top_up(user),
        },
    )


@login_required
def invoice(request, pk: int):
    """A printable invoice: its customer and the staff of the order's center."""
    found = get_object_or_404(
        Invoice.objects.select_related("order", "order__center", "order__material", "user"),
        pk=pk,
    )
    permissions.require(services.can_see_invoice(request.user, found))
    return render(request, "billing/invoice.html", {"invoice": found, "order": found.order})


@login_required
def top_up(request):
    """Staff record money a person paid at the desk (cash or card) onto their balance."""
    permissions.require(services.can_top_up(request.user))
    centers = services.top_up_centers(request.user)
    form = TopUpForm(request.POST or None, centers=centers)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        try:
            entry = services.top_up(
                person,
                form.cleaned_data["amount_krw"],
                request.user,
                method=form.cleaned_data["method"],
                center=form.cleaned_data["center"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as err:
            form.add_error(None, err)
        else:
            messages.success(
                request,
                _("%(amount)s added to the balance of %(name)s (now %(balance)s).")
                % {
                    "amount": services.won(entry.amount_krw),
                    "name": person.display_name,
                    "balance": services.won(services.balance_of(person)),
                },
            )
            return redirect("billing:top_up")
    recent = services.recent_top_ups(request.user)
    return render(
        request,
        "billing/top_up.html",
        {"form": form, "recent": recent},
        status=422 if request.method == "POST" else 200,
    )
