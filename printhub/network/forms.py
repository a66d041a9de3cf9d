"""Forms of the staff pages: prices, opening hours, closures, printers."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from printhub.network import services
from printhub.network.models import Center, Material, OpeningHours, Printer, Process

# Ten million won: far above any real price, low enough to catch a slipped finger.
MAX_KRW = 10_000_000


class WonField(forms.IntegerField):
    """Integer won; accepts "2,500" and "₩2,500" as people write them."""

    default_error_messages = {
        "invalid": _("Enter a whole number of won, without decimals."),
        "min_value": _("Prices cannot be negative."),
        "max_value": _("That is more than ₩10,000,000; check the amount."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_KRW)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "size": 9}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace("₩", "").replace(" ", "").strip()
        return super().to_python(value)


class PriceListForm(forms.Form):
    """Set-up fee, minimum order, VAT, a machine rate per process, a price per material."""

    setup_fee_krw = WonField(label=_("Set-up fee per order (₩)"))
    minimum_order_krw = WonField(label=_("Minimum order (₩)"))
    vat_percent = forms.IntegerField(
        label=_("VAT (%)"),
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": _("Enter VAT as a whole percentage."),
            "min_value": _("VAT must be between 0 and 100."),
            "max_value": _("VAT must be between 0 and 100."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
    )

    def __init__(self, *args, center: Center, **kwargs):
        price_list = services.price_list_of(center)
        self.materials = list(Material.objects.filter(is_active=True))
        initial = kwargs.setdefault("initial", {})
        if price_list is not None:
            initial.setdefault("setup_fee_krw", price_list.setup_fee_krw)
            initial.setdefault("minimum_order_krw", price_list.minimum_order_krw)
            initial.setdefault("vat_percent", price_list.vat_percent)
            for rate in price_list.rates.all():
                initial.setdefault(f"rate_{rate.process}", rate.krw_per_hour)
            for price in price_list.material_prices.select_related("material"):
                initial.setdefault(f"material_{price.material_id}", price.unit_price_krw)
        super().__init__(*args, **kwargs)
        for process in Process:
            self.fields[f"rate_{process.value}"] = WonField(
                label=process.label,
                required=False,
                help_text=_("₩ per machine hour; empty: not offered here"),
            )
        runnable = set(
            Material.objects.filter(
                printers__center=center, printers__status__in=["available", "maintenance"]
            ).values_list("pk", flat=True)
        )
        self.not_runnable = set()
        for material in self.materials:
            unit = _("₩ per litre") if material.sold_by_litre else _("₩ per kg")
            self.fields[f"material_{material.pk}"] = WonField(
                label=material.name, required=False, help_text=unit
            )
            if material.pk not in runnable:
                self.not_runnable.add(material.pk)

    def rate_fields(self):
        return [self[f"rate_{p.value}"] for p in Process]

    def material_rows(self):
        """(material, its bound field, whether a printer here can run it)."""
        return [
            (m, self[f"material_{m.pk}"], m.pk not in self.not_runnable) for m in self.materials
        ]

    def changes(self, post_processing) -> services.PriceChanges:
        data = self.cleaned_data
        return services.PriceChanges(
            setup_fee_krw=data["setup_fee_krw"],
            minimum_order_krw=data["minimum_order_krw"],
            vat_percent=data["vat_percent"],
            machine_rates={p.value: data[f"rate_{p.value}"] for p in Process},
            material_prices={m.pk: data[f"material_{m.pk}"] for m in self.materials},
            post_processing=post_processing,
        )


class PostProcessingForm(forms.Form):
    code = forms.SlugField(
        label=_("code"),
        max_length=50,
        error_messages={
            "invalid": _("Use lower-case letters, digits and hyphens, such as support-removal.")
        },
        widget=forms.TextInput(attrs={"size": 14}),
    )
    name_ko = forms.CharField(label=_("name (Korean)"), max_length=200)
    name_en = forms.CharField(label=_("name (English)"), max_length=200)
    krw_per_part = WonField(label=_("₩ per part"))
    extra_hours = forms.FloatField(
        label=_("extra working hours per order"),
        min_value=0,
        max_value=100,
        initial=0,
        error_messages={
            "invalid": _("Enter a number of hours, such as 0.5."),
            "min_value": _("Extra working hours cannot be negative."),
            "max_value": _("More than 100 extra hours: check the number."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 4}),
    )


class BasePostProcessingFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self._kept_forms():
            code = form.cleaned_data["code"]
            if code in seen:
                raise ValidationError(_("Two options have the code %(code)s.") % {"code": code})
            seen.add(code)

    def _kept_forms(self):
        """Filled-in forms not marked for removal (empty extra rows have no data)."""
        return [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]

    def rows(self) -> list[services.PostProcessingRow]:
        return [
            services.PostProcessingRow(
                **{k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            )
            for form in self._kept_forms()
        ]


PostProcessingFormSet = forms.formset_factory(
    PostProcessingForm, formset=BasePostProcessingFormSet, extra=1, can_delete=True
)


def post_processing_initial(center: Center) -> list[dict]:
    price_list = services.price_list_of(center)
    if price_list is None:
        return []
    return [
        {
            "code": o.code,
            "name_ko": o.name_ko,
            "name_en": o.name_en,
            "krw_per_part": o.krw_per_part,
            "extra_hours": o.extra_hours,
        }
        for o in price_list.post_processing.all()
    ]


TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class HoursForm(forms.Form):
    # The empty choice keeps the blank rows for new periods blank (and so ignored).
    weekday = forms.TypedChoiceField(
        label=_("weekday"),
        choices=[("", "—"), *OpeningHours.WEEKDAYS],
        coerce=int,
        empty_value=None,
    )
    opens = forms.TimeField(
        label=_("opens"),
        widget=TIME_WIDGET,
        error_messages={"invalid": _("Enter a time such as 09:00.")},
    )
    closes = forms.TimeField(
        label=_("closes"),
        widget=TIME_WIDGET,
        error_messages={"invalid": _("Enter a time such as 18:00.")},
    )

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens"), data.get("closes")
        if opens is not None and closes is not None and closes <= opens:
            raise ValidationError(_("The closing time must be after the opening time."))
        return data


class BaseHoursFormSet(forms.BaseFormSet):
    def periods(self) -> list[tuple[int, dt.time, dt.time]]:
        return [
            (f.cleaned_data["weekday"], f.cleaned_data["opens"], f.cleaned_data["closes"])
            for f in self.forms
            if f.cleaned_data and not self._should_delete_form(f)
        ]

    def clean(self):
        if any(self.errors):
            return
        services.check_periods(self.periods())


HoursFormSet = forms.formset_factory(HoursForm, formset=BaseHoursFormSet, extra=2, can_delete=True)


def hours_initial(center: Center) -> list[dict]:
    return [
        {"weekday": h.weekday, "opens": h.opens, "closes": h.closes}
        for h in center.hours.order_by("weekday", "opens")
    ]


class ClosureForm(forms.Form):
    date = forms.DateField(
        label=_("date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2026-12-25.")},
    )
    reason_ko = forms.CharField(label=_("reason (Korean)"), max_length=200, required=False)
    reason_en = forms.CharField(label=_("reason (English)"), max_length=200, required=False)

    def __init__(self, *args, center: Center, **kwargs):
        self.center = center
        super().__init__(*args, **kwargs)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date < services.today():
            raise ValidationError(_("A closure day cannot be in the past."))
        if self.center.closures.filter(date=date).exists():
            raise ValidationError(_("The center is already closed on that day."))
        return date


def printer_model_choices() -> list[tuple[str, str]]:
    from printhub.slicing import load_catalog

    choices = []
    for p in load_catalog().printers():
        x, y, z = (round(v) for v in p.build_mm)
        facts = [f"{x}×{y}×{z} mm"]
        if p.nozzle_mm:
            facts.append(f"{p.nozzle_mm} mm")
        if p.hardened_nozzle:
            facts.append(str(_("hardened nozzle")))
        if p.enclosed:
            facts.append(str(_("enclosed")))
        choices.append((p.id, f"{p.name} — {', '.join(facts)}"))
    return choices


class AddPrinterForm(forms.Form):
    catalog_id = forms.ChoiceField(label=_("printer model"))
    name = forms.CharField(
        label=_("name"),
        max_length=100,
        required=False,
        help_text=_("Empty: a name like MK3S-05 is chosen."),
    )

    def __init__(self, *args, center: Center, **kwargs):
        self.center = center
        super().__init__(*args, **kwargs)
        self.fields["catalog_id"].choices = printer_model_choices()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if name and self.center.printers.filter(name=name).exists():
            raise ValidationError(
                _("This center already has a printer called %(name)s.") % {"name": name}
            )
        return name


class PrinterStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (Printer.Status.AVAILABLE, Printer.Status.AVAILABLE.label),
            (Printer.Status.MAINTENANCE, Printer.Status.MAINTENANCE.label),
        ]
    )
