from django.urls import path

from . import views

app_name = "regulations"

urlpatterns = [
    path("regulations/", views.regulation_list, name="list"),
    path("regulations/search/", views.search, name="search"),
    path("regulations/<slug:slug>/", views.regulation, name="regulation"),
    path("regulations/<slug:slug>/preamble/", views.preamble, name="preamble"),
    path("regulations/<slug:slug>/<int:number>/", views.article, name="article"),
]
