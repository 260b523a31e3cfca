from django.urls import path

from . import views

app_name = "offline_admin"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("<int:pk>/deliveries/", views.deliver, name="deliver"),
]
