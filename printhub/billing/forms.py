"""Forms of the billing pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from printhub.billing.models import LedgerEntry
from printhub.billing.services import TOP_UP_MAX_KRW, won


class TopUpForm(forms.Form):
    """Money received at the desk, for a person's prepaid balance."""

    email = forms.EmailField(label=_("The person's e-mail address"))
    amount_krw = forms.IntegerField(
        label=_("Amount (₩)"),
        min_value=1,
        max_value=TOP_UP_MAX_KRW,
        error_messages={
            "min_value": _("The amount must be above zero."),
            "invalid": _("Enter the amount as a whole number of won, without commas."),
        },
    )
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=[
            (LedgerEntry.Method.CASH, LedgerEntry.Method.CASH.label),
            (LedgerEntry.Method.CARD, LedgerEntry.Method.CARD.label),
        ],
    )
    center = forms.ModelChoiceField(label=_("At the desk of"), queryset=None, empty_label=None)
    note = forms.CharField(label=_("Note (receipt number, …)"), required=False, max_length=200)

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers
        self.fields["amount_krw"].error_messages["max_value"] = gettext(
            "A single top-up cannot exceed %(max)s; check the amount."
        ) % {"max": won(TOP_UP_MAX_KRW)}

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        person = get_user_model().objects.filter(email=email, is_active=True).first()
        if person is None:
            raise forms.ValidationError(_("No active account has this e-mail address."))
        self.cleaned_data["person"] = person
        return email
