"""Forms of the order pages: ordering, cancelling, staff review."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from printhub.orders.models import State
from printhub.orders.services import MANUAL_STATES


class OrderForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the center"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything the staff should know: colour wishes, when you can pick it up."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the customer reads it)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the customer a reason for the rejection.")},
    )


class ApproveForm(forms.Form):
    policy_checked = forms.BooleanField(
        label=_("I checked the flags above and the order may be printed."), required=False
    )


class MoveForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Move to"), choices=[(s.value, s.label) for s in State if s in MANUAL_STATES]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
