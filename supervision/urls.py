from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("supervision/", views.month_view, name="month"),
    path("supervision/trends/", views.trends_view, name="trends"),
    path("supervision/branch/<int:pk>/", views.branch_view, name="branch"),
    path("supervision/bulletin/", views.bulletin_view, name="bulletin"),
    path("supervision/inspections/", views.inspections_view, name="inspections"),
    path("supervision/inspections/new/", views.new_inspection, name="new_inspection"),
    path("supervision/inspections/<int:pk>/", views.inspection_view, name="inspection"),
    path("supervision/rectifications/", views.rectifications_view, name="rectifications"),
    path("supervision/rectifications/<int:pk>/", views.rectification_view, name="rectification"),
    path("supervision/me/", views.my_index, name="my_index"),
    path("supervision/vanguard/", views.branch_index, name="vanguard"),
    path("supervision/vanguard/<int:member_pk>/deeds/new/", views.new_deed, name="new_deed"),
    path("supervision/appraisal/", views.appraisal_manage, name="appraisal"),
    path("supervision/appraisal/rate/", views.appraisal_rate, name="appraisal_rate"),
    path("supervision/ranking/", views.ranking_view, name="ranking"),
    path("supervision/ranking/<int:pk>/", views.ranking_branch_view, name="ranking_branch"),
]
