"""Pages of the site as a whole: home, health check, the language switch."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


def home(request):
    from printhub.network.models import Center

    centers = Center.objects.filter(is_active=True).prefetch_related("hours")
    return render(request, "site/home.html", {"centers": centers})


def health(request):
    """Liveness for the demo script and load tools: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_POST
def set_language(request):
    """Django's language switch, which also remembers the choice of a signed-in person."""
    response = django_set_language(request)
    language = request.POST.get("language")
    user = request.user
    wanted = language in dict(settings.LANGUAGES)
    if user.is_authenticated and wanted and user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return response
