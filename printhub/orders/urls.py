from django.urls import path

from printhub.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/<int:option_id>/", views.new, name="new"),
    path("queue/", views.queue, name="queue"),
    path("notifications/", views.notifications, name="notifications"),
    path("pickup/<str:token>/", views.pickup, name="pickup"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/timeline/", views.timeline, name="timeline"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/state/", views.move, name="move"),
]
