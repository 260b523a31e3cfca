from django.urls import path

from lectures import views

app_name = "lectures"
urlpatterns = [
    path("settings/elderly/", views.toggle_elderly_mode, name="elderly_mode"),
    path("lessons/<int:lesson_id>/download/<str:kind>/", views.download, name="download"),
    path("search/", views.search, name="search"),
    path("lessons/<int:lesson_id>/hls/<int:height>.m3u8", views.hls_one_rung, name="hls_rung"),
    # Browsers that ignore the SVG icon in <head> ask for /favicon.ico.
    path("favicon.ico", views.favicon),
]
