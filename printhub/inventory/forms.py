"""Forms of the stock pages: add a spool, a resin bottle or a powder lot; set a minimum."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from printhub.inventory.models import HEX_COLOR, Filament, Vendor
from printhub.network.models import Center, Material, Process


class _Shelf(forms.Form):
    lot = forms.CharField(label=_("Lot number"), max_length=64, required=False)
    location = forms.CharField(
        label=_("Location"),
        max_length=100,
        required=False,
        help_text=_("Where it is kept, e.g. shelf A-2 or the dry box."),
    )


def _materials_of(center: Center, process: str):
    """Materials of a process that the center's printers run (all of the process if none)."""
    run_here = Material.objects.filter(
        process=process, printers__center=center, is_active=True
    ).distinct()
    return run_here if run_here.exists() else Material.objects.filter(process=process)


class SpoolForm(_Shelf):
    """A spool of a known filament, or of a new one described here."""

    filament = forms.ModelChoiceField(
        label=_("Filament"),
        queryset=Filament.objects.none(),
        required=False,
        empty_label=_("— a new filament (below) —"),
    )
    initial_weight_g = forms.FloatField(
        label=_("Filament on the spool (g)"),
        min_value=1,
        max_value=50_000,
        initial=1000,
        help_text=_("The net weight of a full spool, without the spool itself."),
    )
    vendor_name = forms.CharField(label=_("New filament: vendor"), max_length=100, required=False)
    material = forms.ModelChoiceField(
        label=_("New filament: material"), queryset=Material.objects.none(), required=False
    )
    color_name = forms.CharField(label=_("New filament: colour"), max_length=60, required=False)
    color_hex = forms.CharField(
        label=_("New filament: colour code"),
        max_length=7,
        required=False,
        initial="#888888",
        validators=[HEX_COLOR],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    diameter_mm = forms.FloatField(
        label=_("New filament: diameter (mm)"),
        initial=1.75,
        min_value=1,
        max_value=3.5,
        required=False,
    )

    field_order = [
        "filament",
        "initial_weight_g",
        "lot",
        "location",
        "vendor_name",
        "material",
        "color_name",
        "color_hex",
        "diameter_mm",
    ]

    def __init__(self, *args, center: Center, **kwargs):
        super().__init__(*args, **kwargs)
        materials = _materials_of(center, Process.FDM)
        self.fields["material"].queryset = materials
        self.fields["filament"].queryset = (
            Filament.objects.select_related("vendor", "material")
            .filter(Q(material__in=materials) | Q(spools__center=center))
            .distinct()
        )

    def clean(self):
        data = super().clean()
        if data.get("filament") is None:
            for name in ("vendor_name", "material", "color_name"):
                if not data.get(name):
                    self.add_error(name, _("Choose a filament above, or describe the new one."))
        return data

    def filament_to_use(self) -> Filament:
        """The chosen filament, or the new one (its vendor made when unknown)."""
        data = self.cleaned_data
        if data["filament"] is not None:
            return data["filament"]
        vendor, _created = Vendor.objects.get_or_create(name=data["vendor_name"].strip())
        filament, _created = Filament.objects.get_or_create(
            vendor=vendor,
            material=data["material"],
            color_name=data["color_name"].strip(),
            diameter_mm=data.get("diameter_mm") or 1.75,
            defaults={"color_hex": data.get("color_hex") or "#888888"},
        )
        return filament


class ResinForm(_Shelf):
    material = forms.ModelChoiceField(label=_("Resin"), queryset=Material.objects.none())
    initial_ml = forms.FloatField(
        label=_("Volume (ml)"), min_value=1, max_value=20_000, initial=1000
    )

    field_order = ["material", "initial_ml", "lot", "location"]

    def __init__(self, *args, center: Center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = _materials_of(center, Process.SLA)


class PowderForm(_Shelf):
    material = forms.ModelChoiceField(label=_("Powder"), queryset=Material.objects.none())
    initial_kg = forms.FloatField(label=_("Mass (kg)"), min_value=0.01, max_value=1000, initial=10)

    field_order = ["material", "initial_kg", "lot", "location"]

    def __init__(self, *args, center: Center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = _materials_of(center, Process.SLS)


class MinimumForm(forms.Form):
    material = forms.ModelChoiceField(label=_("Material"), queryset=Material.objects.all())
    minimum_g = forms.FloatField(
        label=_("Minimum stock (g)"),
        min_value=0,
        max_value=1_000_000,
        help_text=_("Below this the center's managers are warned (0: never)."),
    )
