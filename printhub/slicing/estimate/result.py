"""What an instant estimate returns, for every technology."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class Estimate:
    """An estimate of one job: time s, lengths mm, volumes cm³ / ml, masses g, money won.

    ``breakdown`` splits the print time (keys ending in ``_s``) and the material (``_mm3``,
    ``_g``) into their parts: perimeters, infill, support, travel, cooling waits, ...
    """

    technology: str  # "fdm" | "sla" | "sls"
    print_time_s: float
    layers: int
    material_g: float
    material_cost_krw: int | None = None
    filament_mm: float | None = None  # fdm
    filament_g: float | None = None
    filament_cm3: float | None = None
    resin_ml: float | None = None  # sla
    powder_g: float | None = None  # sls: powder used up (part + what the refresh ratio adds)
    breakdown: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready figures."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["breakdown"] = {k: round(float(v), 3) for k, v in self.breakdown.items()}
        return data


def cost_krw(mass_g: float, price_krw_per_kg: int | None) -> int | None:
    """Material cost in whole won, or None when the material has no price."""
    if price_krw_per_kg is None:
        return None
    return round(mass_g * price_krw_per_kg / 1000.0)
