"""/inventory/: a center's stock, and the load / unload actions of its printers."""

from django.urls import path

from printhub.inventory import views

app_name = "inventory"
urlpatterns = [
    path("", views.index, name="index"),
    path("printers/<int:pk>/load", views.load, name="load"),
    path("printers/<int:pk>/unload", views.unload, name="unload"),
    path("<slug:slug>/", views.center, name="center"),
    path("<slug:slug>/spools/add/", views.add_spool, name="add_spool"),
    path("<slug:slug>/resin/add/", views.add_resin, name="add_resin"),
    path("<slug:slug>/powder/add/", views.add_powder, name="add_powder"),
    path("<slug:slug>/minimum/", views.set_minimum, name="set_minimum"),
    path("<slug:slug>/<str:kind>/<int:pk>/archive/", views.archive, name="archive"),
]
