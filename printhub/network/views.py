"""Pages of the network: centers and materials for everyone, the staff's own centers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from printhub.accounts.permissions import can_manage_center, staff_required
from printhub.network import forms, services
from printhub.network.models import Center, Closure, Printer


def center_list(request):
    moment = services.now()
    overviews = [services.overview(c, moment) for c in services.centers_for_display()]
    return render(
        request,
        "network/center_list.html",
        {
            "centers": [o for o in overviews if o.center.kind == Center.Kind.CENTER],
            "shops": [o for o in overviews if o.center.kind == Center.Kind.PARTNER_SHOP],
        },
    )


def center_detail(request, slug: str):
    center = services.centers_for_display().filter(slug=slug).first()
    if center is None:
        raise Http404(_("There is no such center."))
    return render(
        request,
        "network/center_detail.html",
        {
            "center": center,
            "overview": services.overview(center),
            "week": services.weekly_hours(center),
            "price_list": services.price_list_of(center),
            "can_manage": can_manage_center(request.user, center),
        },
    )


def materials(request):
    return render(request, "network/materials.html", {"catalog": services.material_catalog()})


# ------------------------------------------------------------------------ staff


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@staff_required
def staff_home(request):
    centers = (
        services.staff_centers(request.user)
        .select_related("price_list")
        .prefetch_related("printers")
    )
    rows = [
        {
            "center": c,
            "can_manage": can_manage_center(request.user, c),
            "printers": c.printers.all(),
        }
        for c in centers
    ]
    return render(request, "network/staff_home.html", {"rows": rows})


def _printer_row(request, printer: Printer, status: int = 200):
    return render(
        request,
        "network/_printer_row.html",
        {"printer": printer, "can_manage": can_manage_center(request.user, printer.center)},
        status=status,
    )


@staff_required
@require_POST
def printer_status(request, pk: int):
    printer = get_object_or_404(Printer.objects.select_related("center"), pk=pk)
    services.require_works_at(request.user, printer.center)
    form = forms.PrinterStatusForm(request.POST)
    if not form.is_valid():
        error = _("Choose available or in maintenance.")
        if _is_htmx(request):
            return HttpResponse(error, status=400)
        messages.error(request, error)
        return redirect("network:staff_home")
    try:
        services.set_printer_status(request.user, printer, form.cleaned_data["status"])
    except ValidationError as err:
        if _is_htmx(request):
            return HttpResponse(" ".join(err.messages), status=400)
        messages.error(request, " ".join(err.messages))
        return redirect("network:staff_home")
    if _is_htmx(request):
        return _printer_row(request, printer)
    messages.success(
        request,
        _("%(printer)s is now: %(status)s.")
        % {"printer": printer.name, "status": printer.get_status_display()},
    )
    return redirect("network:staff_home")


@staff_required
@require_POST
def printer_retire(request, pk: int):
    printer = get_object_or_404(Printer.objects.select_related("center"), pk=pk)
    services.retire_printer(request.user, printer)
    if _is_htmx(request):
        return _printer_row(request, printer)
    messages.success(request, _("%(printer)s is retired.") % {"printer": printer.name})
    return redirect("network:staff_home")


def _managed_center(request, slug: str) -> Center:
    center = get_object_or_404(Center, slug=slug)
    services.require_manager(request.user, center)
    return center


@staff_required
def printer_add(request, slug: str):
    center = _managed_center(request, slug)
    form = forms.AddPrinterForm(request.POST or None, center=center)
    if request.method == "POST" and form.is_valid():
        try:
            printer = services.add_printer(
                request.user, center, form.cleaned_data["catalog_id"], form.cleaned_data["name"]
            )
        except ValidationError as err:
            form.add_error(None, err)
        else:
            messages.success(
                request,
                _("%(printer)s was added to %(center)s.")
                % {"printer": printer.name, "center": center.name},
            )
            return redirect("network:staff_home")
    return render(request, "network/printer_add.html", {"center": center, "form": form})


@staff_required
def edit_prices(request, slug: str):
    center = _managed_center(request, slug)
    data = request.POST if request.method == "POST" else None
    form = forms.PriceListForm(data, center=center)
    extras = forms.PostProcessingFormSet(
        data, initial=forms.post_processing_initial(center), prefix="pp"
    )
    if data is not None:
        if form.is_valid() and extras.is_valid():
            try:
                services.update_price_list(request.user, center, form.changes(extras.rows()))
            except ValidationError as err:
                form.add_error(None, err)
            else:
                messages.success(
                    request, _("The prices of %(center)s are saved.") % {"center": center.name}
                )
                return redirect("network:center_detail", slug=center.slug)
        messages.error(request, _("Nothing was saved: please correct the marked fields."))
    return render(
        request, "network/edit_prices.html", {"center": center, "form": form, "extras": extras}
    )


@staff_required
def edit_hours(request, slug: str):
    center = _managed_center(request, slug)
    hours = forms.HoursFormSet(initial=forms.hours_initial(center), prefix="hours")
    closure = forms.ClosureForm(center=center, prefix="closure")
    if request.method == "POST" and "save_hours" in request.POST:
        hours = forms.HoursFormSet(
            request.POST, initial=forms.hours_initial(center), prefix="hours"
        )
        if hours.is_valid():
            services.set_weekly_hours(request.user, center, hours.periods())
            messages.success(request, _("The opening hours are saved."))
            return redirect("network:staff_hours", slug=center.slug)
        messages.error(request, _("Nothing was saved: please correct the marked fields."))
    elif request.method == "POST" and "add_closure" in request.POST:
        closure = forms.ClosureForm(request.POST, center=center, prefix="closure")
        if closure.is_valid():
            try:
                services.add_closure(request.user, center, **closure.cleaned_data)
            except ValidationError as err:
                closure.add_error("date", err)
            else:
                messages.success(request, _("The closure day is added."))
                return redirect("network:staff_hours", slug=center.slug)
    closures = center.closures.filter(date__gte=services.today()).order_by("date")
    return render(
        request,
        "network/edit_hours.html",
        {"center": center, "hours": hours, "closure": closure, "closures": closures},
    )


@staff_required
@require_POST
def closure_delete(request, slug: str, pk: int):
    closure = get_object_or_404(Closure.objects.select_related("center"), pk=pk, center__slug=slug)
    services.remove_closure(request.user, closure)
    messages.success(
        request,
        _("%(center)s opens again on %(date)s.")
        % {"center": closure.center.name, "date": f"{closure.date:%Y-%m-%d}"},
    )
    return redirect("network:staff_hours", slug=slug)
