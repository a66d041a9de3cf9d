"""A saved quote as a PDF (reportlab), in the person's language, with a Korean font embedded.

The font is NanumGothic from Debian's fonts-nanum package; reportlab embeds the subset of
glyphs the document uses, so the PDF shows Korean on any reader.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from printhub.quotes import services

FONT_DIR = Path("/usr/share/fonts/truetype/nanum")
FONT_PATH = FONT_DIR / "NanumGothic.ttf"
FONT_BOLD_PATH = FONT_DIR / "NanumGothicBold.ttf"
FONT_PACKAGE = "fonts-nanum"
FONT = "NanumGothic"
FONT_BOLD = "NanumGothic-Bold"


class FontMissing(RuntimeError):
    """The Korean font for PDFs is not installed."""


_registered = False


def register_fonts(path: Path = FONT_PATH, bold_path: Path = FONT_BOLD_PATH) -> None:
    """Register NanumGothic with reportlab once; FontMissing naming the Debian package."""
    global _registered
    if not path.is_file():
        raise FontMissing(
            f"The Korean font for PDF quotes is missing ({path}). Install the Debian package "
            f"{FONT_PACKAGE}: apt-get install {FONT_PACKAGE}"
        )
    if _registered:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(path)))
    bold = FONT
    if bold_path.is_file():
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold_path)))
        bold = FONT_BOLD
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, bold)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, bold)
    _registered = True


def _won(value) -> str:
    return f"₩{int(value or 0):,}"


def _when(moment) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _duration(seconds) -> str:
    from printhub.site.templatetags.printhub_tags import duration

    return duration(seconds)


def render_quote_pdf(quote, language: str = "ko") -> bytes:
    """The quote as PDF bytes in the language ("ko" or "en"). FontMissing without the font."""
    register_fonts()
    with translation.override("en" if language == "en" else "ko"):
        return _build(quote)


def _build(quote) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    options = getattr(quote, "ordered_options", None)
    if options is None:
        options = list(quote.options.select_related("center").order_by("position", "id"))
    model = quote.model
    hub = _("Jeonju 3D Printing Hub")
    title = _("Quote %(number)s") % {"number": quote.number}

    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5)
    heading = ParagraphStyle("heading", parent=base, fontName=_bold_font(), fontSize=16, leading=20)
    sub = ParagraphStyle("sub", parent=base, fontSize=11, leading=14, spaceBefore=6)

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author=hub,
    )
    story = [Paragraph(hub, sub), Paragraph(title, heading), Spacer(1, 3 * mm)]

    size = (
        f"{model.bbox_x_mm:.1f} × {model.bbox_y_mm:.1f} × {model.bbox_z_mm:.1f} mm"
        if model.bbox_mm
        else "—"
    )
    volume = f"{model.volume_mm3:,.1f} mm³" if model.volume_mm3 else "—"
    default_layer = _("printer's default")
    layer = f"{quote.layer_height_mm:g} mm" if quote.layer_height_mm else default_layer
    settings_text = [
        _("Quantity: %(n)d") % {"n": quote.quantity},
        _("Layer height: %(layer)s") % {"layer": layer},
    ]
    if quote.material.process == "fdm":
        settings_text.append(_("Infill: %(percent)d %%") % {"percent": quote.infill_percent})
    names = services.post_processing_names(quote)
    settings_text.append(
        _("Post-processing: %(names)s") % {"names": ", ".join(names) if names else _("none")}
    )
    color = services.color_label(quote)
    facts = [
        (_("Quote number"), quote.number),
        (_("Date"), _when(quote.created_at)),
        (_("Valid until"), _when(quote.valid_until)),
        (_("Model"), model.original_name),
        (_("Size"), size),
        (_("Volume"), volume),
        (_("Material"), quote.material.name + (f" · {color}" if color else "")),
        (_("Settings"), " · ".join(settings_text)),
        (
            _("Center"),
            quote.center.name if quote.center else _("Best offer (compare every center)"),
        ),
    ]
    fact_rows = [
        [Paragraph(label, small), Paragraph(_escape(value), base)] for label, value in facts
    ]
    facts_table = Table(fact_rows, colWidths=[32 * mm, 150 * mm])
    facts_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#697586")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    thumbnail = _thumbnail(model, Image, 40 * mm)
    if thumbnail is not None:
        top = Table([[facts_table, thumbnail]], colWidths=[190 * mm, 45 * mm])
        top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(top)
    else:
        story.append(facts_table)
    story.append(Spacer(1, 5 * mm))

    header = [
        _("Center"),
        _("Material"),
        _("Machine time"),
        _("Set-up fee"),
        _("Post-processing"),
        _("Top-up to the minimum order"),
        _("Subtotal"),
        _("VAT"),
        _("Total"),
        _("Ready by"),
    ]
    rows = [[Paragraph(h, small) for h in header]]
    spans = []
    best_row = None
    for option in options:
        center = Paragraph(_escape(option.center.name), small)
        if option.eligible:
            if best_row is None:
                best_row = len(rows)
            printer = option.printer_name
            detail = f"{_duration(option.print_time_s)} × {quote.quantity}" if printer else ""
            rows.append(
                [
                    center,
                    _won(option.material_krw),
                    Paragraph(_escape(f"{_won(option.machine_krw)}<br/>{detail}"), small),
                    _won(option.setup_krw),
                    _won(option.post_processing_krw),
                    _won(option.minimum_top_up_krw),
                    _won(option.subtotal_krw),
                    _won(option.vat_krw),
                    _won(option.total_krw),
                    Paragraph(_escape(f"{_when(option.ready_at)}<br/>{printer}"), small),
                ]
            )
        else:
            spans.append(len(rows))
            rows.append([center, Paragraph(_escape(option.reason), small)] + [""] * 8)
    widths = [52, 22, 28, 20, 24, 24, 22, 18, 24, 39]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 1), (8, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#e3e8ef")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f5")),
    ]
    for row in spans:
        style += [
            ("SPAN", (1, row), (-1, row)),
            ("TEXTCOLOR", (0, row), (-1, row), colors.HexColor("#697586")),
        ]
    if best_row is not None:
        style.append(("BACKGROUND", (0, best_row), (-1, best_row), colors.HexColor("#fff9db")))
    table.setStyle(TableStyle(style))
    story += [Paragraph(_("Prices and lead times per center"), sub), table, Spacer(1, 4 * mm)]

    best = next((o for o in options if o.eligible), None)
    if best is not None:
        story.append(
            Paragraph(
                _escape(
                    _("First choice: %(center)s, %(total)s (VAT included), ready by %(ready)s.")
                    % {
                        "center": best.center.name,
                        "total": _won(best.total_krw),
                        "ready": _when(best.ready_at),
                    }
                ),
                sub,
            )
        )
    else:
        story.append(Paragraph(_("No center can take this job with these settings."), sub))
    story.append(Spacer(1, 3 * mm))
    story.append(
        Paragraph(
            _(
                "Amounts in won; each line is rounded to the won (halves up), VAT is the "
                "center's rate on the subtotal. Times are Seoul time. A print starts only while "
                "the center is open."
            ),
            small,
        )
    )
    story.append(Paragraph(_escape(hub), small))
    document.build(story)
    return buffer.getvalue()


def _bold_font() -> str:
    """The bold face when it was registered, else the regular one."""
    from reportlab.pdfbase import pdfmetrics

    return FONT_BOLD if FONT_BOLD in pdfmetrics.getRegisteredFontNames() else FONT


def _escape(text: str) -> str:
    """Text for a reportlab Paragraph: markup characters escaped, <br/> kept."""
    from xml.sax.saxutils import escape

    return escape(str(text)).replace("&lt;br/&gt;", "<br/>")


def _thumbnail(model, image_class, size):
    """The model's thumbnail as a flowable, or None when there is none (or it is unreadable)."""
    if not model.thumbnail:
        return None
    try:
        path = model.thumbnail.path
    except (NotImplementedError, ValueError):
        return None
    if not Path(path).is_file():
        return None
    try:
        return image_class(path, width=size, height=size, kind="proportional")
    except OSError:
        return None
