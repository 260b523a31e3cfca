from django.urls import path

from members import admin_views as views

app_name = "members_admin"

urlpatterns = [
    path("", views.index, name="index"),
    path("rates/", views.rates, name="rates"),
    path("not-studied/", views.not_studied, name="not_studied"),
    path("members/", views.members_list, name="members"),
    path("members/<int:member_id>/", views.member_history, name="member"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_edit, name="plan_new"),
    path("plans/<int:plan_id>/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/matrix/", views.plan_matrix, name="plan_matrix"),
    path("courses/<int:page_id>/matrix/", views.course_matrix, name="course_matrix"),
    path("record/", views.record, name="record"),
    path("import/", views.import_members, name="import"),
]
