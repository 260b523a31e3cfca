from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("supervision/", views.month_view, name="month"),
    path("supervision/trends/", views.trends_view, name="trends"),
    path("supervision/branch/<int:pk>/", views.branch_view, name="branch"),
    path("supervision/bulletin/", views.bulletin_view, name="bulletin"),
    path("supervision/ranking/", views.ranking_view, name="ranking"),
    path("supervision/ranking/<int:pk>/", views.ranking_branch_view, name="ranking_branch"),
]
