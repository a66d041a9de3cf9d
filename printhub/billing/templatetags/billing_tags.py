"""Template tags of the billing pages."""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def invoice_line_label(line) -> str:
    """The label of an invoice line (the invoice stores codes, shown in either language)."""
    code = line.get("code")
    if code == "subsidy":
        english = translation.get_language() == "en"
        name = line.get("name_en") if english else line.get("name_ko")
        return _("Paid by subsidy: %(name)s") % {"name": name}
    labels = {
        "material": _("Material"),
        "machine": pgettext("price line", "Machine time"),
        "setup": _("Set-up"),
        "post_processing": _("Post-processing"),
        "minimum_top_up": _("Top-up to the minimum order"),
        "vat": _("VAT"),
        "balance": _("Paid from the prepaid balance"),
    }
    return str(labels.get(code, code))


@register.filter
def signed_krw(value) -> str:
    """-3000 → "−₩3,000", 3000 → "+₩3,000" (money in or out of a ledger)."""
    amount = int(value or 0)
    sign = "−" if amount < 0 else "+"
    return f"{sign}₩{abs(amount):,}"
