"""The quote PDF: a valid PDF with the Korean font embedded and the text in the language."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from printhub.quotes import pdf, services

from .conftest import seoul

pytestmark = pytest.mark.skipif(
    not pdf.FONT_PATH.is_file(), reason="fonts-nanum is not installed (apt-get install fonts-nanum)"
)


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def fonts_of(content: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(content))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
            parts = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            for part in parts:
                descriptor = part.get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    names.add("embedded:" + str(font["/BaseFont"]))
    return names


@pytest.fixture
def quote(people, make_model, estimates):
    model = make_model(name="gear-housing.stl")
    return services.create_quote(
        people["citizen"], model, "pa11-cf", quantity=2, post_processing=["sanding"],
        now=seoul(2026, 12, 7, 10),
    )  # fmt: skip


def test_korean_pdf(client_for, quote):
    response = client_for("citizen").get(reverse("quotes:pdf", args=[quote.id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF-")
    text = text_of(content)
    assert quote.number in text
    assert "견적서" in text
    assert "전주 3D프린팅 융복합센터" in text
    assert "남원 3D프린팅 교육센터" in text
    assert "경화 노즐" in text  # Namwon's reason, in Korean
    assert "gear-housing.stl" in text
    assert "전주 3D프린팅 통합지원 허브" in text
    jeonju = quote.options.get(center__slug="jeonju")
    assert f"₩{jeonju.total_krw:,}" in text
    assert any(name.startswith("embedded:") and "NanumGothic" in name for name in fonts_of(content))


def test_english_pdf(client_for, quote):
    client = client_for("citizen")
    client.cookies["django_language"] = "en"
    text = text_of(client.get(reverse("quotes:pdf", args=[quote.id])).content)
    assert f"Quote {quote.number}" in text
    assert "Jeonju 3D Printing Convergence Center" in text
    assert "hardened nozzle" in text
    assert "Sanding" in text


def test_pdf_with_a_thumbnail(quote):
    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 80, 20)).save(buffer, "PNG")
    quote.model.thumbnail.save("thumb.png", ContentFile(buffer.getvalue()))
    content = pdf.render_quote_pdf(quote, "ko")
    reader = PdfReader(io.BytesIO(content))
    assert any(page.images for page in reader.pages)


def test_a_missing_font_names_the_debian_package(tmp_path: Path):
    with pytest.raises(pdf.FontMissing, match="fonts-nanum"):
        pdf.register_fonts(tmp_path / "NanumGothic.ttf")
