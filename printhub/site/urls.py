"""URLs: one prefix per app, the JSON API under /api/ (docs at /api/docs)."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from printhub.site import views
from printhub.site.api import api

site_patterns = (
    [
        path("", views.home, name="home"),
        path("health", views.health, name="health"),
    ],
    "site",
)

urlpatterns = [
    path("", include(site_patterns)),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("accounts/", include("printhub.accounts.urls")),
    path("centers/", include("printhub.network.urls")),
    path("models/", include("printhub.parts.urls")),
    path("quotes/", include("printhub.quotes.urls")),
    path("orders/", include("printhub.orders.urls")),
    path("billing/", include("printhub.billing.urls")),
    path("production/", include("printhub.production.urls")),
    path("inventory/", include("printhub.inventory.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("favicon.ico", RedirectView.as_view(url=static("printhub/favicon.svg"), permanent=True)),
]
