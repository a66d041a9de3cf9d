from django.urls import path

from printhub.parts import views

app_name = "parts"
urlpatterns = [
    path("", views.model_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("<uuid:model_id>/", views.detail, name="detail"),
    path("<uuid:model_id>/status/", views.status, name="status"),
    path("<uuid:model_id>/original", views.original_file, name="original"),
    path("<uuid:model_id>/viewer.stl", views.viewer_mesh, name="viewer_mesh"),
    path("<uuid:model_id>/thumbnail.png", views.thumbnail, name="thumbnail"),
    path("<uuid:model_id>/repaired.3mf", views.repaired_file, name="repaired"),
]
