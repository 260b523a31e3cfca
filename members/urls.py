from django.urls import path

from members import account_views, views, workbench

app_name = "members"

urlpatterns = [
    path("accounts/login/", views.MemberLoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password-reset/", account_views.PasswordResetView.as_view(),
         name="password_reset"),
    path("accounts/password-reset/sent/", account_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("accounts/password-reset/<uidb64>/<token>/", account_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/password-reset/done/", account_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("me/", views.me, name="me"),
    path("me/history/", views.my_history, name="history"),
    path("me/password/", account_views.password, name="password"),
    path("me/contact/", account_views.contact, name="contact"),
    path("me/items/<int:item_id>/reflection/", views.save_reflection, name="reflection"),
    path("me/items/<int:item_id>/report/", views.self_report, name="self_report"),
    path("branch/", workbench.home, name="branch"),
    path("branch/members/", workbench.member_list, name="branch_members"),
    path("branch/members/<int:pk>/", workbench.member_card, name="branch_member"),
    path("branch/members/<int:pk>/reset-password/", workbench.reset_password,
         name="branch_reset_password"),
    path("branch/members/<int:pk>/attempt/", workbench.contact_attempt, name="branch_attempt"),
    path("branch/quiet/", workbench.quiet, name="branch_quiet"),
    path("branch/lost/", workbench.lost, name="branch_lost"),
]
