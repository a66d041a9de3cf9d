"""Pages of the site as a whole: home, health check."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


def home(request):
    from printhub.network.models import Center

    centers = Center.objects.filter(is_active=True).prefetch_related("hours")
    return render(request, "site/home.html", {"centers": centers})


def health(request):
    """Liveness for the demo script and load tools: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
