"""/centers/: the network's public pages, then the staff's pages under /centers/staff/."""

from django.urls import path

from printhub.network import views

app_name = "network"
urlpatterns = [
    path("", views.center_list, name="center_list"),
    path("materials/", views.materials, name="materials"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/printers/<int:pk>/status/", views.printer_status, name="printer_status"),
    path("staff/printers/<int:pk>/retire/", views.printer_retire, name="printer_retire"),
    path("staff/<slug:slug>/printers/add/", views.printer_add, name="printer_add"),
    path("staff/<slug:slug>/prices/", views.edit_prices, name="staff_prices"),
    path("staff/<slug:slug>/hours/", views.edit_hours, name="staff_hours"),
    path(
        "staff/<slug:slug>/closures/<int:pk>/delete/",
        views.closure_delete,
        name="closure_delete",
    ),
    path("<slug:slug>/", views.center_detail, name="center_detail"),
]
