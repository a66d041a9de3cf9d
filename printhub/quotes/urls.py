from django.urls import path

from printhub.quotes import views

app_name = "quotes"
urlpatterns = [
    path("", views.quote_list, name="list"),
    path("new/<uuid:model_id>/", views.new, name="new"),
    path("new/<uuid:model_id>/preview/", views.preview, name="preview"),
    path("<uuid:quote_id>/", views.detail, name="detail"),
    path("<uuid:quote_id>/pdf/", views.pdf_view, name="pdf"),
]
