"""The quote form: process, material, colour, quantity, settings, post-processing, center."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from printhub.network.models import Center, Material, Process
from printhub.quotes import services

FILLER_NAMES = {
    "carbon-fiber": _("carbon fibre"),
    "cnt": _("carbon nanotubes (CNT)"),
    "glass-fiber": _("glass fibre"),
}


def _layer_label(process: str, height: float) -> str:
    default = services.DEFAULT_LAYER_HEIGHT.get(process)
    if process == Process.FDM:
        names = {0.10: _("fine"), 0.15: _("detailed"), 0.20: _("standard"), 0.30: _("draft")}
    elif process == Process.SLA:
        names = {0.025: _("ultra-fine"), 0.05: _("standard"), 0.10: _("fast")}
    else:
        names = {0.11: _("the machine's layer")}
    label = f"{height:g} mm · {names.get(height, '')}"
    if height == default:
        label += " " + str(_("(recommended)"))
    return label


def material_needs(material: Material) -> list[str]:
    """What a material needs from a printer, as short phrases a person reads."""
    needs = []
    if material.filler:
        needs.append(
            str(_("filled with %(filler)s") % {"filler": FILLER_NAMES.get(material.filler, "")})
        )
    if material.abrasive:
        needs.append(str(_("needs a hardened nozzle")))
    if material.needs_enclosure:
        needs.append(str(_("needs an enclosed printer")))
    if material.needs_drying:
        needs.append(str(_("dried before printing")))
    return needs


def color_name(color: dict) -> str:
    english = translation.get_language() == "en"
    return str(color.get("name_en" if english else "name_ko") or color.get("code", ""))


class QuoteForm(forms.Form):
    """The settings of a quote. Fields that depend on the material follow it.

    `last_process` (hidden) is the process the page showed: when the person picks another
    process, the material follows it; otherwise the process follows the material.
    """

    process = forms.ChoiceField(label=_("Process"), choices=Process.choices)
    material = forms.ChoiceField(label=_("Material"))
    color = forms.ChoiceField(label=_("Colour"), required=False)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=services.MAX_QUANTITY, initial=1
    )
    layer_height_mm = forms.TypedChoiceField(
        label=_("Layer height"), coerce=float, empty_value=None, required=False
    )
    infill_percent = forms.IntegerField(
        label=_("Infill (%)"), min_value=0, max_value=100, initial=20, required=False
    )
    post_processing = forms.MultipleChoiceField(
        label=_("Post-processing"), required=False, widget=forms.CheckboxSelectMultiple
    )
    center = forms.ChoiceField(label=_("Center"), required=False)
    last_process = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, materials=None, centers=None, post_processing=None):
        data = data.copy() if data is not None else None
        self.materials = list(materials if materials is not None else _materials())
        by_id = {m.catalog_id: m for m in self.materials}
        processes = [p for p in Process if any(m.process == p for m in self.materials)]
        material = self._chosen_material(data, by_id, processes)
        self.material_obj = material
        if data is not None and material is not None:
            data["material"] = material.catalog_id
            data["process"] = material.process
        super().__init__(data, initial={"material": getattr(material, "catalog_id", "")})
        self.fields["process"].choices = [(p.value, p.label) for p in processes]
        if material is not None:
            self.initial["process"] = material.process
        self.fields["material"].choices = self._material_choices(processes)
        colors = list(material.colors or ()) if material is not None else []
        self.fields["color"].choices = [(c.get("code"), color_name(c)) for c in colors]
        process = material.process if material is not None else Process.FDM
        self.process_value = process
        # The recommended height is the empty choice (None: the printer's default), the
        # settings the estimates are computed at after the analysis.
        default = services.DEFAULT_LAYER_HEIGHT.get(process)
        self.fields["layer_height_mm"].choices = [
            ("" if h == default else str(h), _layer_label(process, h))
            for h in services.LAYER_HEIGHTS.get(process, ())
        ]
        self.initial["layer_height_mm"] = ""
        self.initial["last_process"] = process
        if data is not None:
            data["last_process"] = process
            # Settings of another material or process give way to this one's defaults.
            heights = {value for value, _label in self.fields["layer_height_mm"].choices}
            if data.get("layer_height_mm") not in heights:
                data["layer_height_mm"] = self.initial["layer_height_mm"]
            codes = [code for code, _label in self.fields["color"].choices]
            if data.get("color") not in codes:
                data["color"] = codes[0] if codes else ""
        names = post_processing if post_processing is not None else _post_processing()
        self.fields["post_processing"].choices = [
            (code, name["en" if translation.get_language() == "en" else "ko"])
            for code, name in names.items()
        ]
        centers = list(centers if centers is not None else _centers())
        self.fields["center"].choices = [("", _("Best offer (compare every center)"))] + [
            (c.slug, c.name) for c in centers
        ]
        if data is not None:
            self.data = data

    @staticmethod
    def _chosen_material(data, by_id, processes):
        if not by_id:
            return None
        chosen = by_id.get((data or {}).get("material") or "")
        process = (data or {}).get("process") or ""
        last = (data or {}).get("last_process") or ""
        if process and process != last and (chosen is None or chosen.process != process):
            # The person picked another process: the first material of that process.
            chosen = next((m for m in by_id.values() if m.process == process), chosen)
        if chosen is None:
            chosen = next(
                (m for m in by_id.values() if m.catalog_id == "pla"), next(iter(by_id.values()))
            )
        return chosen

    def _material_choices(self, processes):
        groups = []
        for process in processes:
            options = []
            for m in self.materials:
                if m.process != process:
                    continue
                needs = material_needs(m)
                label = m.name + (f" — {', '.join(needs)}" if needs else "")
                options.append((m.catalog_id, label))
            groups.append((process.label, options))
        return groups

    @property
    def composite_needs(self) -> list[str]:
        return material_needs(self.material_obj) if self.material_obj is not None else []

    def choices_of(self, name: str) -> list[tuple[str, str, bool]]:
        """(value, label, selected) of a choice field, for markup written by hand (fast)."""
        field = self[name]
        value = field.value()
        chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value or "")}
        return [
            (str(v), label, str(v) in chosen)
            for v, label in self.fields[name].choices
            if not isinstance(label, list | tuple)
        ]

    @property
    def choices(self) -> dict[str, list[tuple[str, str, bool]]]:
        """Every flat choice field's (value, label, selected), by field name."""
        names = ("process", "color", "layer_height_mm", "post_processing", "center")
        return {name: self.choices_of(name) for name in names}

    @property
    def material_groups(self) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        """(process label, [(catalog id, label, selected)]) for the material list."""
        chosen = getattr(self.material_obj, "catalog_id", "")
        return [
            (str(group), [(v, label, v == chosen) for v, label in options])
            for group, options in self.fields["material"].choices
        ]

    def composites(self) -> list[tuple[Material, list[str]]]:
        """The composite materials with what they need, for the explanation beside the form."""
        return [(m, material_needs(m)) for m in self.materials if m.is_composite]

    def clean_color(self):
        return self.cleaned_data.get("color") or ""

    def clean_infill_percent(self):
        value = self.cleaned_data.get("infill_percent")
        return 20 if value is None else value

    def request_kwargs(self) -> dict:
        """Keyword arguments for services.create_quote / preview_options."""
        data = self.cleaned_data
        return {
            "quantity": data["quantity"],
            "color": data.get("color") or "",
            "layer_height_mm": data.get("layer_height_mm"),
            "infill_percent": data.get("infill_percent", 20),
            "post_processing": data.get("post_processing") or (),
            "center": data.get("center") or None,
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError {field: [messages]} on the form."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)

    def settings_signature(self) -> str:
        """What the material-dependent fields depend on (the page re-renders them on change)."""
        return getattr(self.material_obj, "catalog_id", "")


def _materials():
    return Material.objects.filter(is_active=True).order_by("sort_order", "id")


def _centers():
    return Center.objects.filter(is_active=True).order_by("kind", "id")


def _post_processing():
    return services.offered_post_processing()
