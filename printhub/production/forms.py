"""Forms of the operator screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CancelForm(forms.Form):
    """Cancel a job: staff say why (the customer is told)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        error_messages={"required": _("Say why the job is cancelled.")},
    )
