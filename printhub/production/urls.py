"""/production/: the operator screens (each center's board) and the buttons of the floor."""

from django.urls import path

from printhub.production import views

app_name = "production"
urlpatterns = [
    path("", views.index, name="index"),
    path("printers/<int:pk>/bed-clear", views.bed_clear, name="bed_clear"),
    path("printers/<int:pk>/start", views.start, name="start"),
    path("printers/<int:pk>/pause", views.pause, name="pause"),
    path("printers/<int:pk>/resume", views.resume, name="resume"),
    path("printers/<int:pk>/maintenance", views.maintenance, name="maintenance"),
    path("jobs/<int:pk>/cancel", views.cancel, name="cancel"),
    path("jobs/<int:pk>/retry", views.retry, name="retry"),
    path("jobs/<int:pk>/printed", views.printed, name="printed"),
    path("<slug:slug>/", views.board, name="board"),
    path("<slug:slug>/cards", views.board_cards, name="cards"),
]
