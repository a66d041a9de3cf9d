"""Template filters for the things printhub shows everywhere: won, durations, sizes."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def krw(value) -> str:
    """12300 → "₩12,300" (integer won)."""
    if value is None or value == "":
        return ""
    return f"₩{int(value):,}"


@register.filter
def duration(seconds) -> str:
    """Seconds as hours and minutes for people: "2시간 5분" / "2 h 5 min"."""
    if seconds is None or seconds == "":
        return ""
    minutes = max(0, round(float(seconds) / 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": max(minutes, 1)}


@register.filter
def mm(value, digits: int = 1) -> str:
    """A length in mm with a fixed number of decimals."""
    if value is None:
        return ""
    return f"{float(value):,.{int(digits)}f} mm"
