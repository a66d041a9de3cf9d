"""The sentence a person reads for each reason a center cannot take a job, in Korean and English."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import translation
from django.utils.translation import gettext as _

from printhub.quotes import eligibility as e


def _in_language(value) -> str:
    """A {"ko": …, "en": …} parameter in the active language (plain values as they are)."""
    if isinstance(value, Mapping):
        language = "en" if translation.get_language() == "en" else "ko"
        return str(value.get(language) or value.get("ko") or value.get("en") or "")
    return "" if value is None else str(value)


def _size(values) -> str:
    try:
        return " × ".join(f"{float(v):g}" for v in values) + " mm"
    except (TypeError, ValueError):
        return ""


def _process(code: str) -> str:
    from printhub.network.models import Process

    try:
        return str(Process(code).label)
    except ValueError:
        return code


def reason_message(code: str, params: Mapping | None = None) -> str:
    """The reason in the active language, with its parameters filled in."""
    p = dict(params or {})
    material = _in_language(p.get("material"))
    if code == e.MODEL_NOT_READY:
        return _("The model has not been analysed yet; the price appears when it has.")
    if code == e.MODEL_FAILED:
        return _("The model could not be read, so it cannot be printed. Upload it again.")
    if code == e.WRONG_PROCESS:
        return _("This center has no %(process)s printer.") % {
            "process": _process(p.get("process", ""))
        }
    if code == e.NEEDS_HARDENED_NOZZLE:
        return _(
            "%(material)s is abrasive and needs a printer with a hardened nozzle; "
            "this center has none."
        ) % {"material": material}
    if code == e.NEEDS_ENCLOSURE:
        return _(
            "%(material)s warps without an enclosure and this center has no enclosed "
            "printer that can run it."
        ) % {"material": material}
    if code == e.NO_PRINTER_FOR_MATERIAL:
        return _("No printer at this center is set up for %(material)s.") % {"material": material}
    if code == e.MATERIAL_NOT_OFFERED:
        return _("This center does not sell %(material)s.") % {"material": material}
    if code == e.LAYER_HEIGHT_UNAVAILABLE:
        if p.get("low_mm") is not None:
            return _(
                "No printer here prints %(height)s mm layers in this material "
                "(possible: %(low)s–%(high)s mm)."
            ) % {
                "height": f"{float(p.get('layer_height_mm') or 0):g}",
                "low": f"{float(p['low_mm']):g}",
                "high": f"{float(p['high_mm']):g}",
            }
        return _("No printer here prints layers of that height in this material.")
    if code == e.TOO_BIG:
        return _(
            "The model (%(size)s) is larger than every printer here that can run the "
            "material can build (largest: %(largest)s)."
        ) % {"size": _size(p.get("size_mm", ())), "largest": _size(p.get("largest_mm", ()))}
    if code == e.ALL_IN_MAINTENANCE:
        return _("Every printer here that could print it is in maintenance at the moment.")
    if code == e.POST_PROCESSING_NOT_OFFERED:
        options = ", ".join(_in_language(o) for o in p.get("options", ()))
        return _("This center does not offer: %(options)s.") % {"options": options}
    if code == e.ESTIMATE_FAILED:
        return _("The print time could not be estimated for the printers here.")
    if code == e.NO_OPENING_HOURS:
        return _("This center has no opening hours in the coming months.")
    return _("This center cannot take the job.")


def reason_messages(code: str, params: Mapping | None = None) -> dict[str, str]:
    """The reason in Korean and in English: {"ko": …, "en": …}."""
    result = {}
    for language in ("ko", "en"):
        with translation.override(language):
            result[language] = reason_message(code, params)
    return result
