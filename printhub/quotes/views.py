"""Quote pages: the live quote form, saved quotes, their PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from printhub.accounts.permissions import require
from printhub.parts.models import UploadedModel
from printhub.quotes import pdf, services
from printhub.quotes.forms import QuoteForm
from printhub.quotes.models import Quote
from printhub.site.pagecache import cached_page

DEFAULTS = {"quantity": "1", "infill_percent": "20"}


def _model_for(request, model_id) -> UploadedModel:
    model = get_object_or_404(UploadedModel, pk=model_id)
    require(services.can_quote_model(request.user, model))
    return model


def _form_data(params: QueryDict) -> QueryDict:
    data = params.copy()
    for key, value in DEFAULTS.items():
        data.setdefault(key, value)
    return data


def _preview(request, form: QuoteForm, model: UploadedModel):
    """The options for a valid form, without saving (None and form errors when invalid)."""
    if not form.is_valid():
        return None
    try:
        return services.preview_options(
            request.user, model, form.material_obj, **form.request_kwargs()
        )
    except ValidationError as err:
        form.add_service_errors(err)
        return None


def _context(form, model, options, **extra):
    cleaned = getattr(form, "cleaned_data", None) or {}
    return {
        "form": form,
        "model": model,
        "options": options,
        "quantity": cleaned.get("quantity") or 1,
        "material_process": form.process_value,
        "settings_signature": form.settings_signature(),
        "QUOTE_VALID_DAYS": settings.QUOTE_VALID_DAYS,
        "MAX_QUANTITY": services.MAX_QUANTITY,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def new(request, model_id):
    """The quote form with the options table; POST saves the quote."""
    model = _model_for(request, model_id)
    if request.method == "POST":
        form = QuoteForm(request.POST)
        if form.is_valid():
            try:
                quote = services.create_quote(
                    request.user, model, form.material_obj, **form.request_kwargs()
                )
            except ValidationError as err:
                form.add_service_errors(err)
            else:
                return redirect("quotes:detail", quote.id)
        return render(request, "quotes/new.html", _context(form, model, None), status=422)

    def page():
        form = QuoteForm(_form_data(request.GET))
        options = _preview(request, form, model)
        return render(request, "quotes/new.html", _context(form, model, options))

    return cached_page(request, page)


@login_required
@require_GET
def preview(request, model_id):
    """The options table for the form as it is now (htmx), and the settings when they change."""
    model = _model_for(request, model_id)
    form = QuoteForm(_form_data(request.GET))
    options = _preview(request, form, model)
    changed = request.GET.get("settings_signature") != form.settings_signature()
    return render(
        request, "quotes/_preview.html", _context(form, model, options, settings_changed=changed)
    )


def order_url(option) -> str | None:
    """Where the order button of an option leads (the orders app's orders:new)."""
    try:
        return reverse("orders:new", args=[option.id])
    except NoReverseMatch:
        pass
    try:
        return reverse("orders:new") + f"?option={option.id}"
    except NoReverseMatch:
        return None


def _quote_or_404(request, quote_id, *, with_options: bool = True) -> Quote:
    try:
        return services.get_quote(request.user, quote_id, with_options=with_options)
    except Quote.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def detail(request, quote_id):
    """A saved quote: every center's breakdown, lead time or reason, and order buttons."""
    # The options are loaded only when the page is rendered (not for a kept copy).
    quote = _quote_or_404(request, quote_id, with_options=False)

    def page():
        services.load_options(quote)
        for option in quote.ordered_options:
            option.order_url = order_url(option) if option.eligible and quote.is_valid else None
        return render(
            request,
            "quotes/detail.html",
            {
                "quote": quote,
                "options": quote.ordered_options,
                "quantity": quote.quantity,
                "material_process": quote.material.process,
                "color_label": services.color_label(quote),
                "post_processing_names": services.post_processing_names(quote),
            },
        )

    return cached_page(request, page)


@login_required
@require_GET
def pdf_view(request, quote_id):
    """The quote as a PDF in the person's language."""
    quote = _quote_or_404(request, quote_id)
    try:
        content = pdf.render_quote_pdf(quote, get_language())
    except pdf.FontMissing as err:
        return HttpResponse(str(err), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote.number}.pdf"'
    return response


@login_required
@require_GET
def quote_list(request):
    """The person's saved quotes, newest first."""
    quotes = (
        Quote.objects.filter(owner=request.user)
        .select_related("model", "material", "center")
        .order_by("-created_at")[:100]
    )
    return render(request, "quotes/list.html", {"quotes": quotes})
