"""Stock pages of a center's staff, and the load / unload actions of the operator screens."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from printhub.accounts.permissions import can_manage_center, require, staff_required, works_at
from printhub.inventory import forms, services
from printhub.inventory.models import PowderLot, ResinBottle, Spool, StockUse
from printhub.network.models import Center, Printer, Process

ARCHIVABLE = {"spool": Spool, "resin": ResinBottle, "powder": PowderLot}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _safe_next(request) -> str | None:
    """The `next` address when it is a path on this site, else None."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _back(request, center: Center):
    return redirect(_safe_next(request) or reverse("inventory:center", args=[center.slug]))


def _staff_center(request, slug: str) -> Center:
    center = get_object_or_404(Center, slug=slug)
    require(works_at(request.user, center))
    return center


def _managed_center(request, slug: str) -> Center:
    center = get_object_or_404(Center, slug=slug)
    require(can_manage_center(request.user, center))
    return center


@staff_required
def index(request):
    centers = Center.objects.filter(pk__in=request.user.center_ids()).order_by("kind", "id")
    if len(centers) == 1:
        return redirect("inventory:center", slug=centers[0].slug)
    return render(request, "inventory/index.html", {"centers": centers})


def _printer_rows(center: Center, spools, bottles) -> list[dict]:
    """Each printer with what it holds and what on the shelf it could take instead."""
    rows = []
    printers = center.printers.exclude(status=Printer.Status.RETIRED).prefetch_related("materials")
    for printer in printers:
        if printer.process == Process.FDM:
            loaded = next((s for s in spools if s.printer_id == printer.pk), None)
            options = [
                s
                for s in spools
                if s.printer_id is None and not s.is_empty and printer.can_run(s.material)
            ]
        elif printer.process == Process.SLA:
            loaded = next((b for b in bottles if b.printer_id == printer.pk), None)
            options = [
                b
                for b in bottles
                if b.printer_id is None and b.remaining_ml > 0 and printer.can_run(b.material)
            ]
        else:
            continue  # powder printers take a lot by hand; nothing to load
        rows.append({"printer": printer, "loaded": loaded, "options": options})
    return rows


def _printer_context(request, printer: Printer) -> dict:
    center = printer.center
    spools = list(
        Spool.objects.filter(center=center, archived=False).select_related(
            "filament__material", "filament__vendor"
        )
    )
    bottles = list(
        ResinBottle.objects.filter(center=center, archived=False).select_related("material")
    )
    row = next(r for r in _printer_rows(center, spools, bottles) if r["printer"].pk == printer.pk)
    return {"row": row, "next": _safe_next(request) or ""}


@staff_required
def center(request, slug: str):
    center = _staff_center(request, slug)
    spools = list(
        Spool.objects.filter(center=center, archived=False).select_related(
            "filament__material", "filament__vendor", "printer"
        )
    )
    bottles = list(
        ResinBottle.objects.filter(center=center, archived=False).select_related(
            "material", "printer"
        )
    )
    powder = list(
        PowderLot.objects.filter(center=center, archived=False).select_related("material")
    )
    can_manage = can_manage_center(request.user, center)
    uses = (
        StockUse.objects.filter(
            Q(spool__center=center) | Q(bottle__center=center) | Q(powder_lot__center=center)
        )
        .select_related(
            "spool__filament__material",
            "spool__filament__vendor",
            "bottle__material",
            "powder_lot__material",
            "by",
        )
        .order_by("-at", "-id")[:20]
    )
    return render(
        request,
        "inventory/center.html",
        {
            "center": center,
            "spools": spools,
            "bottles": bottles,
            "powder": powder,
            "printer_rows": _printer_rows(center, spools, bottles),
            "low": services.low_stock(center),
            "can_manage": can_manage,
            "minimum_form": forms.MinimumForm() if can_manage else None,
            "uses": uses,
            "next": "",
        },
    )


def _add(request, slug: str, form_class, template_title, save):
    center = _managed_center(request, slug)
    form = form_class(request.POST or None, center=center)
    if request.method == "POST" and form.is_valid():
        try:
            item = save(center, form)
        except ValidationError as err:
            form.add_error(None, err)
        else:
            messages.success(request, _("Added to the stock: %(item)s.") % {"item": item})
            return redirect("inventory:center", slug=center.slug)
    return render(
        request, "inventory/add.html", {"center": center, "form": form, "title": template_title}
    )


@staff_required
def add_spool(request, slug: str):
    def save(center, form):
        data = form.cleaned_data
        return services.add_spool(
            request.user,
            center,
            form.filament_to_use(),
            data["initial_weight_g"],
            lot=data["lot"],
            location=data["location"],
        )

    return _add(request, slug, forms.SpoolForm, _("Add a spool"), save)


@staff_required
def add_resin(request, slug: str):
    def save(center, form):
        data = form.cleaned_data
        return services.add_resin(
            request.user,
            center,
            data["material"],
            data["initial_ml"],
            lot=data["lot"],
            location=data["location"],
        )

    return _add(request, slug, forms.ResinForm, _("Add a resin bottle"), save)


@staff_required
def add_powder(request, slug: str):
    def save(center, form):
        data = form.cleaned_data
        return services.add_powder(
            request.user,
            center,
            data["material"],
            data["initial_kg"],
            lot=data["lot"],
            location=data["location"],
        )

    return _add(request, slug, forms.PowderForm, _("Add a powder lot"), save)


@staff_required
@require_POST
def archive(request, slug: str, kind: str, pk: int):
    model = ARCHIVABLE.get(kind)
    if model is None:
        raise Http404
    item = get_object_or_404(model.objects.select_related("center"), pk=pk, center__slug=slug)
    require(can_manage_center(request.user, item.center))
    services.archive(request.user, item)
    messages.success(request, _("Archived: %(item)s.") % {"item": item})
    return _back(request, item.center)


@staff_required
@require_POST
def set_minimum(request, slug: str):
    center = _managed_center(request, slug)
    form = forms.MinimumForm(request.POST)
    if form.is_valid():
        level = services.set_minimum(
            request.user, center, form.cleaned_data["material"], form.cleaned_data["minimum_g"]
        )
        messages.success(
            request,
            _("Minimum stock of %(material)s: %(grams)s g.")
            % {"material": level.material.name, "grams": f"{level.minimum_g:,.0f}"},
        )
    else:
        messages.error(request, _("Nothing was saved: please correct the marked fields."))
    return redirect("inventory:center", slug=center.slug)


def _printer_of_staff(request, pk: int) -> Printer:
    printer = get_object_or_404(Printer.objects.select_related("center"), pk=pk)
    require(works_at(request.user, printer.center))
    return printer


def _after_change(request, printer: Printer, message: str, error: bool = False):
    if _is_htmx(request):
        if error:
            return HttpResponse(message, status=400)
        return render(request, "inventory/_printer_row.html", _printer_context(request, printer))
    (messages.error if error else messages.success)(request, message)
    return _back(request, printer.center)


@staff_required
@require_POST
def load(request, pk: int):
    """Load the spool (field `spool`) or resin bottle (field `bottle`) on a printer."""
    printer = _printer_of_staff(request, pk)
    spool_id, bottle_id = request.POST.get("spool", ""), request.POST.get("bottle", "")
    try:
        if spool_id.isdigit():
            spool = Spool.objects.filter(pk=int(spool_id)).first()
            if spool is None:
                raise ValidationError(_("There is no such spool."))
            loaded = services.load_spool(spool, printer, by=request.user)
        elif bottle_id.isdigit():
            bottle = ResinBottle.objects.filter(pk=int(bottle_id)).first()
            if bottle is None:
                raise ValidationError(_("There is no such resin bottle."))
            loaded = services.load_resin(bottle, printer, by=request.user)
        else:
            raise ValidationError(_("Choose a spool to load."))
    except ValidationError as err:
        return _after_change(request, printer, " ".join(err.messages), error=True)
    return _after_change(
        request,
        printer,
        _("%(item)s is loaded on %(printer)s.") % {"item": loaded, "printer": printer.name},
    )


@staff_required
@require_POST
def unload(request, pk: int):
    """Take the spool (or resin bottle) off a printer."""
    printer = _printer_of_staff(request, pk)
    item = services.unload_spool(printer, by=request.user) or services.unload_resin(
        printer, by=request.user
    )
    if item is None:
        message = _("Nothing was loaded on %(printer)s.") % {"printer": printer.name}
    else:
        message = _("%(item)s is off %(printer)s.") % {"item": item, "printer": printer.name}
    return _after_change(request, printer, message)
