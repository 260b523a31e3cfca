"""Public URLs of offline copies (downloads for logged-in editors and secretaries). The admin
pages are registered under /admin/offline/ by wagtail_hooks.py."""

from django.urls import path

from . import views

app_name = "offline"

urlpatterns = [
    path("offline/files/<int:pk>/", views.download, name="download"),
]
