from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("accounts/login/", views.MemberLoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("me/", views.me, name="me"),
    path("me/history/", views.my_history, name="history"),
    path("me/items/<int:item_id>/reflection/", views.save_reflection, name="reflection"),
    path("me/items/<int:item_id>/report/", views.self_report, name="self_report"),
]
