"""Template tags of the order pages: the notifications link with its unread count, labels."""

from __future__ import annotations

from django import template

from printhub.orders.models import State
from printhub.orders.services import unread_count

register = template.Library()


@register.inclusion_tag("orders/_notification_link.html", takes_context=True)
def notification_link(context):
    """A link to my messages with the number not yet read (nothing for visitors)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "unread": unread_count(user)}


@register.filter
def state_label(value) -> str:
    """ "ready" → "수령 대기" / "Ready for pickup"."""
    return State(value).label if value in State.values else value


@register.filter
def color_name(material, code: str) -> str:
    """A material's colour code as people read it ("white" → "흰색" / "White")."""
    from django.utils import translation

    for color in getattr(material, "colors", None) or ():
        if isinstance(color, dict) and color.get("code") == code:
            english = translation.get_language() == "en"
            return color.get("name_en" if english else "name_ko") or code
    return code
