from django.urls import path

from printhub.billing import views

app_name = "billing"
urlpatterns = [
    path("", views.account, name="account"),
    path("invoices/<int:pk>/", views.invoice, name="invoice"),
    path("top-up/", views.top_up, name="top_up"),
]
