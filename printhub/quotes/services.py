"""Quotes: the price and lead time of a model at every center of the network, and saving them.

    quote = create_quote(user, model, material, quantity=2, post_processing=["sanding"])
    quote.options.all()   # one per active center and partner shop, best first

`quote_options(request)` computes the same options without saving (the live preview).
The arithmetic lives in pure modules: pricing.py (won), eligibility.py (reasons),
leadtime.py (queue and opening hours); this module reads the database in a fixed, small
number of queries and hands them plain values.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from printhub.accounts.permissions import can_see_quote
from printhub.network.models import (
    Center,
    Material,
    PostProcessing,
    Process,
)
from printhub.parts.models import UploadedModel
from printhub.quotes import eligibility as elig
from printhub.quotes import leadtime, pricing
from printhub.quotes.models import Quote, QuoteOption
from printhub.quotes.network_data import (  # noqa: F401 - part of this module's interface
    ACTIVE_JOB_STATES,
    CenterData,
    NetworkCalendar,
    _network_cache,
    cached_network,
    calendar_for,
    load_network,
    material_info,
    model_info,
)
from printhub.quotes.reasons import reason_message, reason_messages

log = logging.getLogger(__name__)

MAX_QUANTITY = 500
MAX_COLOR_LENGTH = 40

# Layer heights people choose from, per process (None: the printer's default).
LAYER_HEIGHTS = {
    Process.FDM: (0.10, 0.15, 0.20, 0.30),
    Process.SLA: (0.025, 0.05, 0.10),
    Process.SLS: (0.11,),
}
# The layer height each process prints at when none is chosen (the slicing library's).
DEFAULT_LAYER_HEIGHT = {Process.FDM: 0.20, Process.SLA: 0.05, Process.SLS: 0.11}
DEFAULT_INFILL = 20


# ------------------------------------------------------------------------------ the request


@dataclass(frozen=True)
class QuoteRequest:
    """A checked request: what a person asked a price for."""

    user: object
    model: UploadedModel
    material: Material
    quantity: int = 1
    color: str = ""
    layer_height_mm: float | None = None
    infill_percent: int = 20
    post_processing: tuple[str, ...] = ()
    center: Center | None = None


def can_quote_model(user, model: UploadedModel) -> bool:
    """Who may ask prices for a model: its owner (and network admins, for support)."""
    return user.is_authenticated and (model.owner_id == user.pk or user.is_network_admin)


def _resolve_model(model) -> UploadedModel | None:
    if isinstance(model, UploadedModel):
        return model
    try:
        return UploadedModel.objects.get(pk=model)
    except (UploadedModel.DoesNotExist, ValidationError, ValueError, TypeError):
        return None


def _resolve_material(material) -> Material | None:
    if isinstance(material, Material):
        return material if material.is_active else None
    if not material:
        return None
    return Material.objects.filter(catalog_id=str(material), is_active=True).first()


def _resolve_center(center) -> Center | None:
    if isinstance(center, Center):
        return center if center.is_active else None
    query = Center.objects.filter(is_active=True)
    if isinstance(center, int) or (isinstance(center, str) and center.isdigit()):
        return query.filter(pk=int(center)).first()
    return query.filter(slug=str(center)).first()


def offered_post_processing() -> dict[str, dict[str, str]]:
    """Post-processing codes some active center offers → their names {"ko", "en"}."""
    names: dict[str, dict[str, str]] = {}
    rows = PostProcessing.objects.filter(price_list__center__is_active=True).values_list(
        "code", "name_ko", "name_en"
    )
    for code, name_ko, name_en in rows:
        names.setdefault(code, {"ko": name_ko, "en": name_en})
    return names


def build_request(
    user,
    model,
    material,
    quantity=1,
    color: str = "",
    layer_height_mm=None,
    infill_percent=20,
    post_processing: Iterable[str] = (),
    center=None,
) -> QuoteRequest:
    """Check a request; ValidationError {field: [message]} when something is wrong.

    model : an UploadedModel or its id; material : a Material or its catalog id; center : a
    Center, its slug or id, or None for "the best". PermissionDenied when the person may not
    ask prices for that model.
    """
    errors: dict[str, list[str]] = defaultdict(list)
    found_model = _resolve_model(model)
    if found_model is None:
        errors["model"].append(_("There is no such model."))
    elif not can_quote_model(user, found_model):
        raise PermissionDenied
    found_material = _resolve_material(material)
    if found_material is None:
        errors["material"].append(_("Choose a material the hub offers."))
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        try:
            quantity = int(str(quantity))
        except ValueError:
            quantity = None
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
        errors["quantity"].append(
            _("The quantity must be a whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY}
        )
    if isinstance(infill_percent, bool) or not isinstance(infill_percent, int):
        try:
            infill_percent = int(str(infill_percent))
        except ValueError:
            infill_percent = None
    if infill_percent is None or not 0 <= infill_percent <= 100:
        errors["infill_percent"].append(_("Infill must be a whole number from 0 to 100 %."))
    if layer_height_mm in ("", None):
        layer_height_mm = None
    else:
        try:
            layer_height_mm = float(layer_height_mm)
        except (TypeError, ValueError):
            layer_height_mm = -1.0
        if not 0.01 <= layer_height_mm <= 1.0:
            errors["layer_height_mm"].append(
                _("The layer height must be a number of millimetres from 0.01 to 1.")
            )
    color = (color or "").strip()
    if found_material is not None:
        codes = [c.get("code") for c in found_material.colors or () if isinstance(c, dict)]
        if not color and codes:
            color = codes[0]
        elif codes and color not in codes:
            errors["color"].append(
                _("%(material)s comes in these colours only: %(colors)s.")
                % {"material": found_material.name, "colors": ", ".join(codes)}
            )
    if len(color) > MAX_COLOR_LENGTH:
        errors["color"].append(_("The colour name is too long."))
    if isinstance(post_processing, str):
        post_processing = [post_processing]
    chosen = tuple(dict.fromkeys(str(code) for code in post_processing or () if code))
    if chosen:
        known = offered_post_processing()
        unknown = [code for code in chosen if code not in known]
        if unknown:
            errors["post_processing"].append(
                _("Unknown post-processing option: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
    found_center = None
    if center not in (None, ""):
        found_center = _resolve_center(center)
        if found_center is None:
            errors["center"].append(_("There is no such center."))
    if errors:
        raise ValidationError(dict(errors))
    return QuoteRequest(
        user=user,
        model=found_model,
        material=found_material,
        quantity=quantity,
        color=color,
        layer_height_mm=layer_height_mm,
        infill_percent=infill_percent,
        post_processing=chosen,
        center=found_center,
    )


# ------------------------------------------------------------------------------ estimates


@dataclass(frozen=True)
class Figures:
    """Print time and material of one part on one printer model."""

    print_time_s: float
    material_amount: float  # g (filament, powder) or ml (resin)


def _estimate_for(model, printer_catalog_id, material_catalog_id, layer_height_mm, infill):
    """The parts app's stored estimate (computed and stored on first use)."""
    from printhub.parts.estimates import estimate_for

    return estimate_for(model, printer_catalog_id, material_catalog_id, layer_height_mm, infill)


def _estimate_settings(material: Material, request: QuoteRequest) -> tuple[float | None, int]:
    """(layer height, infill) to ask the estimate for.

    Estimates at default settings are computed right after the analysis: ask for exactly
    those when the person keeps the defaults (infill means nothing to resin and powder; the
    process's default height is asked as None).
    """
    infill = request.infill_percent if material.process == Process.FDM else DEFAULT_INFILL
    layer = request.layer_height_mm
    if layer is not None and abs(layer - DEFAULT_LAYER_HEIGHT[material.process]) < 1e-9:
        layer = None
    return layer, infill


def _figures_of_row(row, material: Material) -> Figures | None:
    if row is None:
        return None
    if material.process == Process.SLA:
        amount = row.material_ml
        if amount is None and row.material_g is not None:
            amount = row.material_g / material.density_g_cm3
    else:
        amount = row.material_g
    if amount is None or row.print_time_s is None:
        return None
    return Figures(print_time_s=float(row.print_time_s), material_amount=float(amount))


def _figures(model, printer_catalog_id: str, material: Material, request: QuoteRequest):
    """Figures of one part, or None when the estimate cannot be made (logged)."""
    from printhub.geometry.errors import GeometryError
    from printhub.slicing.errors import SlicingError

    layer, infill = _estimate_settings(material, request)
    try:
        row = _estimate_for(model, printer_catalog_id, material.catalog_id, layer, infill)
    except (SlicingError, GeometryError, ValueError, OSError) as err:
        log.warning("no estimate for %s on %s: %s", model.pk, printer_catalog_id, err)
        return None
    return _figures_of_row(row, material)


def _stored_figures(request: QuoteRequest, printer_ids: Iterable[str]) -> dict[str, Figures]:
    """The estimates already stored for these printer models, in one query."""
    try:
        from printhub.parts.estimates import settings_key
    except ImportError:
        return {}
    from printhub.parts.models import Estimate

    if not request.model.is_ready:
        return {}
    layer, infill = _estimate_settings(request.material, request)
    rows = Estimate.objects.filter(
        model=request.model,
        material_catalog_id=request.material.catalog_id,
        settings_key=settings_key(layer, infill),
        printer_catalog_id__in=sorted(set(printer_ids)),
    )
    found = {}
    for row in rows:
        figures = _figures_of_row(row, request.material)
        if figures is not None:
            found[row.printer_catalog_id] = figures
    return found


# ------------------------------------------------------------------------------ the options


def _breakdown_line(name: str) -> property:
    return property(lambda self: getattr(self.price, name) if self.price else 0)


@dataclass
class OptionResult:
    """What one center offers for a request (not saved), or why it cannot."""

    center: Center
    eligible: bool = False
    reason_code: str = ""
    reason_params: dict = field(default_factory=dict)
    printer_catalog_id: str = ""
    printers_used: int = 0
    print_time_s: float | None = None
    material_amount: float | None = None
    price: pricing.Breakdown | None = None
    post_processing_lines: list[dict] = field(default_factory=list)
    queue_hours: float = 0.0
    printed_at: dt.datetime | None = None
    ready_at: dt.datetime | None = None
    position: int = 0

    @property
    def reason(self) -> str:
        return reason_message(self.reason_code, self.reason_params) if self.reason_code else ""

    @property
    def printer_name(self) -> str:
        return printer_name(self.printer_catalog_id)

    # The lines of the breakdown under the names a saved QuoteOption has (0 when ineligible).
    material_krw = _breakdown_line("material_krw")
    machine_krw = _breakdown_line("machine_krw")
    setup_krw = _breakdown_line("setup_krw")
    post_processing_krw = _breakdown_line("post_processing_krw")
    minimum_top_up_krw = _breakdown_line("minimum_top_up_krw")
    subtotal_krw = _breakdown_line("subtotal_krw")
    vat_krw = _breakdown_line("vat_krw")
    total_krw = _breakdown_line("total_krw")


def printer_name(catalog_id: str) -> str:
    """The printer model's name people read ("" when none)."""
    if not catalog_id:
        return ""
    from printhub.slicing import load_catalog
    from printhub.slicing.errors import UnknownPrinter

    try:
        return load_catalog().printer(catalog_id).name
    except UnknownPrinter:
        return catalog_id


def _ineligible(center: Center, reason: elig.Ineligible) -> OptionResult:
    return OptionResult(center=center, reason_code=reason.code, reason_params=reason.params)


def _center_option(
    item: CenterData,
    request: QuoteRequest,
    material_spec: elig.MaterialInfo,
    model_spec: elig.ModelInfo,
    figures_of,
    now: dt.datetime,
    tz,
) -> OptionResult:
    center = item.center
    suitability = elig.check_center(
        item.printers,
        material_spec,
        model_spec,
        has_price=item.material_price is not None and item.krw_per_hour is not None,
        layer_height_mm=request.layer_height_mm,
    )
    if not suitability.eligible:
        return _ineligible(center, suitability.reason)
    missing = [code for code in request.post_processing if code not in item.post_processing]
    if missing:
        names = offered_post_processing()
        return _ineligible(
            center,
            elig.Ineligible(
                elig.POST_PROCESSING_NOT_OFFERED,
                {"options": [names.get(c, {"ko": c, "en": c}) for c in missing]},
            ),
        )
    chosen = [item.post_processing[code] for code in request.post_processing]
    lines = [
        {
            "code": code,
            "name_ko": option["ko"],
            "name_en": option["en"],
            "krw_per_part": option["krw_per_part"],
            "krw": option["krw_per_part"] * request.quantity,
        }
        for code, option in zip(request.post_processing, chosen, strict=True)
    ]
    prices = pricing.CenterPrices(
        material_price=item.material_price,
        krw_per_hour=item.krw_per_hour,
        setup_fee_krw=item.setup_fee_krw,
        minimum_order_krw=item.minimum_order_krw,
        vat_percent=item.vat_percent,
        post_processing_per_part_krw=tuple(o["krw_per_part"] for o in chosen),
    )
    post_hours = sum(float(o["extra_hours"] or 0) for o in chosen)
    calendar = calendar_for(center, tz)
    printer_ids = [p.id for p in suitability.printers]
    groups: dict[str, list[int]] = {}
    for printer in suitability.printers:
        groups.setdefault(printer.catalog_id, []).append(printer.id)
    best: OptionResult | None = None
    for catalog_id, ids in groups.items():
        figures = figures_of(catalog_id)
        if figures is None:
            continue
        price = pricing.price_job(
            prices,
            material_per_part=figures.material_amount,
            print_time_s=figures.print_time_s,
            quantity=request.quantity,
        )
        try:
            lead = leadtime.lead_time(
                calendar,
                now,
                printer_ids,
                item.queue,
                part_s=figures.print_time_s,
                quantity=request.quantity,
                part_printers=ids,
                post_processing_hours=post_hours,
            )
        except leadtime.NeverOpen:
            return _ineligible(center, elig.Ineligible(elig.NO_OPENING_HOURS))
        option = OptionResult(
            center=center,
            eligible=True,
            printer_catalog_id=catalog_id,
            printers_used=len(ids),
            print_time_s=figures.print_time_s,
            material_amount=figures.material_amount,
            price=price,
            post_processing_lines=lines,
            queue_hours=lead.queue_s_per_printer / 3600.0,
            printed_at=lead.printed_at,
            ready_at=lead.ready_at,
        )
        if best is None or (option.total_krw, option.ready_at) < (best.total_krw, best.ready_at):
            best = option
    if best is None:
        return _ineligible(center, elig.Ineligible(elig.ESTIMATE_FAILED))
    return best


def order_options(options: Sequence[OptionResult], chosen_center_id: int | None = None):
    """Best first: the chosen center (if any), then eligible ones cheapest (then soonest) first,
    then those that cannot, in the network's order. Sets each option's position."""
    network_order = {id(o): i for i, o in enumerate(options)}
    far = dt.datetime.max.replace(tzinfo=dt.UTC)

    def key(option: OptionResult):
        return (
            option.center.id != chosen_center_id,
            not option.eligible,
            option.total_krw if option.eligible else 0,
            option.ready_at or far,
            network_order[id(option)],
        )

    ordered = sorted(options, key=key)
    for position, option in enumerate(ordered):
        option.position = position
    return ordered


def quote_options(
    request: QuoteRequest, now: dt.datetime | None = None, *, cached: bool = False
) -> list[OptionResult]:
    """Every active center's offer for the request, best first (nothing is saved).

    cached: use the network as read at most settings.QUOTE_PREVIEW_CACHE_SECONDS ago in this
    process (the live preview; a saved quote always reads it afresh).
    """
    now = now or timezone.now()
    tz = timezone.get_default_timezone()
    today = timezone.localtime(now, tz).date()
    network = cached_network(request.material, today) if cached else None
    if network is None:
        network = load_network(request.material, today)
    material_spec = material_info(request.material)
    model_spec = model_info(request.model)
    cache: dict[str, Figures | None] = dict(
        _stored_figures(
            request,
            (
                p.catalog_id
                for item in network
                for p in item.printers
                if p.process == request.material.process
            ),
        )
    )

    def figures_of(catalog_id: str) -> Figures | None:
        if catalog_id not in cache:
            cache[catalog_id] = _figures(request.model, catalog_id, request.material, request)
        return cache[catalog_id]

    options = [
        _center_option(item, request, material_spec, model_spec, figures_of, now, tz)
        for item in network
    ]
    return order_options(options, request.center.id if request.center else None)


def preview_options(user, model, material, **kwargs) -> list[OptionResult]:
    """The options a quote would have, without saving it (ValidationError on bad input).

    Reads the network through a short per-process cache (QUOTE_PREVIEW_CACHE_SECONDS): a
    price or printer changed a few seconds ago may show on the next preview only.
    """
    return quote_options(build_request(user, model, material, **kwargs), cached=True)


# ------------------------------------------------------------------------------ saved quotes


@transaction.atomic
def create_quote(
    user,
    model,
    material,
    quantity=1,
    color: str = "",
    layer_height_mm=None,
    infill_percent=20,
    post_processing: Iterable[str] = (),
    center=None,
    *,
    now: dt.datetime | None = None,
) -> Quote:
    """Save a quote with one option per active center and partner shop, best first.

    ValidationError {field: [message]} on bad input; PermissionDenied when the person may
    not ask prices for the model. Valid for settings.QUOTE_VALID_DAYS days.
    """
    request = build_request(
        user,
        model,
        material,
        quantity=quantity,
        color=color,
        layer_height_mm=layer_height_mm,
        infill_percent=infill_percent,
        post_processing=post_processing,
        center=center,
    )
    now = now or timezone.now()
    options = quote_options(request, now)
    quote = Quote.objects.create(
        owner=user,
        model=request.model,
        material=request.material,
        color=request.color,
        quantity=request.quantity,
        layer_height_mm=request.layer_height_mm,
        infill_percent=request.infill_percent,
        post_processing=list(request.post_processing),
        center=request.center,
        created_at=now,
        valid_until=now + dt.timedelta(days=settings.QUOTE_VALID_DAYS),
    )
    QuoteOption.objects.bulk_create([_saved_option(quote, o) for o in options])
    return quote


def _saved_option(quote: Quote, option: OptionResult) -> QuoteOption:
    price = option.price or pricing.Breakdown(0, 0, 0, 0, 0, 0, 0, 0)
    return QuoteOption(
        quote=quote,
        center=option.center,
        position=option.position,
        printer_catalog_id=option.printer_catalog_id,
        printers_used=option.printers_used,
        eligible=option.eligible,
        reason_code=option.reason_code,
        reason_params=option.reason_params,
        print_time_s=option.print_time_s,
        material_amount=option.material_amount,
        material_krw=price.material_krw,
        machine_krw=price.machine_krw,
        setup_krw=price.setup_krw,
        post_processing_krw=price.post_processing_krw,
        post_processing_lines=option.post_processing_lines,
        minimum_top_up_krw=price.minimum_top_up_krw,
        subtotal_krw=price.subtotal_krw,
        vat_krw=price.vat_krw,
        total_krw=price.total_krw,
        queue_hours=option.queue_hours,
        printed_at=option.printed_at,
        ready_at=option.ready_at,
    )


def get_quote(user, quote_id, *, with_options: bool = True) -> Quote:
    """A saved quote its owner (or a network admin) may see, with its options loaded
    (`ordered_options`, unless with_options is False: `load_options` does it later).

    Quote.DoesNotExist when there is none; PermissionDenied for anyone else.
    """
    try:
        quote = Quote.objects.select_related("model", "material", "center", "owner").get(
            pk=quote_id
        )
    except (ValidationError, ValueError):
        raise Quote.DoesNotExist from None
    if not can_see_quote(user, quote):
        raise PermissionDenied
    if with_options:
        load_options(quote)
    return quote


def load_options(quote: Quote) -> Quote:
    """Load a quote's options, best first, into `quote.ordered_options`."""
    quote.ordered_options = list(quote.options.select_related("center").order_by("position", "id"))
    return quote


def color_label(quote: Quote) -> str:
    """The quote's colour by its name in the active language."""
    from django.utils import translation

    key = "name_en" if translation.get_language() == "en" else "name_ko"
    for color in quote.material.colors or ():
        if isinstance(color, dict) and color.get("code") == quote.color:
            return str(color.get(key) or quote.color)
    return quote.color


def post_processing_names(quote: Quote) -> list[str]:
    """Names of the quote's post-processing options in the active language."""
    from django.utils import translation

    language = "en" if translation.get_language() == "en" else "ko"
    names = {}
    for option in getattr(quote, "ordered_options", None) or quote.options.all():
        for line in option.post_processing_lines or ():
            names.setdefault(line["code"], line[f"name_{language}"])
    if len(names) < len(quote.post_processing):
        known = offered_post_processing()
        for code in quote.post_processing:
            names.setdefault(code, known.get(code, {}).get(language, code))
    return [names[code] for code in quote.post_processing if code in names]


def option_reasons(option) -> dict[str, str]:
    """The reason an option (saved or not) cannot be taken, in Korean and English."""
    if not option.reason_code:
        return {}
    return reason_messages(option.reason_code, option.reason_params)
